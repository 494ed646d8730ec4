import { mkdir, open, readFile, rename, rm, stat } from 'node:fs/promises';
import { execFile } from 'node:child_process';
import { dirname, join } from 'node:path';
import type {
  CatalogEntry,
  LocalGcPlan,
  ManifestObject,
  ObjectStore,
  PullPlan,
} from '@feldera-sync/checkpoint';
import {
  appendToLocalCatalog,
  CATALOG_FILE,
  checkpointPaths,
  fsyncDir,
  hashFile,
  insertCatalogEntry,
  inspectLocalCheckpoint,
  listLocalCheckpoints,
  planLocalGc,
  planPull,
  readLocalCatalog,
  remoteKeys,
  remoteObjectName,
  ROOT_STATE_FILE,
  writeLocalCatalog,
  writeRootState,
} from '@feldera-sync/checkpoint';
import type { Manifest } from '@feldera-sync/checkpoint';
import { SyncError, hasErrorCode, localDiskError, throwIfAborted } from '@feldera-sync/errors';
import type { SyncContext } from './context.js';
import { SyncErrorCodes } from './errors.js';
import { readingLocal } from './layout-errors.js';
import type { ProgressListener } from './progress.js';
import { ProgressTracker } from './progress.js';
import type { CheckpointSource } from './resolve.js';
import { mapLimit } from './remote/manifest-cache.js';
import { listStaging, removeStaging, removeStagingRootIfEmpty, stagingPath } from './staging.js';
import { transferDeadlineMs } from './deadline.js';
import { persistHashes } from './hash-cache-save.js';
import { unzipTo } from './zip.js';

/** Objects hashed at once while verifying a download (the reads overlap the hashing). */
const HASH_CONCURRENCY = 2;
/** fsyncs in flight at once (they wait on the disk, not the CPU). */
const FSYNC_CONCURRENCY = 8;

/** Options of one pull. */
export interface InstallOptions {
  signal?: AbortSignal | undefined;
  onProgress?: ProgressListener | undefined;
  /**
   * What a pull does to local checkpoints the source's catalog does not name (another lineage: a
   * directory used by another pipeline, or a restore of another bucket). Feldera resumes from the
   * root `state.json` and keeps what the catalog names, so mixing lineages in one catalog would make
   * `latest` ambiguous. `false` (the default) refuses with `ERR_SYNC_FOREIGN_CHECKPOINTS` before
   * anything is downloaded; `true` removes them (catalog first, then their directories and the batch
   * files only they need) and lists them in `removedLocal`.
   */
  replaceLocal?: boolean | undefined;
}

/** What a pull did. */
export interface PullReport {
  /** The checkpoint now installed, or null when none was found. */
  uuid: string | null;
  source: CheckpointSource;
  /** Bytes downloaded. */
  bytes: number;
  /** Objects downloaded. */
  objects: number;
  /** Objects already present locally and reused. */
  reused: number;
  reusedBytes: number;
  /** The checkpoint was already installed; nothing was downloaded. */
  alreadyInstalled: boolean;
  /** Local checkpoints of another lineage that `replaceLocal` removed. */
  removedLocal: string[];
  durationMs: number;
}

function integrityError(
  store: ObjectStore,
  o: ManifestObject,
  actual: { size: number; sha256?: string },
): SyncError {
  const what =
    actual.size !== o.size
      ? `size ${actual.size}, manifest says ${o.size}`
      : `SHA-256 ${actual.sha256}, manifest says ${o.sha256}`;
  return new SyncError(
    SyncErrorCodes.integrity,
    `object ${remoteObjectName(store, o.key)} failed verification: ${what}`,
    {
      hint: 'the remote copy is damaged; push the checkpoint again from a healthy pipeline or restore another checkpoint',
      details: {
        key: o.key,
        expectedSize: o.size,
        actualSize: actual.size,
        expectedSha256: o.sha256,
        actualSha256: actual.sha256,
      },
    },
  );
}

async function sizeOf(path: string): Promise<number | null> {
  try {
    return (await stat(path)).size;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw e;
  }
}

