import {
  isBatchFileName,
  readRemoteCatalog,
  remoteKeys,
  selectRetained,
  uuidv7TimeMs,
} from '@feldera-sync/checkpoint';
import type { SyncContext } from './context.js';
import { applyRetention } from './retention.js';
import type { RetentionReport } from './retention.js';
import { SyncErrorCodes } from './errors.js';
import { readingRemote } from './layout-errors.js';

/** What a remote garbage collection found and (unless a dry run) deleted. */
export interface GcReport {
  dryRun: boolean;
  /** Objects no catalogued checkpoint needs and older than the retention window. */
  orphans: string[];
  /** Unreferenced objects kept because they are younger than the window (maybe a push in flight). */
  young: string[];
  /**
   * Objects whose keys this layout never writes (someone else's files under the same prefix, or
   * hostile names with control characters): never deleted, listed so an operator can look.
   */
  foreign: string[];
  /**
   * Unfinished multipart uploads (left by killed uploads) started longer ago than the grace
   * period: aborted, or in a dry run what would be.
   */
  abortedUploads: string[];
  refused: { code: string; message: string } | null;
  /**
   * Remote retention (docs/sync.md, "Remote retention") run first: in a dry run `removed` lists what it would drop
   * from the catalog and nothing is deleted.
   */
  retention: RetentionReport;
}

const HOUR_MS = 3_600_000;
/** Unfinished multipart uploads younger than this may belong to a push still running. */
export const DEFAULT_UPLOAD_GRACE_MS = 24 * HOUR_MS;
const UUID = '[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}';
const ZIP_KEY = new RegExp(`^${UUID}\\.zip$`);
const MANIFEST_KEY = new RegExp(`^dependencies/${UUID}\\.json$`);

/** True for a name a push writes: a batch file, a zip, a manifest (what gc may ever delete). */
export function isLayoutKey(key: string): boolean {
  return isBatchFileName(key) || ZIP_KEY.test(key) || MANIFEST_KEY.test(key);
}
const UUID_IN_KEY = /([0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[0-9a-f]{4}-[0-9a-f]{12})/i;

/**
 * Deletes objects left by interrupted pushes: anything no catalogued checkpoint's manifest names,
 * older than the retention window (at least an hour). Lists the bucket, so it is not run on the
 * push path.
 */
export async function collectRemoteGarbage(
  ctx: SyncContext,
  dryRun: boolean,
  signal?: AbortSignal,
  uploadGraceMs = DEFAULT_UPLOAD_GRACE_MS,
): Promise<GcReport> {
  const opts = signal ? { signal } : {};
  const before = await readingRemote(readRemoteCatalog(ctx.store, opts));
  const newest = before.at(-1)?.uuid;
  let retention: RetentionReport = { removed: [], deletedObjects: 0, refused: null };
  if (newest !== undefined) {
    retention = dryRun
      ? {
          removed: selectRetained(before, ctx.clock.now(), {
            ...ctx.retention,
            justPushed: newest,
          }).drop.map((e) => e.uuid),
          deletedObjects: 0,
          refused: null,
        }
      : await applyRetention(ctx, newest, before, signal);
  }
  const catalog =
    dryRun || retention.removed.length === 0
      ? before
      : await readingRemote(readRemoteCatalog(ctx.store, opts));
  const referenced = new Set<string>([
    remoteKeys.owner,
    remoteKeys.catalog,
    `${remoteKeys.catalog}.mut`,
  ]);
  const lookups = await ctx.manifests.lookup(
    ctx.store,
    catalog.map((e) => e.uuid),
    { ...opts, concurrency: ctx.checkers },
  );
  const bad = catalog.find((e) => lookups.get(e.uuid)?.status !== 'ok');
  if (bad) {
    const message = `gc deleted nothing: the manifest of catalogued checkpoint ${bad.uuid} could not be read`;
    return {
      dryRun,
      orphans: [],
      young: [],
      foreign: [],
      abortedUploads: [],
      refused: { code: SyncErrorCodes.retentionRefused, message },
      retention,
    };
  }
  for (const e of catalog) {
    referenced.add(remoteKeys.zip(e.uuid));
    referenced.add(remoteKeys.manifest(e.uuid));
  }
  for (const l of lookups.values())
    if (l.status === 'ok') for (const o of l.manifest.objects) referenced.add(o.key);

  const now = ctx.clock.now();
  const windowMs = Math.max(HOUR_MS, ctx.retention.minAgeDays * 86_400_000);
  const orphans: string[] = [];
  const young: string[] = [];
  const foreign: string[] = [];
  for (const obj of await ctx.store.list('', opts)) {
    if (referenced.has(obj.key)) continue;
    if (!isLayoutKey(obj.key)) {
      foreign.push(obj.key);
      continue;
    }
    const fromUuid = UUID_IN_KEY.exec(obj.key)?.[1];
    const t = obj.modTime ? Date.parse(obj.modTime) : fromUuid ? uuidv7TimeMs(fromUuid) : null;
    if (t !== null && !Number.isNaN(t) && now - t < windowMs) young.push(obj.key);
    else orphans.push(obj.key);
  }
  if (!dryRun && orphans.length > 0) {
    await ctx.store.delete(orphans, opts);
    ctx.logger.info('remote gc deleted orphaned objects', { count: orphans.length });
  }
  // Multipart uploads a killed push left unfinished cost storage but are invisible to listings.
  const abortedUploads: string[] = [];
  if (ctx.store.multipart) {
    for (const u of await ctx.store.multipart.list(opts)) {
      const t = Date.parse(u.initiated);
      if (!Number.isNaN(t) && now - t > uploadGraceMs) abortedUploads.push(u.key);
    }
    if (!dryRun && abortedUploads.length > 0) {
      await ctx.store.multipart.abortOlderThan(uploadGraceMs, opts);
      ctx.logger.info('remote gc aborted unfinished multipart uploads', {
        count: abortedUploads.length,
      });
    }
  }
  return { dryRun, orphans, young, foreign, abortedUploads, refused: null, retention };
}
