import type {
  Manifest,
  ManifestLookup,
  ObjectStore,
  StoreCallOptions,
} from '@feldera-sync/checkpoint';
import { readManifest, readManifests } from '@feldera-sync/checkpoint';
import { readingRemote } from '../layout-errors.js';

/**
 * Manifests are written once per checkpoint and never changed, so a manifest read once is
 * kept for the life of the synchroniser (per store).
 */
export class ManifestCache {
  readonly #byStore = new WeakMap<ObjectStore, Map<string, Manifest>>();

  #map(store: ObjectStore): Map<string, Manifest> {
    let map = this.#byStore.get(store);
    if (!map) {
      map = new Map();
      this.#byStore.set(store, map);
    }
    return map;
  }

  /** The manifest of `uuid`, or null when it does not exist (misses are not cached); damage is `ERR_SYNC_INVALID_REMOTE`. */
  async get(
    store: ObjectStore,
    uuid: string,
    options?: StoreCallOptions,
  ): Promise<Manifest | null> {
    const map = this.#map(store);
    const id = uuid.toLowerCase();
    const hit = map.get(id);
    if (hit) return hit;
    const manifest = await readingRemote(readManifest(store, id, options));
    if (manifest) map.set(id, manifest);
    return manifest;
  }

  /** The manifests of `uuids`, read `concurrency` at a time through the cache; failures are per uuid. */
  lookup(
    store: ObjectStore,
    uuids: Iterable<string>,
    options: StoreCallOptions & { concurrency: number },
  ): Promise<Map<string, ManifestLookup>> {
    return readManifests(store, uuids, { ...options, read: (uuid, o) => this.get(store, uuid, o) });
  }

  /** The manifests of `uuids` this cache already holds (no store request). */
  cached(store: ObjectStore, uuids: Iterable<string>): Manifest[] {
    const map = this.#byStore.get(store);
    if (!map) return [];
    const out: Manifest[] = [];
    for (const uuid of uuids) {
      const hit = map.get(uuid.toLowerCase());
      if (hit) out.push(hit);
    }
    return out;
  }

  /** Records a manifest this process just wrote. */
  put(store: ObjectStore, manifest: Manifest): void {
    this.#map(store).set(manifest.uuid, manifest);
  }

  /** Forgets a deleted checkpoint's manifest. */
  forget(store: ObjectStore, uuid: string): void {
    this.#byStore.get(store)?.delete(uuid.toLowerCase());
  }
}

/** Runs `fn` over `items` with at most `limit` in flight, keeping order. */
export async function mapLimit<T, R>(
  items: readonly T[],
  limit: number,
  fn: (item: T) => Promise<R>,
): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}
