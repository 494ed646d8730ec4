import { statSync } from 'node:fs';
import { join } from 'node:path';
import { rcloneError, RcloneErrorCodes } from './errors.js';

/** One local file of an upload, as found on disk. */
export interface UploadFile {
  file: string;
  size: number;
}

/**
 * The files of an upload with their sizes; any that is missing or not a regular file fails the
 * whole upload before anything is sent (`ERR_RCLONE_LOCAL_NOT_FOUND`, naming up to 20). Synchronous
 * stats (an inode lookup each): 10,000 asynchronous ones cost about 0.5 CPU-s here.
 */
export function statUploadFiles(
  localDir: string,
  files: readonly string[],
  description: string,
): UploadFile[] {
  const out: UploadFile[] = [];
  const missing: string[] = [];
  for (const file of files) {
    try {
      const s = statSync(join(localDir, file));
      if (s.isFile()) out.push({ file, size: s.size });
      else missing.push(file);
    } catch {
      missing.push(file);
    }
  }
  if (missing.length > 0) {
    throw rcloneError(
      RcloneErrorCodes.localNotFound,
      `cannot upload to ${description}: ${missing.length} local file(s) missing in ${localDir}, e.g. '${missing[0] ?? ''}'`,
      { exitCode: null, stderrTail: [], missing: missing.slice(0, 20) },
    );
  }
  return out;
}
