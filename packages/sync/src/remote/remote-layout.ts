import type { ObjectStore, StoreCallOptions } from '@feldera-sync/checkpoint';
import { SyncError } from '@feldera-sync/errors';
import { SyncErrorCodes } from '../errors.js';
import type { CatalogEntry } from '../local/local-layout.js';
import { CATALOG_FILE, isSafeName, parseCatalog, serializeCatalog } from '../local/local-layout.js';
import { parseLossless, stringifyLossless } from '../lossless-json.js';

/** Keys of the remote layout, relative to the bucket location. */
export const remoteKeys = {
  owner: 'owner.json',
  catalog: CATALOG_FILE,
  zip: (uuid: string): string => `${uuid}.zip`,
  manifest: (uuid: string): string => `dependencies/${uuid}.json`,
  manifestPrefix: 'dependencies/',
} as const;

/** One object a remote checkpoint needs, with what it must hash to. */
export interface ManifestObject {
  key: string;
  size: number;
  sha256: string;
}

/** One file inside the zip, path relative to the storage directory (`<uuid>/...`). */
export interface ZipFileEntry {
  path: string;
  size: number;
  sha256: string;
}

/**
 * `dependencies/<uuid>.json`: everything needed to restore one checkpoint and verify it. The
 * same JSON shape as `@feldera-sync/checkpoint`'s `ManifestSchema` (format version 1).
 */
export interface Manifest {
  format_version: 1;
  uuid: string;
  /** The checkpoint's catalog entry, as the local catalog holds it. */
  entry: CatalogEntry;
  batches: string[];
  state_files: string[];
  /** Every object: the root files (batch and state files outside the checkpoint dir), then `<uuid>.zip`. */
  objects: ManifestObject[];
  /** The files the zip expands to, verified after unzipping. */
  zip_files: ZipFileEntry[];
  created_at: string;
}

/** `owner.json`. */
export interface Owner {
  format_version?: number | undefined;
  pipeline_name: string;
  given_name?: string | undefined;
  created_at?: string | undefined;
}

const textDecoder = new TextDecoder();

function invalid(store: ObjectStore, key: string, why: string, cause?: unknown): SyncError {
  return new SyncError(SyncErrorCodes.invalidRemote, `${store.description}${key}: ${why}`, {
    ...(cause === undefined ? {} : { cause }),
    hint: 'the bucket holds data this version cannot read; check that `bucket` points at a checkpoint location',
  });
}

/** The remote catalog; a missing one is empty. */
export async function readRemoteCatalog(store: ObjectStore, options?: StoreCallOptions): Promise<CatalogEntry[]> {
  const body = await store.getSmall(remoteKeys.catalog, options);
  if (body === null) return [];
  try {
    return parseCatalog(textDecoder.decode(body), `${store.description}${remoteKeys.catalog}`);
  } catch (e) {
    throw invalid(store, remoteKeys.catalog, 'not a valid catalog', e);
  }
}

/** Writes the remote catalog: the push's commit point. */
export async function writeRemoteCatalog(
  store: ObjectStore,
  entries: readonly CatalogEntry[],
  options?: StoreCallOptions,
): Promise<number> {
  const text = serializeCatalog(entries);
  await store.putSmall(remoteKeys.catalog, text, options);
  return Buffer.byteLength(text);
}

/** Validates a manifest's shape. */
export function parseManifest(text: string, where: string): Manifest {
  let v: unknown;
  try {
    v = parseLossless(text);
  } catch (e) {
    throw new SyncError(SyncErrorCodes.invalidRemote, `${where} is not valid JSON`, { cause: e });
  }
  const m = v as Partial<Manifest> | null;
  const ok =
    typeof m === 'object' &&
    m !== null &&
    m.format_version === 1 &&
    typeof m.uuid === 'string' &&
    isSafeName(m.uuid) &&
    typeof m.entry === 'object' &&
    m.entry !== null &&
    Array.isArray(m.zip_files) &&
    m.zip_files.every(
      (f: unknown) =>
        typeof f === 'object' &&
        f !== null &&
        typeof (f as ZipFileEntry).path === 'string' &&
        (f as ZipFileEntry).path.startsWith(`${m.uuid}/`) &&
        (f as ZipFileEntry).path.split('/').every(isSafeName) &&
        Number.isSafeInteger((f as ZipFileEntry).size) &&
        /^[0-9a-f]{64}$/.test((f as ZipFileEntry).sha256),
    ) &&
    Array.isArray(m.batches) &&
    Array.isArray(m.state_files) &&
    Array.isArray(m.objects) &&
    m.objects.every(
      (o: unknown) =>
        typeof o === 'object' &&
        o !== null &&
        typeof (o as ManifestObject).key === 'string' &&
        (o as ManifestObject).key.split('/').every(isSafeName) &&
        Number.isSafeInteger((o as ManifestObject).size) &&
        /^[0-9a-f]{64}$/.test((o as ManifestObject).sha256),
    );
  if (!ok) throw new SyncError(SyncErrorCodes.invalidRemote, `${where} is not a valid checkpoint manifest`);
  return m as Manifest;
}

/** Serialises a manifest. */
export function serializeManifest(manifest: Manifest): string {
  return stringifyLossless(manifest, 2) + '\n';
}

/** The manifest of `uuid`, or null when it does not exist. */
export async function readManifest(
  store: ObjectStore,
  uuid: string,
  options?: StoreCallOptions,
): Promise<Manifest | null> {
  const key = remoteKeys.manifest(uuid);
  const body = await store.getSmall(key, options);
  if (body === null) return null;
  const manifest = parseManifest(textDecoder.decode(body), `${store.description}${key}`);
  if (manifest.uuid !== uuid) throw invalid(store, key, `names checkpoint ${manifest.uuid}`);
  return manifest;
}

/** `owner.json`, or null when the bucket has no owner yet. */
export async function readOwner(store: ObjectStore, options?: StoreCallOptions): Promise<Owner | null> {
  const body = await store.getSmall(remoteKeys.owner, options);
  if (body === null) return null;
  let v: unknown;
  try {
    v = JSON.parse(textDecoder.decode(body));
  } catch (e) {
    throw invalid(store, remoteKeys.owner, 'not valid JSON', e);
  }
  if (typeof v !== 'object' || v === null || typeof (v as Owner).pipeline_name !== 'string') {
    throw invalid(store, remoteKeys.owner, 'has no pipeline_name');
  }
  return v as Owner;
}
