import type { CatalogEntry } from './catalog.js';
import type { LocalCheckpointStatus } from './local-checkpoint.js';
import { FELDERA_KEPT_ROOT_ENTRIES, bareNameProblem } from './local-paths.js';
import { compareUuidv7 } from './uuidv7.js';

const KEPT = new Set(FELDERA_KEPT_ROOT_ENTRIES);

/** Options of `planLocalGc`. */
export interface LocalGcOptions {
  /** How many newest complete checkpoints to keep (default 2). */
  keepComplete?: number | undefined;
  /** Files (relative to the storage directory) still in use outside any checkpoint, e.g. the engine's live batches. */
  live?: Iterable<string> | undefined;
  /**
   * Keep entries newer than every complete checkpoint, which may be inside Feldera's commit window
   * (default true). A pull replacing another lineage turns it off: those entries are not its own.
   */
  protectNewer?: boolean | undefined;
}

/** What local garbage collection removes: catalog first, then checkpoint directories, then shared files. */
export interface LocalGcPlan {
  keep: CatalogEntry[];
  drop: CatalogEntry[];
  /** The local catalog after collection, original order. */
  catalog: CatalogEntry[];
  /** Checkpoint directories (`<uuid>`) to remove. */
  deleteDirs: string[];
  /** Batch files at the storage root that only dropped checkpoints needed. */
  deleteFiles: string[];
}

/**
 * Keeps the newest complete checkpoints (two by default) plus pinned ones and every batch file they
 * need; everything else in the catalog goes, as Feldera's `gc_checkpoint` does (dbsp
 * `checkpointer.rs`): a dropped checkpoint's directory and the batch files it names that no kept
 * checkpoint names. Nothing else is ever deleted: no unknown file, no entry Feldera keeps
 * (`FELDERA_KEPT_ROOT_ENTRIES`), no name that is not a bare root file name.
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
  // An entry newer than every complete checkpoint may be inside Feldera's commit window (catalogued,
  // `state.json` not yet written): it is never dropped.
  const newestComplete = complete[0]?.entry.uuid;
  if (options.protectNewer ?? true)
    for (const c of checkpoints)
      if (newestComplete === undefined || compareUuidv7(c.entry.uuid, newestComplete) > 0)
        keepIds.add(c.entry.uuid.toLowerCase());

  const keep: CatalogEntry[] = [];
  const drop: CatalogEntry[] = [];
  const needed = new Set<string>(options.live ?? []);
  for (const c of checkpoints) {
    const id = c.entry.uuid.toLowerCase();
    if (keepIds.has(id)) {
      keep.push(c.entry);
      for (const f of c.deps?.batches ?? []) needed.add(f);
    } else {
      drop.push(c.entry);
    }
  }
  const deleteDirs = drop.map((e) => e.uuid.toLowerCase());
  const dropped = new Set(deleteDirs);
  const files = new Set<string>();
  // What a kept checkpoint with unreadable dependencies needs is unknown: delete no batch file.
  const blind = checkpoints.some((c) => keepIds.has(c.entry.uuid.toLowerCase()) && c.deps === null);
  for (const c of blind ? [] : checkpoints) {
    if (!dropped.has(c.entry.uuid.toLowerCase())) continue;
    for (const f of c.deps?.batches ?? []) {
      if (needed.has(f) || bareNameProblem(f) !== null || KEPT.has(f)) continue;
      // A dependency list naming a checkpoint directory is damage, never a licence to delete it.
      if (dropped.has(f.toLowerCase()) || keepIds.has(f.toLowerCase())) continue;
      files.add(f);
    }
  }
  return { keep, drop, catalog: keep, deleteDirs, deleteFiles: [...files].sort() };
}
