import { ERR_ABORTED, SyncError, isSyncError } from '@feldera-sync/errors';
import type { CatalogEntry } from './catalog.js';
import { parseCatalog, serializeCatalog } from './catalog.js';
import type { ObjectStore, PutOptions, StoreCallOptions } from './object-store.js';
import type { Manifest, OwnerInfo } from './remote-layout.js';
import { parseManifest, parseOwner, remoteKeys, serializeManifest, serializeOwner } from './remote-layout.js';
import { ERR_CHECKPOINT_MANIFEST_CORRUPT } from './errors.js';

/** How a remote object is named in messages: its key and the store's secret-free description. */
export function remoteObjectName(store: ObjectStore, key: string): string {
  return `${key} in ${store.description}`;
}

function decode(body: Uint8Array): string {
  return new TextDecoder('utf-8', { fatal: false }).decode(body);
}

/** The remote catalog, oldest first; an absent catalog is `[]`, an unreadable one an error. */
export async function readRemoteCatalog(store: ObjectStore, options: StoreCallOptions = {}): Promise<CatalogEntry[]> {
  const body = await store.getSmall(remoteKeys.catalog, options);
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
export async function readManifest(store: ObjectStore, uuid: string, options: StoreCallOptions = {}): Promise<Manifest | null> {
  const key = remoteKeys.manifest(uuid);
  const body = await store.getSmall(key, options);
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
export async function writeManifest(store: ObjectStore, manifest: Manifest, options: StoreCallOptions = {}): Promise<void> {
  await store.putSmall(remoteKeys.manifest(manifest.uuid), serializeManifest(manifest), options);
}

/** The outcome of reading one manifest, for planners that must know what could not be read. */
export type ManifestLookup =
  | { status: 'ok'; manifest: Manifest }
  | { status: 'missing' }
  | { status: 'unreadable'; error: SyncError };

/** Reads the manifests of `uuids` one by one; failures are recorded per uuid, cancellation is thrown. */
export async function readManifests(
  store: ObjectStore,
  uuids: Iterable<string>,
  options: StoreCallOptions = {},
): Promise<Map<string, ManifestLookup>> {
  const out = new Map<string, ManifestLookup>();
  for (const uuid of uuids) {
    const id = uuid.toLowerCase();
    try {
      const manifest = await readManifest(store, id, options);
      out.set(id, manifest ? { status: 'ok', manifest } : { status: 'missing' });
    } catch (e) {
      if (isSyncError(e) && e.code === ERR_ABORTED) throw e;
      const error = isSyncError(e)
        ? e
        : new SyncError(ERR_CHECKPOINT_MANIFEST_CORRUPT, `cannot read ${remoteObjectName(store, remoteKeys.manifest(id))}`, {
            cause: e,
          });
      out.set(id, { status: 'unreadable', error });
    }
  }
  return out;
}

/** The bucket's `owner.json`, or null when absent; a corrupt one is `ERR_CHECKPOINT_OWNER_CORRUPT`. */
export async function readOwner(store: ObjectStore, options: StoreCallOptions = {}): Promise<OwnerInfo | null> {
  const body = await store.getSmall(remoteKeys.owner, options);
  if (body === null) return null;
  return parseOwner(decode(body), remoteObjectName(store, remoteKeys.owner));
}

/** Writes `owner.json`; pass `ifNoneMatch: true` to create it only when absent. */
export async function writeOwner(store: ObjectStore, owner: OwnerInfo, options: PutOptions = {}): Promise<void> {
  await store.putSmall(remoteKeys.owner, serializeOwner(owner), options);
}
