import { CommonErrorCodes } from './error-codes.js';
import { SyncError, isSyncError } from './sync-error.js';

/** Codes for a local disk that is full or failing (the disk entries of `CommonErrorCodes`). */
export const LocalDiskErrorCodes = {
  /** No space (or quota) left on the device holding the path. */
  full: CommonErrorCodes.diskFull,
  /** The device failed or refuses writes (I/O error, read-only filesystem). */
  io: CommonErrorCodes.diskIo,
} as const;

const FULL = new Set(['ENOSPC', 'EDQUOT']);
const IO = new Set(['EIO', 'EROFS', 'ENXIO', 'EFBIG']);

/**
 * A native fs error as `ERR_DISK_FULL` / `ERR_DISK_IO` naming the path and what to do; any other
 * error (a SyncError, a missing file) unchanged, so callers code it as before.
 */
export function localDiskError(e: unknown, action: string, path: string): unknown {
  if (isSyncError(e)) return e;
  const errno = (e as NodeJS.ErrnoException | null)?.code;
  if (errno !== undefined && FULL.has(errno)) {
    return new SyncError(
      LocalDiskErrorCodes.full,
      `cannot ${action} ${path}: no space left on the device (${errno})`,
      {
        cause: e,
        hint: 'free space on the disk holding the storage directory (staging needs room for the checkpoint being moved), then try again',
        details: { path, errno },
      },
    );
  }
  if (errno !== undefined && IO.has(errno)) {
    return new SyncError(
      LocalDiskErrorCodes.io,
      `cannot ${action} ${path}: disk error (${errno})`,
      {
        cause: e,
        hint: 'the disk holding the storage directory is failing or read-only: check it (dmesg, mount options)',
        details: { path, errno },
      },
    );
  }
  return e;
}
