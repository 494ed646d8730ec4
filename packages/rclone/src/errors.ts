import { CommonErrorCodes, SyncError } from '@feldera-sync/errors';
import type { StoreErrorCode, StoreErrorCodes } from '@feldera-sync/checkpoint';

/**
 * Error codes of the rclone adapter: the ObjectStore port's codes plus the adapter's own. The port's
 * are restated so the adapter imports only types from the port; `satisfies` makes a drift a compile error.
 */
export const RcloneErrorCodes = {
  auth: 'ERR_STORE_AUTH',
  bucketNotFound: 'ERR_STORE_BUCKET_NOT_FOUND',
  notFound: 'ERR_STORE_NOT_FOUND',
  network: 'ERR_STORE_NETWORK',
  preconditionFailed: 'ERR_STORE_PRECONDITION_FAILED',
  aborted: CommonErrorCodes.aborted,
  timeout: 'ERR_STORE_TIMEOUT',
  tooLarge: 'ERR_STORE_TOO_LARGE',
  stalled: 'ERR_STORE_STALLED',
  unavailable: 'ERR_STORE_UNAVAILABLE',
  other: 'ERR_STORE_OTHER',
  /** rclone rejected its command line (unknown flag, bad value): a bug or a bad `flags` entry. */
  usage: 'ERR_RCLONE_USAGE',
  /** The rclone binary could not be started. */
  binaryNotFound: 'ERR_RCLONE_NOT_FOUND',
  /** A local file to upload does not exist. */
  localNotFound: 'ERR_RCLONE_LOCAL_NOT_FOUND',
  /** A local file's bytes no longer match the SHA-256 its caller recorded for it: it changed under the upload. */
  localChanged: 'ERR_RCLONE_LOCAL_CHANGED',
  /** rclone could not write a download: the local disk is full (`@feldera-sync/errors`' code). */
  diskFull: CommonErrorCodes.diskFull,
  /** rclone hit a local disk error (I/O error, read-only filesystem). */
  diskIo: CommonErrorCodes.diskIo,
} as const satisfies Record<string, string> & typeof StoreErrorCodes;

/** Any code the adapter throws. */
export type RcloneErrorCode =
  StoreErrorCode | (typeof RcloneErrorCodes)[keyof typeof RcloneErrorCodes];

/** Secret-free facts attached to every adapter error as `details`. */
export interface RcloneErrorDetails {
  /** rclone's exit code, or null when it did not exit by itself (killed, not started). */
  exitCode: number | null;
  /** The last lines of rclone's stderr, secrets redacted. */
  stderrTail: string[];
  /** The rclone subcommand, e.g. `copy`. */
  command?: string;
  [key: string]: unknown;
}

/** Builds the adapter's SyncError with `details` {exitCode, stderrTail}. */
export function rcloneError(
  code: RcloneErrorCode,
  message: string,
  details: RcloneErrorDetails,
  options: { hint?: string | undefined; cause?: unknown } = {},
): SyncError {
  return new SyncError(code, message, { details, hint: options.hint, cause: options.cause });
}

/** `ERR_STORE_TOO_LARGE` for an object over a small read's bound (the same text as the memory store's). */
export function tooLargeError(object: string, maxBytes: number): SyncError {
  return rcloneError(
    RcloneErrorCodes.tooLarge,
    `${object} is larger than the ${maxBytes} bytes allowed for it; nothing more was read`,
    { exitCode: null, stderrTail: [], maxBytes },
    {
      hint: 'the bucket holds an object this layout never writes so large: check who writes to it',
    },
  );
}
