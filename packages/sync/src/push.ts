import { rename } from 'node:fs/promises';
import { join } from 'node:path';
import type { CatalogEntry, ManifestObject } from '@feldera-sync/checkpoint';
import { buildManifest, planPush } from '@feldera-sync/checkpoint';
import { isSyncError, throwIfAborted } from '@feldera-sync/errors';
import type { SyncContext } from './context.js';
import { ensureOwner } from './ownership.js';
import type { ProgressListener } from './progress.js';
import { ProgressTracker } from './progress.js';
import { publishCatalogEntry, publishManifest } from './push-commit.js';
import { refuseConflicts, refuseDigestConflicts } from './push-conflicts.js';
import { readPushableCheckpoint } from './push-local-checkpoint.js';
import { prepareLocalObjects } from './push-local-objects.js';
import { pinForPush } from './push-pin.js';
import { readRemoteHoldings } from './push-remote-holdings.js';
import { planRepairOfSynced } from './push-repair.js';
import { createPushUploader } from './push-upload.js';
import type { RetentionReport } from './retention.js';
import { applyRetention } from './retention.js';

/** Options of one push. */
export interface PushOptions {
  signal?: AbortSignal | undefined;
  onProgress?: ProgressListener | undefined;
}

/** What a push did. */
export interface PushReport {
  uuid: string;
  /** Bytes uploaded (objects, manifest and catalog). */
  bytes: number;
  /** Objects uploaded (batch and state files, the zip, the manifest, the catalog). */
  objects: number;
  /** Objects the remote already held, so not sent. */
  skippedObjects: number;
  /** Bytes of the objects not sent. */
  skippedBytes: number;
  /** The checkpoint was already in the remote catalog. */
  alreadySynced: boolean;
  /** Objects of an already synced checkpoint that the bucket had lost and this push sent again. */
  repairedObjects: number;
  durationMs: number;
  /** Bytes per second over the whole push. */
  speed: number;
  retention: RetentionReport;
}

/**
 * Pushes one complete local checkpoint by executing the checkpoint package's plan; the caller
 * serialises pushes per storage directory. The steps, and why they come in this order, are in
 * docs/sync.md ("Push").
 */
export async function pushCheckpoint(
  ctx: SyncContext,
  uuid: string,
  options: PushOptions = {},
): Promise<PushReport> {
  const started = ctx.clock.now();
  try {
    const report = await runPush(ctx, uuid, options, started);
    ctx.logger.event?.({
      type: 'push-succeeded',
      uuid,
      bytes: report.bytes,
      objects: report.objects,
      skippedObjects: report.skippedObjects,
      durationMs: report.durationMs,
      alreadySynced: report.alreadySynced,
    });
    return report;
  } catch (e) {
    ctx.logger.event?.({
      type: 'push-failed',
      uuid,
      code: isSyncError(e) ? e.code : undefined,
      durationMs: ctx.clock.now() - started,
    });
    throw e;
  }
}

