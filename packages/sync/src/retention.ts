import { isSyncError } from '@feldera-sync/errors';
import type { SyncContext } from './context.js';
import { SyncErrorCodes } from './errors.js';
import type { CatalogEntry } from './local/local-layout.js';
import { mapLimit } from './remote/manifest-cache.js';
import { readRemoteCatalog, remoteKeys, writeRemoteCatalog } from './remote/remote-layout.js';
import { planRetention } from './retention-plan.js';

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
 * SPEC section 4: drop old entries from the catalog first, then their zips and manifests, then
 * the root files no remaining manifest references. Refuses (deleting nothing) when a remaining
 * manifest cannot be read. Never touches the read-only seed store.
 */
export async function applyRetention(
  ctx: SyncContext,
  justPushed: string,
  current: readonly CatalogEntry[] | null,
  signal?: AbortSignal,
): Promise<RetentionReport> {
  const opts = signal ? { signal } : {};
  const catalog = current ?? (await readRemoteCatalog(ctx.store, opts));
  const plan = planRetention(catalog, ctx.clock.now(), ctx.retention, justPushed);
  if (plan.remove.length === 0) return { removed: [], deletedObjects: 0, refused: null };

  const kept = await mapLimit(plan.keep, ctx.checkers, async (e) => {
    try {
      return { uuid: e.uuid, manifest: await ctx.manifests.get(ctx.store, e.uuid, opts), error: null };
    } catch (err) {
      if (isSyncError(err) && err.code === 'ERR_ABORTED') throw err;
      return { uuid: e.uuid, manifest: null, error: err instanceof Error ? err.message : String(err) };
    }
  });
  const unreadable = kept.find((k) => k.manifest === null);
  if (unreadable) {
    const message = `retention deleted nothing: the manifest of remaining checkpoint ${unreadable.uuid} could not be read (${unreadable.error ?? 'missing'})`;
    ctx.logger.warn(message, { uuid: unreadable.uuid });
    return { removed: [], deletedObjects: 0, refused: { code: SyncErrorCodes.retentionRefused, message } };
  }
  const stillNeeded = new Set<string>();
  for (const k of kept) for (const o of k.manifest!.objects) stillNeeded.add(o.key);

  const removedManifests = await mapLimit(plan.remove, ctx.checkers, (e) =>
    ctx.manifests.get(ctx.store, e.uuid, opts).catch(() => null),
  );
  const removedIds = new Set(plan.remove.map((e) => e.uuid));
  await writeRemoteCatalog(ctx.store, catalog.filter((e) => !removedIds.has(e.uuid)), opts);

  const keys = new Set<string>();
  for (const e of plan.remove) {
    keys.add(remoteKeys.zip(e.uuid));
    keys.add(remoteKeys.manifest(e.uuid));
  }
  await ctx.store.delete([...keys], opts);
  const orphans = new Set<string>();
  for (const m of removedManifests) for (const o of m?.objects ?? []) if (!stillNeeded.has(o.key) && !keys.has(o.key)) orphans.add(o.key);
  if (orphans.size > 0) await ctx.store.delete([...orphans], opts);
  for (const e of plan.remove) ctx.manifests.forget(ctx.store, e.uuid);
  ctx.logger.info('remote retention removed checkpoints', { removed: [...removedIds], objects: keys.size + orphans.size });
  return { removed: [...removedIds], deletedObjects: keys.size + orphans.size, refused: null };
}
