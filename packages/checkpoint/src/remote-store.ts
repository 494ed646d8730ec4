import { ERR_ABORTED, SyncError, isSyncError } from '@feldera-sync/errors';
import type { CatalogEntry } from './catalog.js';
import { parseCatalog, serializeCatalog } from './catalog.js';
import type { ObjectStore, PutOptions, StoreCallOptions } from './object-store.js';
import type { Manifest, OwnerInfo } from './remote-layout.js';
import {
  parseManifest,
  parseOwner,
  remoteKeys,
  serializeManifest,
  serializeOwner,
} from './remote-layout.js';
import { ERR_CHECKPOINT_MANIFEST_CORRUPT } from './errors.js';

/** How a remote object is named in messages: its key and the store's secret-free description. */
export function remoteObjectName(store: ObjectStore, key: string): string {
  return `${key} in ${store.description}`;
}

/**
 * Bounds on what a small read accepts from a bucket (which may be hostile): larger objects fail with
 * `ERR_STORE_TOO_LARGE` before more than the bound is read. A catalog of 50,000 entries is about
 * 9 MiB; a manifest of a 100,000-file checkpoint about 26 MiB.
 */
export const REMOTE_READ_LIMITS = {
  catalogBytes: 16 * 1024 * 1024,
  manifestBytes: 32 * 1024 * 1024,
  ownerBytes: 64 * 1024,
} as const;

function decode(body: Uint8Array): string {
  return new TextDecoder('utf-8', { fatal: false }).decode(body);
}

/** The remote catalog, oldest first; an absent catalog is `[]`, an unreadable one an error. */
export async function readRemoteCatalog(
  store: ObjectStore,
  options: StoreCallOptions = {},
): Promise<CatalogEntry[]> {
  const body = await store.getSmall(remoteKeys.catalog, {
    ...options,
    maxBytes: REMOTE_READ_LIMITS.catalogBytes,
  });
  if (body === null) return [];
  return parseCatalog(decode(body), remoteObjectName(store, remoteKeys.catalog));
}

/** Writes the remote catalog (the commit point of a push). */
export async function writeRemoteCatalog(
  store: ObjectStore,
  entries: readonly CatalogEntry[],
  options: StoreCallOptions = {},
): Promise<void> {
  await store.putSmall(remoteKeys.catalog, serializeCatalog(entries), options);
}

/** The manifest of `uuid`, or null when absent; a corrupt one is `ERR_CHECKPOINT_MANIFEST_CORRUPT`. */
export async function readManifest(
  store: ObjectStore,
  uuid: string,
  options: StoreCallOptions = {},
): Promise<Manifest | null> {
  const key = remoteKeys.manifest(uuid);
  const body = await store.getSmall(key, {
    ...options,
    maxBytes: REMOTE_READ_LIMITS.manifestBytes,
  });
  if (body === null) return null;
  const manifest = parseManifest(decode(body), remoteObjectName(store, key));
  if (manifest.uuid !== uuid.toLowerCase()) {
    throw new SyncError(
      ERR_CHECKPOINT_MANIFEST_CORRUPT,
      `checkpoint manifest '${remoteObjectName(store, key)}' describes checkpoint ${manifest.uuid}`,
      { details: { file: key } },
    );
  }
  return manifest;
}

/** Writes `dependencies/<uuid>.json`. */
export async function writeManifest(
  store: ObjectStore,
  manifest: Manifest,
  options: StoreCallOptions = {},
): Promise<void> {
  await store.putSmall(remoteKeys.manifest(manifest.uuid), serializeManifest(manifest), options);
}

/** The outcome of reading one manifest, for planners that must know what could not be read. */
export type ManifestLookup =
  | { status: 'ok'; manifest: Manifest }
  | { status: 'missing' }
  | { status: 'unreadable'; error: SyncError };

/** Options of `readManifests`. */
export interface ReadManifestsOptions extends StoreCallOptions {
  /** How many manifests are read at once (default 1). */
  concurrency?: number | undefined;
  /** Reads one manifest (default `readManifest`); a caller with a cache of immutable manifests passes its own. */
  read?: ((uuid: string, options: StoreCallOptions) => Promise<Manifest | null>) | undefined;
}

/** Reads the manifests of `uuids`; failures are recorded per uuid, cancellation is thrown. */
export async function readManifests(
  store: ObjectStore,
  uuids: Iterable<string>,
  options: ReadManifestsOptions = {},
): Promise<Map<string, ManifestLookup>> {
  const ids = [...new Set([...uuids].map((u) => u.toLowerCase()))];
  const call: StoreCallOptions = options.signal ? { signal: options.signal } : {};
  const read =
    options.read ?? ((uuid: string, o: StoreCallOptions) => readManifest(store, uuid, o));
  const found = new Map<string, ManifestLookup>();
  const lookup = async (id: string): Promise<void> => {
    try {
      const manifest = await read(id, call);
      found.set(id, manifest ? { status: 'ok', manifest } : { status: 'missing' });
    } catch (e) {
      if (isSyncError(e) && e.code === ERR_ABORTED) throw e;
      const error = isSyncError(e)
        ? e
        : new SyncError(
            ERR_CHECKPOINT_MANIFEST_CORRUPT,
            `cannot read ${remoteObjectName(store, remoteKeys.manifest(id))}`,
            {
              cause: e,
            },
          );
      found.set(id, { status: 'unreadable', error });
    }
  };
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < ids.length) await lookup(ids[next++]!);
  };
  const workers = Math.max(1, Math.min(options.concurrency ?? 1, ids.length));
  await Promise.all(Array.from({ length: workers }, worker));
  // Answer in the order asked, whatever order the reads finished in.
  return new Map(ids.map((id) => [id, found.get(id)!]));
}

/** The bucket's `owner.json`, or null when absent; a corrupt one is `ERR_CHECKPOINT_OWNER_CORRUPT`. */
export async function readOwner(
  store: ObjectStore,
  options: StoreCallOptions = {},
): Promise<OwnerInfo | null> {
  const body = await store.getSmall(remoteKeys.owner, {
    ...options,
    maxBytes: REMOTE_READ_LIMITS.ownerBytes,
  });
  if (body === null) return null;
  return parseOwner(decode(body), remoteObjectName(store, remoteKeys.owner));
}

/** Writes `owner.json`; pass `ifNoneMatch: true` to create it only when absent. */
export async function writeOwner(
  store: ObjectStore,
  owner: OwnerInfo,
  options: PutOptions = {},
): Promise<void> {
  await store.putSmall(remoteKeys.owner, serializeOwner(owner), options);
}
