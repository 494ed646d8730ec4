import { mkdir, rename } from 'node:fs/promises';
import { join } from 'node:path';
import { SyncError, throwIfAborted } from '@feldera-sync/errors';
import type { SyncContext } from './context.js';
import { SyncErrorCodes } from './errors.js';
import { inspectLocalCheckpoint, withCatalogEntry } from './local/local-layout.js';
import { assertStillOwner, ensureOwner } from './ownership.js';
import type { ProgressListener } from './progress.js';
import { ProgressTracker } from './progress.js';
import { planPushUploads } from './push-plan.js';
import { mapLimit } from './remote/manifest-cache.js';
import type { Manifest, ManifestObject, ZipFileEntry } from './remote/remote-layout.js';
import { hashFile } from './hash.js';
import { readRemoteCatalog, remoteKeys, serializeManifest, writeRemoteCatalog } from './remote/remote-layout.js';
import type { RetentionReport } from './retention.js';
import { applyRetention } from './retention.js';
import { linkOrCopy, linkTree, listStaging, removeStaging, stagingPath } from './staging.js';
import { zipDirectory } from './zip.js';

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
  durationMs: number;
  /** Bytes per second over the whole push. */
  speed: number;
  retention: RetentionReport;
}

function notFound(uuid: string, missing: readonly string[]): SyncError {
  return new SyncError(SyncErrorCodes.checkpointNotFound, `checkpoint '${uuid}' not found in local storage`, {
    hint: 'push only checkpoints listed by `checkpoints.feldera` whose files are complete',
    details: { uuid, missing: missing.slice(0, 20) },
  });
}

