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

/** One syncfs of the filesystem holding `dir` (`sync -f`, coreutils); false when it failed. */
function syncfs(dir: string): Promise<boolean> {
  return new Promise<boolean>((resolve) => {
    execFile('sync', ['-f', dir], (err) => resolve(err === null));
  });
}

/**
 * Makes files under `dir` durable: an fsync each (FSYNC_CONCURRENCY at a time), or for many files
 * one syncfs of their filesystem (`sync -f`, coreutils), which flushes the device once instead of
 * once per file; a failing `sync -f` falls back to per-file fsyncs.
 */
export async function syncFiles(dir: string, files: readonly string[]): Promise<void> {
  if (files.length > SYNCFS_THRESHOLD && (await syncfs(dir))) return;
  await mapLimit(files, FSYNC_CONCURRENCY, (f) => fsyncFile(join(dir, f)));
}

/** Bytes written between two early flushes of a download (see {@link earlyWriteback}). */
export const WRITEBACK_EVERY_BYTES = 64 * 1024 * 1024;

/**
 * Whether a download that has written `bytesDone` should start another early flush: at least
 * `every` bytes since the last one started, and none in flight.
 */
export function writebackDue(
  bytesDone: number,
  lastFlushAt: number,
  inFlight: boolean,
  every: number,
): boolean {
  return !inFlight && bytesDone - lastFlushAt >= every;
}

/** An early writeback running beside a download. */
export interface EarlyWriteback {
  /** Tells it how many bytes the download has written so far. */
  progress(bytesDone: number): void;
  /** Waits for the flush in flight, if any; starts no more. */
  stop(): Promise<void>;
}

/**
 * Starts the disk writing a download's bytes while the download still runs: every `every` bytes
 * written, one syncfs of `dir`'s filesystem (one at a time). The kernel otherwise holds the dirty
 * pages until the final flush, which then waits for all of them at once (about 2 s per GiB on this
 * project's machines, after a 4 s download). It is only a head start: durability still comes from
 * {@link syncFiles} after the download, and a failed early flush is ignored (the final one reports).
 */
export function earlyWriteback(
  dir: string,
  every = WRITEBACK_EVERY_BYTES,
  flush: (dir: string) => Promise<unknown> = syncfs,
): EarlyWriteback {
  let lastFlushAt = 0;
  let inFlight: Promise<unknown> | null = null;
  let stopped = false;
  return {
    progress(bytesDone) {
      if (stopped || !writebackDue(bytesDone, lastFlushAt, inFlight !== null, every)) return;
      lastFlushAt = bytesDone;
      inFlight = flush(dir)
        .catch(() => undefined)
        .finally(() => {
          inFlight = null;
        });
    },
    async stop() {
      stopped = true;
      await inFlight;
    },
  };
}
