import { open, rename, rm } from 'node:fs/promises';
import { dirname } from 'node:path';
import {
  ERR_ABORTED,
  SyncError,
  isSyncError,
  localDiskError,
  throwIfAborted,
} from '@feldera-sync/errors';
import { ERR_CHECKPOINT_IO } from './errors.js';
import { MUT_SUFFIX } from './local-paths.js';

/** Options of local I/O functions. */
export interface IoOptions {
  signal?: AbortSignal | undefined;
}

/** Wraps a native fs error in `ERR_CHECKPOINT_IO`, passing SyncErrors through. */
export function ioError(e: unknown, action: string, path: string): SyncError {
  if (isSyncError(e)) return e;
  // A full or failing disk has its own codes (ERR_DISK_FULL, ERR_DISK_IO) and says what to do.
  const disk = localDiskError(e, action, path);
  if (isSyncError(disk)) return disk;
  if ((e as Error | null)?.name === 'AbortError') {
    return new SyncError(ERR_ABORTED, `${action} '${path}' was cancelled`, { cause: e });
  }
  const code = (e as NodeJS.ErrnoException | null)?.code;
  return new SyncError(ERR_CHECKPOINT_IO, `cannot ${action} '${path}'${code ? ` (${code})` : ''}`, {
    cause: e,
    details: { path, ...(code ? { errno: code } : {}) },
  });
}

/** True when `e` is a native "does not exist" error. */
export function isNotFound(e: unknown): boolean {
  const code = (e as NodeJS.ErrnoException | null)?.code;
  return code === 'ENOENT' || code === 'ENOTDIR';
}

/** Flushes a directory's entries (renames, creations) to disk. */
export async function fsyncDir(dir: string): Promise<void> {
  let handle;
  try {
    handle = await open(dir, 'r');
    await handle.sync();
  } catch (e) {
    const code = (e as NodeJS.ErrnoException | null)?.code;
    // Some filesystems cannot fsync a directory; the rename is still atomic there.
    if (code !== 'EINVAL' && code !== 'EISDIR' && code !== 'EPERM')
      throw ioError(e, 'fsync directory', dir);
  } finally {
    await handle?.close();
  }
}

/** Writes `<path>.mut`, fsyncs it, renames it over `path` and fsyncs the directory: all or nothing. */
export async function writeFileAtomic(
  path: string,
  data: Uint8Array | string,
  options: IoOptions = {},
): Promise<void> {
  throwIfAborted(options.signal, `writing ${path}`);
  const tmp = path + MUT_SUFFIX;
  try {
    const handle = await open(tmp, 'w', 0o644);
    try {
      await handle.writeFile(data);
      await handle.sync();
    } finally {
      await handle.close();
    }
    throwIfAborted(options.signal, `writing ${path}`);
    await rename(tmp, path);
  } catch (e) {
    await rm(tmp, { force: true }).catch(() => undefined);
    throw ioError(e, 'write', path);
  }
  await fsyncDir(dirname(path));
}
