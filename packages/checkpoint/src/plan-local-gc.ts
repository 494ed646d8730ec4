import type { CatalogEntry } from './catalog.js';
import type { LocalCheckpointStatus } from './local-checkpoint.js';
import { compareUuidv7 } from './uuidv7.js';

/** Options of `planLocalGc`. */
export interface LocalGcOptions {
  /** How many newest complete checkpoints to keep (default 2). */
  keepComplete?: number | undefined;
  /** Files (relative to the storage directory) still in use outside any checkpoint, e.g. the engine's live batches. */
  live?: Iterable<string> | undefined;
}

/** What local garbage collection removes: catalog first, then checkpoint directories, then shared files. */
export interface LocalGcPlan {
  keep: CatalogEntry[];
  drop: CatalogEntry[];
  /** The local catalog after collection, original order. */
  catalog: CatalogEntry[];
  /** Checkpoint directories (`<uuid>`) to remove. */
  deleteDirs: string[];
  /** Shared files (batch files) only dropped checkpoints needed. */
  deleteFiles: string[];
}

/**
 * Keeps the newest complete checkpoints (two by default) plus pinned ones and every file they need;
 * everything else in the catalog goes. Only files a dropped checkpoint names are deleted, never unknown ones.
 */
export function planLocalGc(
  checkpoints: readonly LocalCheckpointStatus[],
  pins: Iterable<string>,
  options: LocalGcOptions = {},
): LocalGcPlan {
  const keepIds = new Set<string>();
  for (const p of pins) keepIds.add(p.toLowerCase());
  const complete = checkpoints
    .filter((c) => c.complete)
    .sort((a, b) => compareUuidv7(b.entry.uuid, a.entry.uuid));
  for (const c of complete.slice(0, Math.max(0, options.keepComplete ?? 2)))
    keepIds.add(c.entry.uuid.toLowerCase());

  const keep: CatalogEntry[] = [];
  const drop: CatalogEntry[] = [];
  const needed = new Set<string>(options.live ?? []);
  for (const c of checkpoints) {
    const id = c.entry.uuid.toLowerCase();
    if (keepIds.has(id)) {
      keep.push(c.entry);
      for (const f of [...(c.deps?.batches ?? []), ...(c.deps?.state_files ?? [])]) needed.add(f);
    } else {
      drop.push(c.entry);
    }
  }
  const deleteDirs = drop.map((e) => e.uuid.toLowerCase());
  const dropped = new Set(deleteDirs);
  const files = new Set<string>();
  for (const c of checkpoints) {
    if (!dropped.has(c.entry.uuid.toLowerCase())) continue;
    for (const f of [...(c.deps?.batches ?? []), ...(c.deps?.state_files ?? [])]) {
      const top = f.split('/')[0]!;
      if (!needed.has(f) && !dropped.has(top.toLowerCase()) && !keepIds.has(top.toLowerCase()))
        files.add(f);
    }
  }
  return { keep, drop, catalog: keep, deleteDirs, deleteFiles: [...files].sort() };
}
