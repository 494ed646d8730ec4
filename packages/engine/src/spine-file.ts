import type { SpineBatch } from './merge-policy.js';
import { corruptFileError } from './errors.js';
import { isTableName } from './table-name.js';

/** Contents of `<uuid>/spine-<table>.json`: the batch files that together hold one table. */
export interface SpineFile {
  table: string;
  batches: SpineBatch[];
}

const BATCH_FILE_RE =
  /^w\d+-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\.feldera$/i;

/** Name of a table's spine file inside a checkpoint directory. */
export function spineFileName(table: string): string {
  return `spine-${table}.json`;
}

/** Serialises a spine file. */
export function serializeSpine(spine: SpineFile): string {
  return `${JSON.stringify({ table: spine.table, batches: spine.batches }, null, 1)}\n`;
}

/** Parses a spine file, throwing `ERR_ENGINE_CORRUPT_FILE` naming `fileName` when it is invalid. */
export function parseSpine(text: string, fileName: string, expectedTable: string): SpineFile {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw corruptFileError(fileName, 'not JSON', error);
  }
  const raw = value as { table?: unknown; batches?: unknown } | null;
  if (
    raw === null ||
    typeof raw !== 'object' ||
    typeof raw.table !== 'string' ||
    !isTableName(raw.table)
  ) {
    throw corruptFileError(fileName, 'not a spine file');
  }
  if (raw.table !== expectedTable) {
    throw corruptFileError(fileName, `describes table ${raw.table}, expected ${expectedTable}`);
  }
  if (!Array.isArray(raw.batches)) throw corruptFileError(fileName, 'batches is not a list');
  const batches = raw.batches.map((item: unknown, index): SpineBatch => {
    const b = item as Partial<SpineBatch> | null;
    if (
      b === null ||
      typeof b !== 'object' ||
      typeof b.file !== 'string' ||
      !BATCH_FILE_RE.test(b.file) ||
      !isCount(b.entries) ||
      !isCount(b.bytes)
    ) {
      throw corruptFileError(fileName, `batches[${index}] is not a batch reference`);
    }
    return { file: b.file, entries: b.entries, bytes: b.bytes };
  });
  return { table: raw.table, batches };
}

function isCount(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
}
