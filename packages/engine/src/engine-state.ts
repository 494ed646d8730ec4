import type { JsonValue } from './canonical-json.js';
import { corruptFileError } from './errors.js';
import { isTableName } from './table-name.js';

/** Value of `state.json`'s `engine` field. */
export const ENGINE_STATE_FORMAT = 'feldera-sync-reference-engine/1';

/**
 * A checkpoint's `state.json` (and the root copy): everything besides the tables' batches that a
 * restart needs, plus a content hash per table to verify the restore against.
 */
export interface EngineState {
  engine: typeof ENGINE_STATE_FORMAT;
  uuid: string;
  step: number;
  processed_records: number;
  /** Last offset acknowledged per input (connector) name. */
  input_offsets: Record<string, JsonValue>;
  /** Content hash per table (see `hashTable`); its keys are the pipeline's tables. */
  table_hashes: Record<string, string>;
  /** Number of distinct stored rows per table, for a cheap first check on restore. */
  table_entries: Record<string, number>;
}

/** Serialises a state file. */
export function serializeEngineState(state: EngineState): string {
  return `${JSON.stringify(state, null, 2)}\n`;
}

/** Parses a `state.json` written by this engine, throwing `ERR_ENGINE_CORRUPT_FILE` naming `fileName`. */
export function parseEngineState(text: string, fileName: string): EngineState {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw corruptFileError(fileName, 'not JSON (truncated or overwritten?)', error);
  }
  const s = value as Partial<EngineState> | null;
  if (s === null || typeof s !== 'object' || Array.isArray(s))
    throw corruptFileError(fileName, 'not a JSON object');
  if (s.engine !== ENGINE_STATE_FORMAT) {
    throw corruptFileError(
      fileName,
      `not written by this engine (engine: ${JSON.stringify(s.engine ?? null)})`,
    );
  }
  if (typeof s.uuid !== 'string' || !/^[0-9a-f-]{36}$/i.test(s.uuid))
    throw corruptFileError(fileName, 'uuid is invalid');
  if (!isCount(s.step)) throw corruptFileError(fileName, 'step is invalid');
  if (!isCount(s.processed_records))
    throw corruptFileError(fileName, 'processed_records is invalid');
  if (!isRecord(s.input_offsets)) throw corruptFileError(fileName, 'input_offsets is invalid');
  if (!isRecord(s.table_hashes) || !isRecord(s.table_entries))
    throw corruptFileError(fileName, 'table data is invalid');
  for (const [table, hash] of Object.entries(s.table_hashes)) {
    if (
      !isTableName(table) ||
      typeof hash !== 'string' ||
      !/^[0-9a-f]{64}$/.test(hash) ||
      !Object.hasOwn(s.table_entries, table) ||
      !isCount(s.table_entries[table])
    ) {
      throw corruptFileError(fileName, `table ${table} is described wrongly`);
    }
  }
  return s as EngineState;
}

function isCount(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