/** fsyncs a regular file's data. */
async function fsyncFile(path: string): Promise<void> {
  const handle = await open(path, 'r+');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** Makes root `state.json` a copy of the checkpoint's `state.json` (atomic; no write when equal). */
export async function pointRootStateAt(storageDir: string, uuid: string): Promise<void> {
  const wanted = await readFile(checkpointPaths(storageDir, uuid).state);
  const current = await readFile(join(storageDir, ROOT_STATE_FILE)).catch(() => null);
  if (current && Buffer.compare(current, wanted) === 0) return;
  await writeRootState(storageDir, wanted);
}

/** Removes staging directories left by a killed pull. */
export async function cleanPullLeftovers(storageDir: string): Promise<void> {
  for (const uuid of (await listStaging(storageDir)).pull)
    await removeStaging(stagingPath(storageDir, 'pull', uuid));
}

/**
 * The checkpoint package's pull plan from what local storage holds. Shared files are immutable, so
 * one present under a manifest's name must hash as the manifest says (else the storage directory and
 * the bucket disagree, and nothing is touched). The zip is skipped only when every file it expands to
 * is present with the recorded SHA-256 (a pull killed after moving the directory into place).
 */
async function planFromLocal(
  ctx: SyncContext,
  store: ObjectStore,
  manifest: Manifest,
  signal?: AbortSignal,
): Promise<PullPlan> {
  const zipKey = remoteKeys.zip(manifest.uuid);
  const shared = new Map<string, number>();
  for (const o of manifest.objects) {
    if (o.key === zipKey) continue;
    const localPath = join(ctx.storageDir, o.key);
    if ((await sizeOf(localPath)) === null) continue;
    const d = await ctx.hashes.digest(localPath, signal);
    if (d.size !== o.size || d.sha256 !== o.sha256) {
      throw new SyncError(
        SyncErrorCodes.integrity,
        `local file ${o.key} differs from ${remoteObjectName(store, o.key)} as its manifest records`,
        {
          hint: 'batch files are immutable: the storage directory and the bucket hold different data under one name; clear the storage directory',
          details: { key: o.key },
        },
      );
    }
    shared.set(o.key, d.size);
  }
  const withZipFiles = new Map(shared);
  for (const f of manifest.zip_files) {
    const size = await sizeOf(join(ctx.storageDir, f.path));
    if (size !== null) withZipFiles.set(f.path, size);
  }
  const plan = planPull(manifest, withZipFiles);
  if (plan.present.every((o) => o.key !== zipKey)) return plan;
  for (const f of manifest.zip_files) {
    const d = await hashFile(join(ctx.storageDir, f.path), { signal });
    if (d.sha256 !== f.sha256) return planPull(manifest, shared);
  }
  return plan;
}

/**
 * Downloads what local storage lacks of a remote checkpoint into staging, verifies every object
 * against its manifest, then installs in the checkpoint package's order: shared files, checkpoint
 * directory, catalog, root `state.json`. Until the catalog is written the storage directory still
 * reads as before.
 */
export async function installCheckpoint(
  ctx: SyncContext,
  store: ObjectStore,
  source: 'bucket' | 'read_bucket',
  entry: CatalogEntry,
  sourceCatalog: readonly CatalogEntry[],
  options: InstallOptions = {},
): Promise<PullReport> {
  const { signal } = options;
  const opts = signal ? { signal } : {};
  const started = ctx.clock.now();
  const uuid = entry.uuid;
  throwIfAborted(signal, 'pull');

  const catalog = await readingLocal(readLocalCatalog(ctx.storageDir, { signal }));
  const named = new Set([uuid, ...sourceCatalog.map((e) => e.uuid)]);
  const foreign = catalog.filter((e) => !named.has(e.uuid)).map((e) => e.uuid);
  if (foreign.length > 0 && options.replaceLocal !== true)
    throw foreignCheckpoints(ctx.storageDir, store, foreign);
  const keep = [...catalog.map((e) => e.uuid).filter((u) => named.has(u)), uuid];

  if (
    catalog.some((e) => e.uuid === uuid) &&
    (await readingLocal(inspectLocalCheckpoint(ctx.storageDir, uuid, { signal }))).complete
  ) {
    let removedLocal: string[] = [];
    if (foreign.length > 0) {
      const removal = await planForeignRemoval(ctx, keep, [], signal);
      await readingLocal(writeLocalCatalog(ctx.storageDir, removal.catalog, { signal }));
      removedLocal = await removeForeign(ctx, removal);
    }
    await pointRootStateAt(ctx.storageDir, uuid);
    return {
      uuid,
      source,
      bytes: 0,
      objects: 0,
      reused: 0,
      reusedBytes: 0,
      alreadyInstalled: true,
      removedLocal,
      durationMs: ctx.clock.now() - started,
    };
  }

  const manifest = await ctx.manifests.get(store, uuid, opts);
  if (!manifest) {
    throw new SyncError(
      SyncErrorCodes.invalidRemote,
      `${remoteObjectName(store, remoteKeys.manifest(uuid))} is missing though the catalog names ${uuid}`,
      {
        hint: 'the remote checkpoint is incomplete; run verify, or push it again',
      },
    );
  }
  const zipKey = remoteKeys.zip(uuid);
  const objectsByKey = new Map(manifest.objects.map((o) => [o.key, o]));
  // Planned before anything moves, while the catalog still names the other lineage; the new
  // checkpoint's batch files are never among what goes.
  const removal =
    foreign.length > 0 ? await planForeignRemoval(ctx, keep, manifest.batches, signal) : null;

  await cleanPullLeftovers(ctx.storageDir);
  const staging = stagingPath(ctx.storageDir, 'pull', uuid);
  try {
    await mkdir(staging, { recursive: true });
    const plan = await planFromLocal(ctx, store, manifest, signal);
    const progress = new ProgressTracker(
      'pull',
      uuid,
      plan.bytes,
      plan.download.length,
      options.onProgress ?? (() => {}),
    );
    const unzipDir = join(staging, '.unzip');
    let transferred = { bytes: 0, objects: 0 };
    // A storage directory without a catalog gets an empty one before anything moves in, so a kill
    // mid-install never leaves checkpoint directories without a catalog (which reads as damage).
    let catalogReady = false;
    const ensureCatalogFile = async (): Promise<void> => {
      if (catalogReady) return;
      if ((await sizeOf(join(ctx.storageDir, CATALOG_FILE))) === null)
        await writeLocalCatalog(ctx.storageDir, []);
      catalogReady = true;
    };

    for (const step of plan.steps) {
      switch (step.type) {
        case 'download': {
          // Each object is verified (size, SHA-256, fsync; the zip's contents as it is extracted)
          // as soon as rclone reports it complete, while the others still download; the first
          // failure stops the download. Everything is checked before anything is installed.
          progress.phase('downloading');
          const wanted = new Map(plan.download.map((o) => [o.key, o]));
          const checks = new Map<string, Promise<void>>();
          const limit = limiter(HASH_CONCURRENCY);
          const stop = new AbortController();
          const verifyOne = (key: string): void => {
            const o = wanted.get(key);
            if (!o || checks.has(key)) return;
            const check = limit(async () => {
              const path = join(staging, o.key);
              const size = await sizeOf(path);
              if (size !== o.size) throw integrityError(store, o, { size: size ?? 0 });
              const d = await hashFile(path, { signal });
              if (d.sha256 !== o.sha256) throw integrityError(store, o, d);
              if (o.key === zipKey) await unzipAndVerify(store, manifest, path, unzipDir, signal);
            });
            check.catch(() => stop.abort());
            checks.set(key, check);
          };
          try {
            transferred = await store.downloadFiles('', step.keys, staging, {
              signal: signal ? AbortSignal.any([signal, stop.signal]) : stop.signal,
              onProgress: progress.transfer(),
              onObjectDone: verifyOne,
              deadlineMs: transferDeadlineMs(step.bytes, ctx.transferTimeoutMs),
            });
          } catch (e) {
            // A verification that failed stopped the download: its error is the one that matters.
            await settled(checks.values());
            throw e;
          }
          progress.done(transferred.bytes, transferred.objects);
          progress.phase('verifying');
          for (const key of step.keys) verifyOne(key);
          await settled(checks.values());
          break;
        }
        case 'verify':
          // Done as each object arrived (above); what remains is making the files durable at once.
          await syncFiles(staging, [
            ...step.objects.map((o) => o.key),
            ...(step.objects.some((o) => o.key === zipKey)
              ? manifest.zip_files.map((f) => join('.unzip', f.path))
              : []),
          ]);
          break;
        case 'install-shared':
          // Shared files are immutable and unreferenced until the catalog names the checkpoint, so a
          // kill between these steps leaves nothing the layout would read.
          throwIfAborted(signal, 'pull');
          progress.phase('installing');
          await ensureCatalogFile();
          for (const key of step.keys) {
            const target = join(ctx.storageDir, key);
            await mkdir(dirname(target), { recursive: true });
            await rename(join(staging, key), target);
            await ctx.hashes.remember(target, objectsByKey.get(key)!);
          }
          await fsyncDir(ctx.storageDir);
          break;
        case 'install-checkpoint-dir': {
          throwIfAborted(signal, 'pull');
          progress.phase('installing');
          await ensureCatalogFile();
          const ckptDir = checkpointPaths(ctx.storageDir, step.uuid).dir;
          await rm(ckptDir, { recursive: true, force: true });
          await rename(join(unzipDir, step.uuid), ckptDir);
          await fsyncDir(ctx.storageDir);
          break;
        }
        case 'update-catalog':
          // One atomic rewrite names the new checkpoint and drops another lineage's entries.
          if (foreign.length > 0) {
            const dropped = new Set(foreign);
            await readingLocal(
              writeLocalCatalog(
                ctx.storageDir,
                insertCatalogEntry(
                  catalog.filter((e) => !dropped.has(e.uuid)),
                  step.entry,
                ),
                { signal },
              ),
            );
          } else {
            await readingLocal(appendToLocalCatalog(ctx.storageDir, step.entry, { signal }));
          }
          break;
        case 'write-root-state':
          await pointRootStateAt(ctx.storageDir, step.uuid);
          break;
      }
    }

    const removedLocal = removal ? await removeForeign(ctx, removal) : [];
    const reused = plan.present.length;
    const reusedBytes = plan.present.reduce((s, o) => s + o.size, 0);
    const durationMs = ctx.clock.now() - started;
    return {
      uuid,
      source,
      bytes: transferred.bytes,
      objects: transferred.objects,
      reused,
      reusedBytes,
      alreadyInstalled: false,
      removedLocal,
      durationMs,
    };
  } catch (e) {
    // A full or failing disk while staging or installing says so (and the storage reads as before).
    throw localDiskError(e, `install checkpoint ${uuid} into`, ctx.storageDir);
  } finally {
    await removeStaging(staging);
    await removeStagingRootIfEmpty(ctx.storageDir);
    await persistHashes(ctx, []);
  }
}

function foreignCheckpoints(storageDir: string, store: ObjectStore, foreign: string[]): SyncError {
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
async function planForeignRemoval(
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
async function removeForeign(ctx: SyncContext, plan: LocalGcPlan): Promise<string[]> {
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

/** Extracts a verified zip into staging, checking every file against the manifest's `zip_files` as it is written. */
async function unzipAndVerify(
  store: ObjectStore,
  manifest: Manifest,
  zipPath: string,
  unzipDir: string,
  signal?: AbortSignal,
): Promise<void> {
  const zipKey = remoteKeys.zip(manifest.uuid);
  // One pass: each entry is hashed while it is extracted, not read back afterwards. Only the files
  // the manifest lists are accepted, each stopped at its declared size.
  let written;
  try {
    written = await unzipTo(
      zipPath,
      unzipDir,
      new Map(manifest.zip_files.map((f) => [f.path, f.size])),
      signal,
    );
  } catch (e) {
    if (!hasErrorCode(e, SyncErrorCodes.integrity)) throw e;
    throw new SyncError(
      SyncErrorCodes.integrity,
      `${remoteObjectName(store, zipKey)}: ${e.message}`,
      {
        cause: e,
        hint: e.hint,
        details: { ...e.details, key: zipKey },
      },
    );
  }
  for (const f of manifest.zip_files) {
    const d = written.get(f.path);
    if (!d || d.size !== f.size || d.sha256 !== f.sha256) {
      throw new SyncError(
        SyncErrorCodes.integrity,
        `${remoteObjectName(store, zipKey)}: ${f.path} does not match its manifest`,
        {
          details: { key: zipKey, path: f.path },
        },
      );
    }
  }
}

/** Runs at most `n` of the given tasks at once, in order of arrival. */
function limiter(n: number): <T>(task: () => Promise<T>) => Promise<T> {
  let active = 0;
  const waiting: (() => void)[] = [];
  return async <T>(task: () => Promise<T>): Promise<T> => {
    while (active >= n) await new Promise<void>((r) => waiting.push(r));
    active++;
    try {
      return await task();
    } finally {
      active--;
      waiting.shift()?.();
    }
  };
}

/** Above this many files one `sync -f` (syncfs) replaces a flush per file. */
const SYNCFS_THRESHOLD = 64;

/**
 * Makes files under `dir` durable: an fsync each (FSYNC_CONCURRENCY at a time), or for many files
 * one syncfs of their filesystem (`sync -f`, coreutils), which flushes the device once instead of
 * once per file; a failing `sync -f` falls back to per-file fsyncs.
 */
async function syncFiles(dir: string, files: readonly string[]): Promise<void> {
  if (files.length > SYNCFS_THRESHOLD) {
    const ok = await new Promise<boolean>((resolve) => {
      execFile('sync', ['-f', dir], (err) => resolve(err === null));
    });
    if (ok) return;
  }
  await mapLimit(files, FSYNC_CONCURRENCY, (f) => fsyncFile(join(dir, f)));
}

/** Waits for every task (none is left writing into staging), then throws the first failure. */
async function settled(tasks: Iterable<Promise<void>>): Promise<void> {
  const results = await Promise.allSettled(tasks);
  const failed = results.find((r) => r.status === 'rejected');
  if (failed) throw failed.reason;
}