/** Pushes one complete local checkpoint; the caller serialises pushes per storage directory. */
export async function pushCheckpoint(ctx: SyncContext, uuid: string, options: PushOptions = {}): Promise<PushReport> {
  const { signal } = options;
  const opts = signal ? { signal } : {};
  const started = ctx.clock.now();
  throwIfAborted(signal, 'push');

  // 1. Local completeness: no object-store request yet.
  const local = await inspectLocalCheckpoint(ctx.storageDir, uuid);
  if (!local.complete || !local.entry) throw notFound(uuid, local.missing);
  const entry = local.entry;

  // 2. Pin: hard links keep the bytes alive even if local GC unlinks the originals.
  const staging = stagingPath(ctx.storageDir, 'push', uuid);
  const leftovers = await listStaging(ctx.storageDir);
  const resumed = leftovers.push.length > 0;
  for (const old of leftovers.push) await removeStaging(stagingPath(ctx.storageDir, 'push', old));
  ctx.pins.add(uuid);
  try {
    const rootDir = join(staging, 'root');
    const ckptDir = join(staging, 'ckpt');
    try {
      await mkdir(rootDir, { recursive: true });
      for (const f of local.rootFiles) await linkOrCopy(join(ctx.storageDir, f), join(rootDir, f));
      await linkTree(join(ctx.storageDir, uuid), ckptDir);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') throw notFound(uuid, [String((e as Error).message)]);
      throw e;
    }

    // 3. Ownership before anything is written.
    await ensureOwner(ctx.store, ctx.pipeline, new Date(ctx.clock.now()), ctx.logger, signal);

    // 4. Hash root files (cached: they are immutable) and build the zip, hashing as it is written.
    const rootObjects: ManifestObject[] = [];
    for (const f of local.rootFiles) {
      const d = await ctx.hashes.digest(join(rootDir, f), signal);
      rootObjects.push({ key: f, ...d });
    }
    const zipKey = remoteKeys.zip(uuid);
    const zipped = await zipDirectory(ckptDir, join(staging, zipKey), `${uuid}/`, signal);
    const zipObject: ManifestObject = { key: zipKey, size: zipped.size, sha256: zipped.sha256 };
    const zipFiles: ZipFileEntry[] = [];
    for (const f of zipped.entries) zipFiles.push({ path: f.name, ...(await hashFile(f.path, signal)) });

    // 5. What the remote already has: manifests of catalogued checkpoints, plus this checkpoint's
    //    own manifest when an earlier push got that far.
    const catalog = await readRemoteCatalog(ctx.store, opts);
    const ownManifest = await ctx.manifests.get(ctx.store, uuid, opts);
    const known = new Map<string, { size: number; sha256: string }>();
    const manifests = await mapLimit(catalog, ctx.checkers, async (e) =>
      e.uuid === uuid ? ownManifest : ctx.manifests.get(ctx.store, e.uuid, opts).catch(() => null),
    );
    for (const m of manifests) for (const o of m?.objects ?? []) if (o.key !== remoteKeys.zip(m!.uuid)) known.set(o.key, o);
    const alreadySynced = catalog.some((e) => e.uuid === uuid) && ownManifest !== null;

    // A resumed push (a staging dir survived a kill, or our manifest exists) checks candidates
    // with a cheap head instead of re-sending them.
    const present = new Map<string, number>();
    const resume = resumed || ownManifest !== null;
    if (resume) {
      const candidates = [...rootObjects, zipObject].filter((o) => !known.has(o.key));
      const heads = await mapLimit(candidates, ctx.checkers, (o) => ctx.store.head(o.key, opts));
      for (const h of heads) if (h) present.set(h.key, h.size);
    }
    const zipMatches = ownManifest?.objects.some((o) => o.key === zipKey && o.sha256 === zipObject.sha256) ?? false;
    const plan = planPushUploads(rootObjects, known, present);
    if (plan.conflicts.length > 0) {
      const c = plan.conflicts[0]!;
      throw new SyncError(
        SyncErrorCodes.integrity,
        `remote object ${ctx.store.description}${c.key} differs from the local file (size ${c.remote.size} vs ${c.local.size}); batch files are immutable`,
        { details: { conflicts: plan.conflicts.map((x) => x.key) } },
      );
    }
    // The zip is byte-identical on every push of this checkpoint, so a whole one left by a kill is reused.
    const uploadZip = !(zipMatches || present.get(zipKey) === zipObject.size) && !alreadySynced;
    const toUpload = uploadZip ? [...plan.upload, zipObject] : plan.upload;
    const bytesTotal = toUpload.reduce((s, o) => s + o.size, 0);
    const progress = new ProgressTracker('push', uuid, bytesTotal, toUpload.length, options.onProgress ?? (() => {}));

    let bytes = 0;
    let objects = 0;
    // 6. Batch and state files and the zip: immutable, invisible until the catalog names them.
    progress.phase('uploading');
    // One transfer: nothing references these immutable objects until the manifest and catalog do.
    if (toUpload.length > 0) {
      if (uploadZip) await rename(join(staging, zipKey), join(rootDir, zipKey));
      const r = await ctx.store.uploadFiles(rootDir, toUpload.map((o) => o.key), '', { ...opts, onProgress: progress.transfer() });
      progress.done(r.bytes, r.objects);
      bytes += r.bytes;
      objects += r.objects;
    }

    // 7. Manifest, then (owner re-checked) the catalog: the commit point.
    progress.phase('committing');
    const manifest: Manifest = {
      format_version: 1,
      uuid,
      entry,
      batches: local.dependencies.batches,
      state_files: local.dependencies.stateFiles,
      objects: [...rootObjects, zipObject],
      zip_files: zipFiles,
      created_at: new Date(ctx.clock.now()).toISOString(),
    };
    let committed = catalog;
    if (!alreadySynced) {
      const text = serializeManifest(manifest);
      throwIfAborted(signal, 'push');
      await ctx.store.putSmall(remoteKeys.manifest(uuid), text, opts);
      ctx.manifests.put(ctx.store, manifest);
      bytes += Buffer.byteLength(text);
      objects++;
      throwIfAborted(signal, 'push');
      await assertStillOwner(ctx.store, ctx.pipeline, signal);
      const fresh = await readRemoteCatalog(ctx.store, opts);
      committed = withCatalogEntry(fresh, entry);
      bytes += await writeRemoteCatalog(ctx.store, committed, opts);
      objects++;
    }

    // 8. Retention: its failures are reported, the push itself has succeeded.
    progress.phase('retention');
    const retention = await applyRetention(ctx, uuid, committed, signal);
    const durationMs = ctx.clock.now() - started;
    const skipped = rootObjects.length + 1 - (plan.upload.length + (uploadZip ? 1 : 0));
    const skippedBytes =
      plan.skip.reduce((s, o) => s + o.size, 0) + (uploadZip ? 0 : zipObject.size);
    ctx.logger.info('checkpoint pushed', { uuid, bytes, objects, skipped, durationMs });
    return {
      uuid,
      bytes,
      objects,
      skippedObjects: skipped,
      skippedBytes,
      alreadySynced,
      durationMs,
      speed: durationMs > 0 ? Math.round((bytes * 1000) / durationMs) : bytes,
      retention,
    };
  } finally {
    ctx.pins.delete(uuid);
    await removeStaging(staging);
  }
}
