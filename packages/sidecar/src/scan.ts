import type { CatalogEntry } from '@feldera-sync/checkpoint';
import { compareUuidv7, inspectLocalCheckpoint, readLocalCatalog } from '@feldera-sync/checkpoint';
import type { ObservedCheckpoint } from './plan.js';

/** One look at a storage directory: entries newer than `since`, newest first, with completeness. */
export interface CatalogScan {
  /** Entries newer than `since`, newest first; only down to the first complete one (older ones are superseded). */
  checkpoints: ObservedCheckpoint[];
  /** The catalog entries by UUID, for pinning. */
  entries: Map<string, CatalogEntry>;
}

/**
 * Reads the engine's catalog (never writing it) and inspects, newest first, the entries newer than
 * `since` until it finds a complete one: a scan costs one small read plus a few `stat`s whatever
 * the catalog's length. An entry without its `state.json` is inside Feldera's commit window:
 * reported incomplete, looked at again on the next scan.
 */
export async function scanCatalog(
  storageDir: string,
  since: string | null,
  signal?: AbortSignal,
): Promise<CatalogScan> {
  const opts = signal ? { signal } : {};
  const catalog = await readLocalCatalog(storageDir, opts);
  const entries = new Map(catalog.map((e) => [e.uuid, e]));
  const fresh = catalog
    .filter((e) => since === null || compareUuidv7(e.uuid, since) > 0)
    .sort((a, b) => compareUuidv7(b.uuid, a.uuid));
  const checkpoints: ObservedCheckpoint[] = [];
  for (const e of fresh) {
    const found = await inspectLocalCheckpoint(storageDir, e.uuid, opts).catch(() => null);
    const complete = found?.complete === true && found.deps !== null;
    checkpoints.push({ uuid: e.uuid, complete });
    if (complete) break;
  }
  return { checkpoints, entries };
}
