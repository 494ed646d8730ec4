import { join } from 'node:path';
import { readBatchFile, writeBatchFile } from './batch-file.js';
import type { MergePolicy } from './merge-policy.js';
import { mergeBudget, planMerge } from './merge-policy.js';
import type { Multiset } from './multiset.js';
import { addWeight, sortedEntries } from './multiset.js';
import type { TableRuntime } from './table-runtime.js';

/**
 * Compacts one table's spine after a step that added `newBytes` to it: merges the groups the
 * size-tiered policy picks into new batch files (named by `newBatchName`) and returns the files it
 * retired from the spine (the caller deletes those nothing else needs).
 */
export async function compactTable(
  dir: string,
  table: string,
  runtime: TableRuntime,
  newBytes: number,
  policy: MergePolicy,
  newBatchName: () => string,
  signal: AbortSignal | undefined,
): Promise<string[]> {
  // The budget is a share of what the previous checkpoint could have had, not of the new batch.
  const total = runtime.spine.reduce((sum, batch) => sum + batch.bytes, 0);
  let budget = mergeBudget(total - newBytes, policy);
  const retired: string[] = [];
  for (let round = runtime.spine.length; round > 0; round -= 1) {
    const group = planMerge(runtime.spine, budget, policy);
    if (group === null) break;
    const merged: Multiset = new Map();
    for (const batch of group) {
      await readBatchFile(
        join(dir, batch.file),
        table,
        (key, weight) => addWeight(merged, key, weight),
        { signal },
      );
    }
    const members = new Set(group.map((batch) => batch.file));
    const kept = runtime.spine.filter((batch) => !members.has(batch.file));
    if (merged.size > 0) {
      const file = newBatchName();
      const result = await writeBatchFile(join(dir, file), table, sortedEntries(merged), {
        signal,
      });
      kept.push({ file, entries: result.entries, bytes: result.bytes });
    }
    runtime.spine = kept;
    retired.push(...members);
    budget -= group.reduce((sum, batch) => sum + batch.bytes, 0);
  }
  return retired;
}
