/** What local garbage collection decided. */
export interface LocalGcPlan {
  /** Checkpoints that stay, oldest first. */
  keep: string[];
  /** Catalog entries to remove, oldest first. */
  drop: string[];
}

/** Inputs of `planEngineGc`. */
export interface LocalGcInput {
  /** Catalog UUIDs, oldest first. */
  catalog: readonly string[];
  /** Checkpoints a running push (or anyone) has pinned. */
  pinned: ReadonlySet<string>;
  /** The checkpoint the engine resumed from or last wrote (the root `state.json`), always kept. */
  current: string | null;
  /** How many of the newest checkpoints to keep. */
  keepNewest: number;
}

/**
 * Decides which checkpoints local GC keeps: the newest `keepNewest`, every pinned one, and the
 * one the root `state.json` names (which, after a crash between catalog append and root write,
 * may not be among the newest). Everything else in the catalog is dropped.
 */
export function planEngineGc(input: LocalGcInput): LocalGcPlan {
  const newest = new Set(input.catalog.slice(Math.max(0, input.catalog.length - input.keepNewest)));
  const keep: string[] = [];
  const drop: string[] = [];
  for (const uuid of input.catalog) {
    if (newest.has(uuid) || input.pinned.has(uuid) || uuid === input.current) keep.push(uuid);
    else drop.push(uuid);
  }
  return { keep, drop };
}
