export { CommonErrorCodes } from './error-codes.js';
export type { CommonErrorCode } from './error-codes.js';
export { SyncError, isSyncError, hasErrorCode, throwIfAborted, ERR_ABORTED } from './sync-error.js';
export type { SyncErrorOptions } from './sync-error.js';
export { LocalDiskErrorCodes, localDiskError } from './local-disk.js';
