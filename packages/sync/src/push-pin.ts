import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { localDiskError } from '@feldera-sync/errors';
import type { SyncContext } from './context.js';
import { persistHashes } from './hash-cache-save.js';
import type { PushableCheckpoint } from './push-local-checkpoint.js';
import { checkpointNotFound } from './push-local-checkpoint.js';
import {
  linkFiles,
  linkOrCopy,
  listStaging,
  removeStaging,
  removeStagingRootIfEmpty,
  stagingPath,
} from './staging.js';

/** The pinned copy of a checkpoint that a push sends from: hard links in its staging directory. */
export interface PinnedCheckpoint {
  /** `<storage>/.sync-staging/push-<uuid>`. */
  staging: string;
  /** The batch files, at their paths relative to the storage directory (the upload's source). */
  rootDir: string;
  /** The files of `<uuid>/` (the zip's source). */
  ckptDir: string;
  /** A killed push left staging behind: objects it sent may be in the bucket without a manifest. */
  resumed: boolean;
  /** Unpins, removes the staging directory and saves the hash cache; call once, in a `finally`. */
  release(): Promise<void>;
}

/**
 * Pins `local` for a push: hard links keep the bytes alive even if local GC unlinks the originals,
 * and the checkpoint is in `ctx.pins` so the engine's GC keeps it meanwhile.
 */
export async function pinForPush(
  ctx: SyncContext,
  uuid: string,
  local: PushableCheckpoint,
): Promise<PinnedCheckpoint> {
  const staging = stagingPath(ctx.storageDir, 'push', uuid);
  const leftovers = await listStaging(ctx.storageDir);
  // Another process cannot be pushing here (the storage directory is locked): these were left by a
  // push that was killed, and the objects it sent may be in the bucket without a manifest.
  const resumed = leftovers.push.length > 0;
  for (const old of leftovers.push) await removeStaging(stagingPath(ctx.storageDir, 'push', old));
  const unpin = ctx.pins.pin(uuid);
  const sharedPaths = local.shared.map((f) => join(ctx.storageDir, f.path));
  const release = async (): Promise<void> => {
    unpin();
    await removeStaging(staging);
    await removeStagingRootIfEmpty(ctx.storageDir);
    await persistHashes(ctx, sharedPaths);
  };
  const rootDir = join(staging, 'root');
  const ckptDir = join(staging, 'ckpt');
  try {
    // Digests a previous process recorded are checked against the files before our links change
    // their ctime (the persistent hash cache).
    await ctx.hashes.confirm(sharedPaths);
    try {
      await mkdir(rootDir, { recursive: true });
      for (const f of local.shared)
        await linkOrCopy(join(ctx.storageDir, f.path), join(rootDir, f.path));
      await linkFiles(join(ctx.storageDir, uuid), local.files, ckptDir);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT')
        throw checkpointNotFound(uuid, [String((e as Error).message)]);
      throw localDiskError(e, 'pin the files of', ckptDir);
    }
  } catch (e) {
    await release();
    throw e;
  }
  return { staging, rootDir, ckptDir, resumed, release };
}
