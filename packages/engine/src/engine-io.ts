import { stat } from 'node:fs/promises';
import type { SyncError } from '@feldera-sync/errors';
import { isSyncError, localDiskError } from '@feldera-sync/errors';
import { EngineErrorCodes, engineError } from './errors.js';

/** True when `path` exists. */
export async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch {
    return false;
  }
}

/** A typed error for a failure of `action` in the storage directory, keeping its cause. */
export function wrapIo(error: unknown, action: string): SyncError {
  if (isSyncError(error)) return error;
  const disk = localDiskError(error, action, 'the storage directory');
  if (isSyncError(disk)) return disk;
  const code = (error as NodeJS.ErrnoException | null)?.code;
  return engineError(
    EngineErrorCodes.IO,
    `cannot ${action}${code === undefined ? '' : ` (${code})`}`,
    {
      cause: error,
      details: code === undefined ? {} : { errno: code },
    },
  );
}
