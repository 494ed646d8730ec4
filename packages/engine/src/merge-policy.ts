/** One batch file in a table's spine. */
export interface SpineBatch {
  /** File name at the storage directory's root, `w0-<uuidv7>.feldera`. */
  file: string;
  /** Number of (row, weight) entries in the file. */
  entries: number;
  /** File size in bytes. */
  bytes: number;
}

/** Knobs of the size-tiered merge policy. */
export interface MergePolicy {
  /** How many batches of one tier are merged together; tier k holds files of about `baseBytes * fanIn^k`. */
  fanIn: number;
  /** Files up to this size are tier 0. */
  baseBytes: number;
  /** Per step, merges may rewrite at most this fraction of a table's bytes (keeps checkpoints sharing files). */
  maxRewriteFraction: number;
  /** ...but always at least this many bytes, so small tables stay compact. */
  minRewriteBytes: number;
  /** Hard bound on a table's batch count; above it the smallest batches merge whatever the budget. */
  maxBatches: number;
}

/** Default policy: fan-in 4 from 64 KiB, at most 10% of a table rewritten per step, at most 64 files. */
export const DEFAULT_MERGE_POLICY: MergePolicy = {
  fanIn: 4,
  baseBytes: 64 * 1024,
  maxRewriteFraction: 0.1,
  minRewriteBytes: 1024 * 1024,
  maxBatches: 64,
};

/** Size tier of a batch under `policy`: 0 up to `baseBytes`, then one tier per factor of `fanIn`. */
export function batchTier(bytes: number, policy: MergePolicy): number {
  if (bytes <= policy.baseBytes) return 0;
  return Math.floor(Math.log(bytes / policy.baseBytes) / Math.log(policy.fanIn)) + 1;
}

/** Bytes that merges may rewrite in one step for a table of `totalBytes`. */
export function mergeBudget(totalBytes: number, policy: MergePolicy): number {
  return Math.max(totalBytes * policy.maxRewriteFraction, policy.minRewriteBytes);
}

/**
 * Picks the next group of batch files to merge, or null when the spine is fine as it is.
 *
 * Size-tiered, like a log-structured merge tree: only `fanIn` batches of the same (lowest full)
 * tier are merged, and only while the step's rewrite budget lasts, so the big old batches stay
 * untouched and consecutive checkpoints share almost all their bytes. When the spine holds more
 * than `maxBatches` files, the smallest `fanIn` merge regardless of budget, which bounds the
 * file count. Each merge shrinks the spine by `fanIn - 1`, so repeated calls terminate.
 */
export function planMerge(
  batches: readonly SpineBatch[],
  budgetBytes: number,
  policy: MergePolicy = DEFAULT_MERGE_POLICY,
): SpineBatch[] | null {
  const fanIn = Math.max(2, Math.floor(policy.fanIn));
  if (batches.length < fanIn) return null;
  const bySize = [...batches].sort((a, b) => a.bytes - b.bytes || compare(a.file, b.file));
  if (batches.length > policy.maxBatches) return bySize.slice(0, fanIn);
  const tiers = new Map<number, SpineBatch[]>();
  for (const batch of bySize) {
    const tier = batchTier(batch.bytes, policy);
    const members = tiers.get(tier);
    if (members) members.push(batch);
    else tiers.set(tier, [batch]);
  }
  const lowestFull = [...tiers.entries()]
    .filter(([, members]) => members.length >= fanIn)
    .sort(([a], [b]) => a - b)[0];
  if (lowestFull === undefined) return null;
  const group = lowestFull[1].slice(0, fanIn);
  const bytes = group.reduce((sum, batch) => sum + batch.bytes, 0);
  return bytes <= budgetBytes ? group : null;
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
