import { SyncError } from '@feldera-sync/errors';
import type { SyncErrorOptions } from '@feldera-sync/errors';

/** Stable error codes thrown by the engine; part of its API. */
export const EngineErrorCodes = {
  /** A file of the storage directory exists but cannot be parsed or fails its checks. */
  CORRUPT_FILE: 'ERR_ENGINE_CORRUPT_FILE',
  /** A file that the resumed checkpoint needs is absent. */
  MISSING_FILE: 'ERR_ENGINE_MISSING_FILE',
  /** Restored tables do not hash to what the checkpoint's `state.json` recorded. */
  HASH_MISMATCH: 'ERR_ENGINE_HASH_MISMATCH',
  /** A table name is not a SQL-style identifier. */
  INVALID_TABLE: 'ERR_ENGINE_INVALID_TABLE',
  /** A row is not a JSON value (undefined, a function, a non-finite number, a cycle...). */
  INVALID_ROW: 'ERR_ENGINE_INVALID_ROW',
  /** A read named a table the pipeline does not have. */
  UNKNOWN_TABLE: 'ERR_ENGINE_UNKNOWN_TABLE',
  /** The engine is not open (never opened, closed, or failed). */
  NOT_OPEN: 'ERR_ENGINE_NOT_OPEN',
  /** `open` was called on an engine that is already open. */
  ALREADY_OPEN: 'ERR_ENGINE_ALREADY_OPEN',
  /** A filesystem operation failed. */
  IO: 'ERR_ENGINE_IO',
} as const;

/** One of the engine's error codes. */
export type EngineErrorCode = (typeof EngineErrorCodes)[keyof typeof EngineErrorCodes];

/** Builds a SyncError with an engine code. */
export function engineError(
  code: EngineErrorCode,
  message: string,
  options: SyncErrorOptions = {},
): SyncError {
  return new SyncError(code, message, options);
}

/** Error for a damaged file, naming it. */
export function corruptFileError(file: string, reason: string, cause?: unknown): SyncError {
  return engineError(EngineErrorCodes.CORRUPT_FILE, `${file} is damaged: ${reason}`, {
    hint: 'restore the storage directory from a checkpoint in the object store, or clear it to start empty',
    details: { file, reason },
    ...(cause === undefined ? {} : { cause }),
  });
}
