import type { ObjectStore, StoreCallOptions } from '@feldera-sync/checkpoint';
import type { Manifest } from './remote-layout.js';
import { readManifest } from './remote-layout.js';

/**
 * Manifests are written once per checkpoint and never changed, so a manifest read once is
 * kept for the life of the synchroniser (per store).
 */
export class ManifestCache {
  readonly #byStore = new WeakMap<ObjectStore, Map<string, Manifest>>();

  /** The manifest of `uuid`, or null when it does not exist (misses are not cached). */
  async get(store: ObjectStore, uuid: string, options?: StoreCallOptions): Promise<Manifest | null> {
    let map = this.#byStore.get(store);
    if (!map) {
      map = new Map();
      this.#byStore.set(store, map);
    }
    const hit = map.get(uuid);
    if (hit) return hit;
    const manifest = await readManifest(store, uuid, options);
    if (manifest) map.set(uuid, manifest);
    return manifest;
  }

  /** Records a manifest this process just wrote. */
  put(store: ObjectStore, manifest: Manifest): void {
    let map = this.#byStore.get(store);
    if (!map) {
      map = new Map();
      this.#byStore.set(store, map);
    }
    map.set(manifest.uuid, manifest);
  }

  /** Forgets a deleted checkpoint's manifest. */
  forget(store: ObjectStore, uuid: string): void {
    this.#byStore.get(store)?.delete(uuid);
  }
}

/** Runs `fn` over `items` with at most `limit` in flight, keeping order. */
export async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
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
