import type { CatalogEntry } from '@feldera-sync/checkpoint';
import {
  planRetention,
  readRemoteCatalog,
  selectRetained,
  writeRemoteCatalog,
} from '@feldera-sync/checkpoint';
import type { SyncContext } from './context.js';
import { SyncErrorCodes } from './errors.js';
import { readingRemote } from './layout-errors.js';

/** What remote retention did after a push. */
export interface RetentionReport {
  /** Checkpoints removed from the catalog. */
  removed: string[];
  /** Objects deleted (zips, manifests, batch files). */
  deletedObjects: number;
  /** Why nothing was deleted, when retention refused. */
  refused: { code: string; message: string } | null;
}

/**
 * docs/sync.md ("Remote retention"), executing the checkpoint package's retention plan: drop old entries from the
 * catalog first, then their zips and manifests, then the shared files no remaining manifest
 * references. The plan refuses (deleting nothing) when a remaining manifest cannot be read. Never
 * touches the read-only seed store.
 */
export async function applyRetention(
  ctx: SyncContext,
  justPushed: string,
  current: readonly CatalogEntry[] | null,
  signal?: AbortSignal,
): Promise<RetentionReport> {
  const opts = signal ? { signal } : {};
  const catalog = current ?? (await readingRemote(readRemoteCatalog(ctx.store, opts)));
  const now = ctx.clock.now();
  const options = { ...ctx.retention, justPushed };
  // Manifests are read only when something is due to go.
  if (selectRetained(catalog, now, options).drop.length === 0)
    return { removed: [], deletedObjects: 0, refused: null };

  const manifests = await ctx.manifests.lookup(
    ctx.store,
    catalog.map((e) => e.uuid),
    { ...opts, concurrency: ctx.checkers },
  );
  const plan = planRetention(catalog, manifests, now, options);
  if (!plan.ok) {
    ctx.logger.warn(plan.reason, { unreadable: plan.unreadable });
    return {
      removed: [],
      deletedObjects: 0,
      refused: { code: SyncErrorCodes.retentionRefused, message: plan.reason },
    };
  }
  for (const step of plan.steps) {
    switch (step.type) {
      case 'put-catalog':
        await writeRemoteCatalog(ctx.store, step.entries, opts);
        break;
      case 'delete':
        await ctx.store.delete(step.keys, opts);
        break;
    }
  }
  const removed = plan.drop.map((e) => e.uuid);
  for (const uuid of removed) ctx.manifests.forget(ctx.store, uuid);
  const deletedObjects = plan.deleteCheckpointObjects.length + plan.deleteShared.length;
  ctx.logger.info('remote retention removed checkpoints', {
    removed,
    objects: deletedObjects,
    unknownDropped: plan.unknownDropped,
  });
  return { removed, deletedObjects, refused: null };
}
