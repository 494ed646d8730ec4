import { EngineErrorCodes, engineError } from './errors.js';

const TABLE_RE = /^[A-Za-z_][A-Za-z0-9_]{0,127}$/;

/** True when `name` is a valid table name: a SQL-style identifier of at most 128 characters. */
export function isTableName(name: string): boolean {
  return TABLE_RE.test(name);
}

/** Throws `ERR_ENGINE_INVALID_TABLE` unless `name` is a valid table name (it becomes part of a file name). */
export function assertTableName(name: string): void {
  if (!isTableName(name)) {
    throw engineError(EngineErrorCodes.INVALID_TABLE, `'${name}' is not a valid table name`, {
      hint: 'table names are identifiers: a letter or _ followed by letters, digits or _ (at most 128)',
      details: { table: name },
    });
  }
}