async function runPush(
  ctx: SyncContext,
  uuid: string,
  options: PushOptions,
  started: number,
): Promise<PushReport> {
  const { signal } = options;
  const opts = signal ? { signal } : {};
  throwIfAborted(signal, 'push');

  // 1. Local completeness: no object-store request yet.
  const local = await readPushableCheckpoint(ctx, uuid, signal);
  const entry = local.entry;
  // 2. Pin the files with hard links.
  const pinned = await pinForPush(ctx, uuid, local);
  try {
    // 3. Everything local first: the zip now, the batch files' digests beside the upload.
    const built = await prepareLocalObjects(ctx, uuid, local, pinned, signal);
    const { shared: sized, zip } = built;
    const all = [...sized, zip];
    // 4. Ownership before anything is written.
    await ensureOwner(ctx.store, ctx.pipeline, ctx.clock, ctx.logger, signal);
    // 5. What the remote already has, then the plan: by size; a same-sized object of other
    //    content is caught once the hashes are in.
    const remote = await readRemoteHoldings(ctx, uuid, all, pinned.resumed, opts);
    const plan = planPush(
      { entry, shared: sized.map((o) => ({ path: o.key, size: o.size })), zip },
      { catalog: remote.catalog, manifests: remote.manifests, present: remote.present },
    );
    refuseConflicts(ctx.store, plan.conflicts);
    let hashed: ManifestObject[] | null = null;
    const sharedDigests = async (): Promise<ManifestObject[]> => {
      if (hashed) return hashed;
      hashed = await built.sharedDigests;
      refuseDigestConflicts(ctx.store, hashed, remote.manifests);
      return hashed;
    };
    // An "already synced" checkpoint is checked and what its bucket lost is sent again.
    const repair =
      plan.alreadyCommitted && remote.ownManifest
        ? await planRepairOfSynced(
            ctx,
            remote.ownManifest,
            [...(await built.sharedDigests), zip],
            opts,
          )
        : null;
    const sending = repair
      ? new Set(repair)
      : new Set([...plan.upload, ...(plan.uploadZip ? [zip.key] : [])]);
    const toUpload = all.filter((o) => sending.has(o.key));
    const progress = new ProgressTracker(
      'push',
      uuid,
      toUpload.reduce((n, o) => n + o.size, 0),
      toUpload.length,
      options.onProgress ?? (() => {}),
    );
    const uploader = createPushUploader(ctx, pinned.rootDir, toUpload, progress, opts, built);
    const stageZip = (key: string): Promise<void> =>
      rename(join(pinned.staging, zip.key), join(pinned.rootDir, key));

    let bytes = 0;
    let objects = 0;
    let committed: readonly CatalogEntry[] = remote.catalog;
    // 6. Execute the plan: batch files and the zip (one transfer; nothing references these immutable
    //    objects until the manifest and catalog do), the manifest, then (owner re-checked) the catalog.
    progress.phase('uploading');
    if (repair) {
      if (repair.length > 0) {
        if (repair.includes(zip.key)) await stageZip(zip.key);
        uploader.add(repair);
        await uploader.flush();
        ctx.logger.warn('checkpoint was in the remote catalog with objects missing: sent again', {
          uuid,
          repaired: repair,
        });
      }
    } else {
      for (const step of plan.steps) {
        switch (step.type) {
          case 'upload-shared':
            uploader.add(step.keys);
            break;
          case 'upload-zip':
            await stageZip(step.key);
            uploader.add([step.key]);
            break;
          case 'put-manifest': {
            await uploader.flush();
            progress.phase('committing');
            const manifest = buildManifest({
              entry,
              batches: local.deps.batches,
              state_files: local.deps.state_files,
              shared: await sharedDigests(),
              zip,
              zipFiles: built.zipFiles,
              createdAt: new Date(ctx.clock.now()).toISOString(),
            });
            bytes += await publishManifest(ctx, manifest, signal);
            objects++;
            break;
          }
          case 'put-catalog': {
            const published = await publishCatalogEntry(ctx, entry, signal);
            committed = published.committed;
            bytes += published.bytes;
            objects++;
            break;
          }
        }
      }
    }
    const { transferred } = uploader;
    bytes += transferred.bytes;
    objects += transferred.objects;

    // 7. Retention: its failures are reported, the push itself has succeeded.
    progress.phase('retention');
    const retention = await applyRetention(ctx, uuid, committed, signal);
    const durationMs = ctx.clock.now() - started;
    // What the bucket already held, by rclone's own count: a resumed push's objects found in place,
    // and any upload rclone found already there, count as skipped.
    const skipped = all.length - transferred.objects;
    const skippedBytes = Math.max(0, all.reduce((n, o) => n + o.size, 0) - transferred.bytes);
    ctx.logger.info('checkpoint pushed', { uuid, bytes, objects, skipped, durationMs });
    return {
      uuid,
      bytes,
      objects,
      skippedObjects: skipped,
      skippedBytes,
      alreadySynced: plan.alreadyCommitted,
      repairedObjects: repair?.length ?? 0,
      durationMs,
      speed: durationMs > 0 ? Math.round((bytes * 1000) / durationMs) : bytes,
      retention,
    };
  } finally {
    await pinned.release();
  }
}
