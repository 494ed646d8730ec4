import type { CatalogEntry } from '@feldera-sync/checkpoint';
import { uuidv7TimeMs } from '@feldera-sync/checkpoint';
import { formatBytes, formatTable, formatTimestamp } from './format.js';

function count(value: number | null): string {
  return value === null ? '-' : value.toLocaleString('en-US');
}

/** The catalog as a table: uuid, time (from the UUIDv7), size, steps, processed records; oldest first. */
export function formatCatalogTable(entries: readonly CatalogEntry[]): string {
  if (entries.length === 0) return '(no checkpoints)\n';
  return formatTable(
    ['UUID', 'TIME (UTC)', 'SIZE', 'STEPS', 'PROCESSED RECORDS'],
    entries.map((e) => [
      e.uuid,
      formatTimestamp(uuidv7TimeMs(e.uuid)),
      e.size === null ? '-' : formatBytes(e.size),
      count(e.steps),
      count(e.processed_records),
    ]),
    ['left', 'left', 'right', 'right', 'right'],
  );
}
