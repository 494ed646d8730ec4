import type { SyncContext } from './context.js';

/** Saves the digests for the next process; a failure to do so costs only a re-hash later. */
export async function persistHashes(ctx: SyncContext, paths: readonly string[]): Promise<void> {
  try {
    ctx.hashes.settle(paths);
    await ctx.hashes.flush();
  } catch (e) {
    ctx.logger.warn('could not save the hash cache; the next process will hash again', {
      error: e instanceof Error ? e.message : String(e),
    });
  }
}
