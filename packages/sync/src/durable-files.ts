import { execFile } from 'node:child_process';
import { open } from 'node:fs/promises';
import { join } from 'node:path';
import { mapLimit } from './remote/manifest-cache.js';

/** fsyncs in flight at once (they wait on the disk, not the CPU). */
const FSYNC_CONCURRENCY = 8;

/** fsyncs a regular file's data. */
async function fsyncFile(path: string): Promise<void> {
  const handle = await open(path, 'r+');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** Above this many files one `sync -f` (syncfs) replaces a flush per file. */
const SYNCFS_THRESHOLD = 64;

/**
 * Makes files under `dir` durable: an fsync each (FSYNC_CONCURRENCY at a time), or for many files
 * one syncfs of their filesystem (`sync -f`, coreutils), which flushes the device once instead of
 * once per file; a failing `sync -f` falls back to per-file fsyncs.
 */
export async function syncFiles(dir: string, files: readonly string[]): Promise<void> {
  if (files.length > SYNCFS_THRESHOLD) {
    const ok = await new Promise<boolean>((resolve) => {
      execFile('sync', ['-f', dir], (err) => resolve(err === null));
    });
    if (ok) return;
  }
  await mapLimit(files, FSYNC_CONCURRENCY, (f) => fsyncFile(join(dir, f)));
}
