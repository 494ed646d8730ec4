import { mkdir, rename } from 'node:fs/promises';
import { join } from 'node:path';
import type {
  CatalogEntry,
  CheckpointDependencies,
  Manifest,
  ManifestObject,
  SharedFile,
  ZipFile,
} from '@feldera-sync/checkpoint';
import {
  buildManifest,
  CATALOG_FILE,
  ERR_CHECKPOINT_CATALOG_MISSING,
  insertCatalogEntry,
  inspectLocalCheckpoint,
  isBatchFileName,
  isUuid,
  planPush,
  planRepair,
  planSharedUploads,
  readLocalCatalog,
  readRemoteCatalog,
  remoteKeys,
  remoteObjectName,
  serializeCatalog,
  serializeManifest,
  uuidv7TimeMs,
  writeManifest,
  writeRemoteCatalog,
} from '@feldera-sync/checkpoint';
import { SyncError, hasErrorCode, localDiskError, throwIfAborted } from '@feldera-sync/errors';
import type { SyncContext } from './context.js';
import { SyncErrorCodes } from './errors.js';
import { localLayoutError, readingLocal, readingRemote } from './layout-errors.js';
import { assertStillOwner, ensureOwner } from './ownership.js';
import type { ProgressListener } from './progress.js';
import { ProgressTracker } from './progress.js';
import { mapLimit } from './remote/manifest-cache.js';
import type { RetentionReport } from './retention.js';
import { applyRetention } from './retention.js';
import {
  linkFiles,
  linkOrCopy,
  listStaging,
  removeStaging,
  removeStagingRootIfEmpty,
  stagingPath,
} from './staging.js';
import { transferDeadlineMs } from './deadline.js';
import { zipDirectory } from './zip.js';

/** How many of the newest catalog entries' manifests a push reads to plan (SPEC section 3). */
const RECENT_MANIFESTS = 2;

