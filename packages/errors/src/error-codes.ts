/**
 * Error codes of `@feldera-sync/errors` itself: the codes every package may throw (a cancelled
 * operation, a full or failing local disk). Part of the API; the apps' HTTP status and exit-code
 * tables are checked against every package's catalog, so a new code here must be mapped there.
 */
export const CommonErrorCodes = {
  /** An operation was cancelled through its AbortSignal. */
  aborted: 'ERR_ABORTED',
  /** No space (or quota) left on the device holding the path. */
  diskFull: 'ERR_DISK_FULL',
  /** The device failed or refuses writes (I/O error, read-only filesystem). */
  diskIo: 'ERR_DISK_IO',
} as const;

/** One of the codes in `CommonErrorCodes`. */
export type CommonErrorCode = (typeof CommonErrorCodes)[keyof typeof CommonErrorCodes];
