import type { CatalogEntry } from '@feldera-sync/checkpoint';
import { uuidv7TimeMs } from '@feldera-sync/checkpoint';
import { formatBytes, formatTable, formatTimestamp } from './format.js';

function count(value: number | null): string {
  return value === null ? '-' : value.toLocaleString('en-US');
}

/** How a local checkpoint looks on disk, for the STATUS column. */
export interface LocalState {
  complete: boolean;
  missing: readonly string[];
  problem: string | null;
}

function describeLocal(state: LocalState): string {
  if (state.problem !== null) return 'damaged';
  if (state.complete) return 'complete';
  return `incomplete (${state.missing.length} missing)`;
}

/**
 * The catalog as a table: uuid, time (from the UUIDv7), size, steps, processed records; oldest
 * first. With `local`, a STATUS column says whether each checkpoint is complete on disk.
 */
export function formatCatalogTable(
  entries: readonly CatalogEntry[],
  local?: readonly LocalState[],
): string {
  if (entries.length === 0) return '(no checkpoints)\n';
  const head = ['UUID', 'TIME (UTC)', 'SIZE', 'STEPS', 'PROCESSED RECORDS'];
  const align: ('left' | 'right')[] = ['left', 'left', 'right', 'right', 'right'];
  return formatTable(
    local ? [...head, 'STATUS'] : head,
    entries.map((e, i) => {
      const row = [
        e.uuid,
        formatTimestamp(uuidv7TimeMs(e.uuid)),
        e.size === null ? '-' : formatBytes(e.size),
        count(e.steps),
        count(e.processed_records),
      ];
      const state = local?.[i];
      return state ? [...row, describeLocal(state)] : row;
    }),
    local ? [...align, 'left'] : align,
  );
}