const KEY_UUIDV7 = /([0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[0-9a-f]{4}-[0-9a-f]{12})[^/]*$/i;

/** The UUIDv7 time in an object's name (`w0-<uuidv7>.feldera`, `<uuidv7>.zip`), or null. */
function keyTimeMs(key: string): number | null {
  const m = KEY_UUIDV7.exec(key);
  return m ? uuidv7TimeMs(m[1]!) : null;
}

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

function notFound(uuid: string, missing: readonly string[]): SyncError {
  return new SyncError(
    SyncErrorCodes.checkpointNotFound,
    `checkpoint '${uuid}' not found in local storage`,
    {
      hint: 'push only checkpoints listed by `checkpoints.feldera` whose files are complete',
      details: { uuid, missing: missing.slice(0, 20) },
    },
  );
}

/** A catalogued, complete local checkpoint, or `ERR_SYNC_CHECKPOINT_NOT_FOUND` naming what is missing. */
async function completeLocal(
  ctx: SyncContext,
  uuid: string,
  signal: AbortSignal | undefined,
): Promise<{
  entry: CatalogEntry;
  deps: CheckpointDependencies;
  shared: SharedFile[];
  /** The files directly inside `<uuid>/`, bare names. */
  files: string[];
}> {
  if (!isUuid(uuid)) throw notFound(uuid, ['not a UUID']);
  let catalog: CatalogEntry[];
  try {
    catalog = await readLocalCatalog(ctx.storageDir, { signal });
  } catch (e) {
    // No catalog at all: nothing is catalogued, so nothing can be pushed (SPEC section 3, step 2).
    if (!hasErrorCode(e, ERR_CHECKPOINT_CATALOG_MISSING)) throw localLayoutError(e);
    catalog = [];
  }
  const entry = catalog.find((e) => e.uuid === uuid);
  const found = await readingLocal(inspectLocalCheckpoint(ctx.storageDir, uuid, { signal }));
  if (!entry || !found.complete || !found.deps)
    throw notFound(uuid, [...(entry ? [] : [`${CATALOG_FILE} entry`]), ...found.missing]);
  // The remote layout holds batch files under their own names; Feldera names them w<N>-<uuid>.feldera.
  const odd = found.deps.batches.filter((b) => !isBatchFileName(b));
  if (odd.length > 0) {
    throw new SyncError(
      SyncErrorCodes.invalidLocal,
      `checkpoint '${uuid}' names batch files that are not w<N>-<uuid>.feldera: ${odd.slice(0, 5).join(', ')}`,
      {
        hint: 'the storage directory was not written by Feldera; it cannot be pushed',
        details: { uuid, batches: odd.slice(0, 20) },
      },
    );
  }
  return {
    entry,
    deps: found.deps,
    shared: found.shared,
    files: found.files.map((f) => f.slice(found.uuid.length + 1)),
  };
}

/** Pushes one complete local checkpoint by executing the checkpoint package's plan; the caller serialises pushes per storage directory. */
export async function pushCheckpoint(
  ctx: SyncContext,
  uuid: string,
  options: PushOptions = {},
): Promise<PushReport> {
  const { signal } = options;
  const opts = signal ? { signal } : {};
  const started = ctx.clock.now();
  throwIfAborted(signal, 'push');

  // 1. Local completeness: no object-store request yet.
  const local = await completeLocal(ctx, uuid, signal);
  const entry = local.entry;

  // 2. Pin: hard links keep the bytes alive even if local GC unlinks the originals.
  const staging = stagingPath(ctx.storageDir, 'push', uuid);
  const leftovers = await listStaging(ctx.storageDir);
  // Another process cannot be pushing here (the storage directory is locked): these were left by a
  // push that was killed, and the objects it sent may be in the bucket without a manifest.
  const resumed = leftovers.push.length > 0;
  for (const old of leftovers.push) await removeStaging(stagingPath(ctx.storageDir, 'push', old));
  const unpin = ctx.pins.pin(uuid);
  const sharedPaths = local.shared.map((f) => join(ctx.storageDir, f.path));
  // Digests a previous process recorded are checked against the files before our links change
  // their ctime (the persistent hash cache).
  await ctx.hashes.confirm(sharedPaths);
  try {
    const rootDir = join(staging, 'root');
    const ckptDir = join(staging, 'ckpt');
    try {
      await mkdir(rootDir, { recursive: true });
      for (const f of local.shared)
        await linkOrCopy(join(ctx.storageDir, f.path), join(rootDir, f.path));
      await linkFiles(join(ctx.storageDir, uuid), local.files, ckptDir);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT')
        throw notFound(uuid, [String((e as Error).message)]);
      throw localDiskError(e, 'pin the files of', ckptDir);
    }

    // 3. Everything local first (hashes of the shared files, cached since they are immutable, and
    //    the zip, hashed as it is written), so a local failure (a full disk) writes nothing remote.
    // The batch files' SHA-256 (cached: they are immutable) is computed beside everything that
    // follows, the upload included, and awaited only before the manifest: on a machine where the
    // upload saturates the CPU, hashing no longer runs before it.
    const sized = local.shared.map((f) => ({ key: remoteKeys.batch(f.path), size: f.size }));
    const hashing = mapLimit(local.shared, 2, async (f): Promise<ManifestObject> => ({
      key: remoteKeys.batch(f.path),
      ...(await ctx.hashes.digest(join(rootDir, f.path), signal)),
    }));
    hashing.catch(() => undefined); // awaited below; never an unhandled rejection meanwhile
    const zipKey = remoteKeys.zip(uuid);
    const zipped = await zipDirectory(
      ckptDir,
      local.files,
      join(staging, zipKey),
      `${uuid}/`,
      signal,
    ).catch((e: unknown) => {
      throw localDiskError(e, 'zip', ckptDir);
    });
    const zip: ManifestObject = { key: zipKey, size: zipped.size, sha256: zipped.sha256 };
    // Hashed while they were zipped: no second read.
    const zipFiles: ZipFile[] = zipped.entries.map((f) => ({
      path: f.name,
      size: f.size,
      sha256: f.sha256,
    }));

    // 4. Ownership before anything is written.
    await ensureOwner(ctx.store, ctx.pipeline, ctx.clock, ctx.logger, signal);

    // 5. What the remote already has, at a cost that does not grow with the catalog: the manifests of
    //    the newest few catalog entries (a new checkpoint shares its batch files mostly with them),
    //    any this process already holds, and this checkpoint's own manifest when an earlier push got
    //    that far (it is written only after its objects). Whatever they do not record is checked with
    //    a cheap `head` (size must match) rather than by reading every old manifest or listing.
    const catalog = await readingRemote(readRemoteCatalog(ctx.store, opts));
    const ownManifest = await ctx.manifests.get(ctx.store, uuid, opts);
    const others = catalog.map((e) => e.uuid).filter((u) => u !== uuid);
    const newest = others.slice(-RECENT_MANIFESTS);
    const lookups = await ctx.manifests.lookup(ctx.store, newest, {
      ...opts,
      concurrency: ctx.checkers,
    });
    const manifests = [...lookups.values()].flatMap((l) => (l.status === 'ok' ? [l.manifest] : []));
    const newestSet = new Set(newest);
    manifests.push(
      ...ctx.manifests.cached(
        ctx.store,
        others.filter((u) => !newestSet.has(u)),
      ),
    );
    if (ownManifest) manifests.push(ownManifest);

    // Objects no manifest at hand records may still be there: referenced by an older checkpoint whose
    // manifest was not read, or sent by a push that was killed (a staging dir survived, or our manifest
    // exists). Those get a `head` each, `checkers` at a time. Without a resumed push, a file written
    // after the newest catalogued checkpoint (its UUIDv7 name says so) cannot be referenced by any of
    // them, so it is sent without a look; a wrong guess (clock skew across hosts) only re-sends it.
    const present = new Map<string, number>();
    const unread = others.some((u) => !manifests.some((m) => m.uuid === u.toLowerCase()));
    if (unread || resumed || ownManifest !== null) {
      const recorded = new Set(manifests.flatMap((m) => m.objects.map((o) => o.key)));
      const newestMs = Math.max(-Infinity, ...others.map((u) => uuidv7TimeMs(u) ?? Infinity));
      const mayExist = (key: string): boolean => {
        if (resumed || ownManifest !== null) return true;
        const t = keyTimeMs(key);
        return t === null || t <= newestMs;
      };
      const candidates = [...sized, zip].filter((o) => !recorded.has(o.key) && mayExist(o.key));
      const heads = await mapLimit(candidates, ctx.checkers, (o) => ctx.store.head(o.key, opts));
      for (const h of heads) if (h) present.set(h.key, h.size);
    }
    // Planned by size; a same-sized object of other content is caught once the hashes are in.
    const plan = planPush(
      { entry, shared: sized.map((o) => ({ path: o.key, size: o.size })), zip },
      { catalog, manifests, present },
    );
    const refuseConflicts = (
      conflicts: readonly { key: string; localSize: number; remoteSize: number }[],
    ): void => {
      if (conflicts.length === 0) return;
      const c = conflicts[0]!;
      throw new SyncError(
        SyncErrorCodes.integrity,
        `remote object ${remoteObjectName(ctx.store, c.key)} differs from the local file (remote ${c.remoteSize} bytes, local ${c.localSize} bytes); batch files are immutable`,
        { details: { conflicts: conflicts.map((x) => x.key) } },
      );
    };
    refuseConflicts(plan.conflicts);
    let hashed: ManifestObject[] | null = null;
    /** The batch files' digests, with the conflict check the plan could not make by size alone. */
    const sharedDigests = async (): Promise<ManifestObject[]> => {
      if (hashed) return hashed;
      hashed = await hashing;
      const known = new Map<string, { size: number; sha256: string }>();
      for (const m of manifests) for (const o of m.objects) known.set(o.key, o);
      refuseConflicts(
        planSharedUploads(hashed, known).conflicts.map((c) => ({
          key: c.key,
          localSize: c.local.size,
          remoteSize: c.remote.size,
        })),
      );
      return hashed;
    };

    // An "already synced" answer is checked, not trusted: every object its manifest names must be
    // there, and what is missing is sent again from the pinned local files.
    const repair =
      plan.alreadyCommitted && ownManifest
        ? await planRepairOf(ctx, ownManifest, [...(await hashing), zip], opts)
        : null;
    const sending = repair
      ? new Set(repair)
      : new Set([...plan.upload, ...(plan.uploadZip ? [zipKey] : [])]);
    const toUpload = [...sized, zip].filter((o) => sending.has(o.key));
    const bytesTotal = toUpload.reduce((n, o) => n + o.size, 0);
    const progress = new ProgressTracker(
      'push',
      uuid,
      bytesTotal,
      toUpload.length,
      options.onProgress ?? (() => {}),
    );

    let bytes = 0;
    let objects = 0;
    let committed: readonly CatalogEntry[] = catalog;
    // 6. Execute the plan: batch files and the zip (one transfer; nothing references these immutable
    //    objects until the manifest and catalog do), the manifest, then (owner re-checked) the catalog.
    progress.phase('uploading');
    const uploads: string[] = [];
    let transferred = { bytes: 0, objects: 0 };
    const flushUploads = async (): Promise<void> => {
      if (uploads.length === 0) return;
      const keys = uploads.splice(0);
      const reported = new Set<string>();
      const r = await ctx.store.uploadFiles(rootDir, keys, '', {
        ...opts,
        onProgress: progress.transfer(),
        onObjectDone: (key) => reported.add(key),
        deadlineMs: transferDeadlineMs(bytesTotal, ctx.transferTimeoutMs),
      });
      progress.done(r.bytes, r.objects);
      // A push that says "done" is done: every object it meant to send is in the bucket at its size
      // before anything names it (rclone skips a source file that vanished, and exits 0). What the
      // store reported copied (rclone checks the size of each upload) is in place; every other
      // object, skipped or unreported, gets a `head`.
      const keySet = new Set(keys);
      await assertUploaded(
        ctx,
        toUpload.filter((o) => keySet.has(o.key) && !reported.has(o.key)),
        opts,
      );
      transferred = {
        bytes: transferred.bytes + r.bytes,
        objects: transferred.objects + r.objects,
      };
      bytes += r.bytes;
      objects += r.objects;
    };
    if (repair) {
      if (repair.length > 0) {
        if (repair.includes(zipKey)) await rename(join(staging, zipKey), join(rootDir, zipKey));
        uploads.push(...repair);
        await flushUploads();
        ctx.logger.warn('checkpoint was in the remote catalog with objects missing: sent again', {
          uuid,
          repaired: repair,
        });
      }
    } else {
      for (const step of plan.steps) {
        switch (step.type) {
          case 'upload-shared':
            uploads.push(...step.keys);
            break;
          case 'upload-zip':
            await rename(join(staging, zipKey), join(rootDir, step.key));
            uploads.push(step.key);
            break;
          case 'put-manifest': {
            await flushUploads();
            progress.phase('committing');
            const shared = await sharedDigests();
            const manifest = buildManifest({
              entry,
              batches: local.deps.batches,
              state_files: local.deps.state_files,
              shared,
              zip,
              zipFiles,
              createdAt: new Date(ctx.clock.now()).toISOString(),
            });
            throwIfAborted(signal, 'push');
            await writeManifest(ctx.store, manifest, opts);
            ctx.manifests.put(ctx.store, manifest);
            bytes += Buffer.byteLength(serializeManifest(manifest));
            objects++;
            break;
          }
          case 'put-catalog': {
            throwIfAborted(signal, 'push');
            await assertStillOwner(ctx.store, ctx.pipeline, signal);
            // Read again: the catalog may have moved on since the plan (another process of this pipeline).
            const fresh = await readingRemote(readRemoteCatalog(ctx.store, opts));
            committed = insertCatalogEntry(fresh, entry);
            await writeRemoteCatalog(ctx.store, committed, opts);
            bytes += Buffer.byteLength(serializeCatalog(committed));
            objects++;
            break;
          }
        }
      }
    }

    // 7. Retention: its failures are reported, the push itself has succeeded.
    progress.phase('retention');
    const retention = await applyRetention(ctx, uuid, committed, signal);
    const durationMs = ctx.clock.now() - started;
    // What the bucket already held, by rclone's own count: a resumed push's objects found in place,
    // and any upload rclone found already there, count as skipped.
    const all = [...sized, zip];
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
    unpin();
    await removeStaging(staging);
    await removeStagingRootIfEmpty(ctx.storageDir);
    await persistHashes(ctx, sharedPaths);
  }
}

/** Saves the digests for the next process; a failure to do so costs only a re-hash later. */
export async function persistHashes(ctx: SyncContext, paths: readonly string[]): Promise<void> {
  try {
    await ctx.hashes.settle(paths);
    await ctx.hashes.flush();
  } catch (e) {
    ctx.logger.warn('could not save the hash cache; the next process will hash again', {
      error: e instanceof Error ? e.message : String(e),
    });
  }
}

/**
 * The keys of a committed checkpoint's manifest that the bucket lacks (or holds at another size),
 * all of which the local files can supply; `ERR_SYNC_INTEGRITY` when one cannot be re-sent as the
 * manifest records it.
 */
async function planRepairOf(
  ctx: SyncContext,
  manifest: Manifest,
  local: readonly ManifestObject[],
  opts: { signal?: AbortSignal },
): Promise<string[]> {
  const heads = await mapLimit(manifest.objects, ctx.checkers, (o) => ctx.store.head(o.key, opts));
  const present = new Map<string, number>();
  for (const h of heads) if (h) present.set(h.key, h.size);
  const { upload, unrepairable } = planRepair(manifest, present, local);
  if (unrepairable.length > 0) {
    const u = unrepairable[0]!;
    throw new SyncError(
      SyncErrorCodes.integrity,
      `remote checkpoint ${manifest.uuid} lacks ${remoteObjectName(ctx.store, u.key)}, and the local copy differs from its manifest (${u.reason})`,
      {
        hint: 'run verify; the checkpoint cannot be repaired from this storage directory',
        details: { missing: unrepairable.map((x) => x.key) },
      },
    );
  }
  return upload;
}

/** Every object in `sent` is in the bucket at its size, else `ERR_SYNC_UPLOAD_INCOMPLETE` naming them. */
async function assertUploaded(
  ctx: SyncContext,
  sent: readonly { key: string; size: number }[],
  opts: { signal?: AbortSignal },
): Promise<void> {
  const heads = await mapLimit(sent, ctx.checkers, (o) => ctx.store.head(o.key, opts));
  const short = sent.filter((o, i) => heads[i]?.size !== o.size);
  if (short.length === 0) return;
  throw new SyncError(
    SyncErrorCodes.uploadIncomplete,
    `${short.length} of ${sent.length} object(s) the push sent are missing from ${ctx.store.description} or have the wrong size (${short
      .slice(0, 3)
      .map((o) => o.key)
      .join(', ')}); the checkpoint was not published`,
    {
      hint: 'push again: objects already in place are not sent twice',
      details: { missing: short.map((o) => o.key).slice(0, 50) },
    },
  );
}
