// Local checkpoints of another lineage (docs/sync.md, "Pull and install"): ones the source's catalog
// does not name. A restore refuses them unless asked to replace them; replacing removes them.
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { LocalGcPlan, ObjectStore } from '@feldera-sync/checkpoint';
import { fsyncDir, listLocalCheckpoints, planLocalGc } from '@feldera-sync/checkpoint';
import { SyncError } from '@feldera-sync/errors';
import type { SyncContext } from './context.js';
import { SyncErrorCodes } from './errors.js';
import { readingLocal } from './layout-errors.js';

/** `ERR_SYNC_FOREIGN_CHECKPOINTS`: the storage directory holds checkpoints `store` does not name. */
export function foreignCheckpoints(
  storageDir: string,
  store: ObjectStore,
  foreign: string[],
): SyncError {
  return new SyncError(
    SyncErrorCodes.foreignCheckpoints,
    `storage directory ${storageDir} holds ${foreign.length} checkpoint${foreign.length === 1 ? '' : 's'} that ${store.description} does not name (${foreign.slice(0, 3).join(', ')}${foreign.length > 3 ? ', ...' : ''}); nothing was changed`,
    {
      hint: 'pull into an empty directory, or pass --replace-local to remove those checkpoints and install this one',
      details: { storageDir, checkpoints: foreign.slice(0, 50) },
    },
  );
}

/** What removing another lineage deletes: every local checkpoint but `keep`, and the batch files only they need. */
export async function planForeignRemoval(
  ctx: SyncContext,
  keep: readonly string[],
  live: readonly string[],
  signal: AbortSignal | undefined,
): Promise<LocalGcPlan> {
  const local = await readingLocal(listLocalCheckpoints(ctx.storageDir, { signal }));
  return planLocalGc(local, [...keep, ...ctx.pins], { keepComplete: 0, protectNewer: false, live });
}

/**
 * Deletes what `planForeignRemoval` chose, once the catalog no longer names it (a kill in between
 * leaves only unreferenced files, which Feldera's startup GC removes too); returns the checkpoints.
 */
export async function removeForeign(ctx: SyncContext, plan: LocalGcPlan): Promise<string[]> {
  for (const d of plan.deleteDirs)
    await rm(join(ctx.storageDir, d), { recursive: true, force: true });
  for (const f of plan.deleteFiles) await rm(join(ctx.storageDir, f), { force: true });
  await fsyncDir(ctx.storageDir);
  ctx.logger.warn('removed local checkpoints of another lineage', {
    checkpoints: plan.deleteDirs,
    deletedFiles: plan.deleteFiles.length,
  });
  return plan.deleteDirs;
}
