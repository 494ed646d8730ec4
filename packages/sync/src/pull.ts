import { mkdir, readFile, rename, rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { CatalogEntry, ManifestObject, ObjectStore } from '@feldera-sync/checkpoint';
import {
  appendToLocalCatalog,
  CATALOG_FILE,
  checkpointPaths,
  fsyncDir,
  hashFile,
  insertCatalogEntry,
  inspectLocalCheckpoint,
  readLocalCatalog,
  remoteKeys,
  remoteObjectName,
  ROOT_STATE_FILE,
  writeLocalCatalog,
  writeRootState,
} from '@feldera-sync/checkpoint';
import { SyncError, localDiskError, throwIfAborted } from '@feldera-sync/errors';
import type { SyncContext } from './context.js';
import { SyncErrorCodes } from './errors.js';
import { readingLocal } from './layout-errors.js';
import type { ProgressListener } from './progress.js';
import { ProgressTracker } from './progress.js';
import type { CheckpointSource } from './resolve.js';
import { listStaging, removeStaging, removeStagingRootIfEmpty, stagingPath } from './staging.js';
import { transferDeadlineMs } from './deadline.js';
import { persistHashes } from './hash-cache-save.js';
import { earlyWriteback, syncFiles } from './durable-files.js';
import { foreignCheckpoints, planForeignRemoval, removeForeign } from './pull-foreign-lineage.js';
import { planFromLocal, sizeOf } from './pull-local-plan.js';
import { unzipAndVerify } from './pull-unzip.js';

/** Objects hashed at once while verifying a download (the reads overlap the hashing). */
const HASH_CONCURRENCY = 2;

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
      if (sizeOf(join(ctx.storageDir, CATALOG_FILE)) === null)
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
              const size = sizeOf(path);
              if (size !== o.size) throw integrityError(store, o, { size: size ?? 0 });
              const d = await hashFile(path, { signal, sizeHint: size });
              if (d.sha256 !== o.sha256) throw integrityError(store, o, d);
              if (o.key === zipKey) await unzipAndVerify(store, manifest, path, unzipDir, signal);
            });
            check.catch(() => stop.abort());
            checks.set(key, check);
          };
          // The disk starts writing what arrived while the rest still downloads.
          const writeback = earlyWriteback(staging);
          const reportTransfer = progress.transfer();
          try {
            transferred = await store.downloadFiles('', step.keys, staging, {
              signal: signal ? AbortSignal.any([signal, stop.signal]) : stop.signal,
              onProgress: (p) => {
                reportTransfer(p);
                writeback.progress(p.bytesDone);
              },
              onObjectDone: verifyOne,
              // Every object is checked against the manifest's SHA-256 (verifyOne).
              verifiedByCaller: true,
              deadlineMs: transferDeadlineMs(step.bytes, ctx.transferTimeoutMs),
            });
          } catch (e) {
            // A verification that failed stopped the download: its error is the one that matters.
            await settled(checks.values());
            throw e;
          } finally {
            await writeback.stop();
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
        case 'install-shared': {
          // Shared files are immutable and unreferenced until the catalog names the checkpoint, so a
          // kill between these steps leaves nothing the layout would read.
          throwIfAborted(signal, 'pull');
          progress.phase('installing');
          await ensureCatalogFile();
          const made = new Set<string>();
          for (const key of step.keys) {
            const target = join(ctx.storageDir, key);
            const parent = dirname(target);
            if (!made.has(parent)) {
              await mkdir(parent, { recursive: true });
              made.add(parent);
            }
            await rename(join(staging, key), target);
            await ctx.hashes.remember(target, objectsByKey.get(key)!);
          }
          await fsyncDir(ctx.storageDir);
          break;
        }
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

/** Waits for every task (none is left writing into staging), then throws the first failure. */
async function settled(tasks: Iterable<Promise<void>>): Promise<void> {
  const results = await Promise.allSettled(tasks);
  const failed = results.find((r) => r.status === 'rejected');
  if (failed) throw failed.reason;
}
