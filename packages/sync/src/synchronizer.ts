import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { DirLock, ObjectStore } from '@feldera-sync/checkpoint';
import { acquireDirLock } from '@feldera-sync/checkpoint';
import { SyncError, throwIfAborted } from '@feldera-sync/errors';
import type { Clock } from '@feldera-sync/clock';
import { systemClock } from '@feldera-sync/clock';
import type { SyncContext } from './context.js';
import { describeError } from './describe-error.js';
import { SyncErrorCodes } from './errors.js';
import type { GcReport } from './gc.js';
import { collectRemoteGarbage } from './gc.js';
import { HASH_CACHE_FILE, HashCache } from './hash.js';
import type { HashCacheOptions } from './hash.js';
import type { SyncLogger } from './logger.js';
import { silentLogger } from './logger.js';
import type { PipelineIdentity } from './ownership.js';
import type { ProgressListener, SyncProgress } from './progress.js';
import type { InstallOptions, PullReport } from './pull.js';
import { collectLocalGarbage } from './local-gc.js';
import { createPeriodicPusher } from './periodic-pusher.js';
import { installCheckpoint, pointRootStateAt } from './pull.js';
import type { PushReport } from './push.js';
import { PinSet } from './pins.js';
import { pushCheckpoint } from './push.js';
import { decidePushRequest } from './push-queue.js';
import { readBucketOwner } from './ownership.js';
import { ManifestCache } from './remote/manifest-cache.js';
import type { CheckpointSpec } from './resolve.js';
import { locateCheckpoint, resolveLocal } from './resolve.js';
import type { RetentionPolicy } from './retention-plan.js';
import type { StatusEvent, SyncStatus } from './status.js';
import { initialStatus, reduceStatus } from './status.js';
import { laneFor, runExclusive } from './storage-lane.js';
import type { VerifyReport } from './verify.js';
import { verifyCheckpoint } from './verify.js';

/** Options of `createSynchronizer`; plain values so the CLI and the server can wire them from config. */
export interface SynchronizerOptions {
  /** The pipeline's storage directory. */
  storageDir: string;
  /** The `bucket` location: read and written. */
  store: ObjectStore;
  /** The `read_bucket` location: only read, never written. */
  readStore?: ObjectStore | undefined;
  pipeline: PipelineIdentity;
  /** Remote retention (docs/sync.md); defaults 10 checkpoints and 30 days. */
  retention?: Partial<RetentionPolicy> | undefined;
  /** Concurrent `head` checks (config `checkers`); default 8. */
  checkers?: number | undefined;
  /**
   * Overall deadline of one transfer, ms (config `transfer_timeout`); default 10 minutes plus the
   * time the transfer's bytes take at 1 MiB/s. Past it the transfer fails with `ERR_STORE_TIMEOUT`.
   */
  transferTimeoutMs?: number | null | undefined;
  clock?: Clock | undefined;
  logger?: SyncLogger | undefined;
  /**
   * The hash cache of immutable files: `maxEntries` bounds it (LRU, default 200,000); `onHashed` is
   * called for every file actually read and hashed (a cache miss), for metrics and tests.
   */
  hashCache?: HashCacheOptions | undefined;
  /**
   * Lock the storage directory (`.feldera-sync.lock`, see `acquireDirLock`) from the first operation
   * that touches it until `close()`, so no other process pushes, pulls or removes staging there at
   * the same time (default true). Another live holder fails the operation with
   * `ERR_CHECKPOINT_LOCKED` naming its PID; a lock left by a dead process is taken over.
   */
  lockStorage?: boolean | undefined;
  /** What the lock file says this process is doing (default: the command line). */
  lockCommand?: string | undefined;
}

/** Options of a push request. */
export interface PushRequestOptions {
  signal?: AbortSignal | undefined;
  onProgress?: ProgressListener | undefined;
  /** Marks the push as periodic in status. Set by the periodic scheduler. */
  periodic?: boolean | undefined;
}

/** Options of `pull` and `restore`. */
export interface PullOptions extends InstallOptions {
  /** `'latest'` (default) or a checkpoint UUID. */
  spec?: CheckpointSpec | undefined;
  /** Fail with ERR_SYNC_NO_CHECKPOINT when nothing is found; else report source `none`. */
  failIfNoCheckpoint?: boolean | undefined;
}

/** The synchroniser of one pipeline's storage directory. */
export interface Synchronizer {
  /** Pushes a complete local checkpoint (`'latest'`: the newest). Requests for one checkpoint share one push. */
  push(spec: CheckpointSpec, options?: PushRequestOptions): Promise<PushReport>;
  /** Standby pull: resolves `spec` in bucket then read_bucket and installs what is missing. */
  pull(options?: PullOptions): Promise<PullReport>;
  /** Start-time restore: resolves local -> bucket -> read_bucket and installs a remote hit. */
  restore(options?: PullOptions): Promise<PullReport>;
  /** Checks every object of a remote checkpoint against its manifest. */
  verify(
    spec: CheckpointSpec,
    options?: { signal?: AbortSignal | undefined; source?: 'bucket' | 'read_bucket' },
  ): Promise<VerifyReport>;
  /** Deletes remote objects left by interrupted pushes (lists the bucket). */
  gc(options?: {
    dryRun?: boolean | undefined;
    signal?: AbortSignal | undefined;
    /** Unfinished multipart uploads older than this are aborted (default 24 h). */
    uploadGraceMs?: number | undefined;
  }): Promise<GcReport>;
  /** Current status (the sync_status fields of docs/http-api.md, plus progress). */
  status(): SyncStatus;
  /** Checkpoints pinned by a push in flight; local GC must keep their files. */
  pins(): ReadonlySet<string>;
  /** Starts pushing the newest unsynced local checkpoint every `intervalMs` after the last success. */
  startPeriodic(options: { intervalMs: number; retryBaseMs?: number; retryCapMs?: number }): void;
  stopPeriodic(): void;
  /**
   * Stops the periodic pusher and waits for running work; a periodic push still running after
   * `cancelAfterMs` is cancelled. Later calls fail with ERR_SYNC_CLOSED.
   */
  close(options?: { cancelAfterMs?: number | undefined }): Promise<void>;
}

/** Creates the synchroniser for one storage directory and bucket. */
export function createSynchronizer(options: SynchronizerOptions): Synchronizer {
  const clock = options.clock ?? systemClock;
  const logger = options.logger ?? silentLogger;
  const ctx: SyncContext = {
    storageDir: options.storageDir,
    store: options.store,
    readStore: options.readStore,
    pipeline: options.pipeline,
    retention: {
      minCount: options.retention?.minCount ?? 10,
      minAgeDays: options.retention?.minAgeDays ?? 30,
    },
    clock,
    logger,
    hashes: new HashCache({
      ...options.hashCache,
      persistPath:
        options.hashCache?.persist === false
          ? undefined
          : join(options.storageDir, HASH_CACHE_FILE),
    }),
    manifests: new ManifestCache(),
    pins: new PinSet(),
    checkers: Math.max(1, options.checkers ?? 8),
    transferTimeoutMs: options.transferTimeoutMs ?? null,
  };
  const lane = laneFor(options.storageDir);
  let storageLock: Promise<DirLock | null> | null = null;
  /** Takes the storage lock once (kept until close); `create` makes a missing directory first. */
  const lockStorage = async (create: boolean): Promise<void> => {
    if (options.lockStorage === false) return;
    storageLock ??= (async () => {
      if (create) await mkdir(ctx.storageDir, { recursive: true });
      else if (!existsSync(ctx.storageDir)) return null;
      return acquireDirLock(ctx.storageDir, { command: options.lockCommand });
    })();
    try {
      if ((await storageLock) === null) storageLock = null;
    } catch (e) {
      storageLock = null;
      throw e;
    }
  };
  let state: SyncStatus = initialStatus;
  let closed = false;
  const warnedOwners = new Set<string>();
  const dispatch = (event: StatusEvent): void => {
    state = reduceStatus(state, event);
  };
  const checkOpen = (): void => {
    if (closed) throw new SyncError(SyncErrorCodes.closed, 'the synchroniser is closed');
  };
  const tracking =
    (listener: ProgressListener | undefined): ProgressListener =>
    (p: SyncProgress) => {
      dispatch({ type: 'progress', progress: p });
      listener?.(p);
    };

  const periodic = createPeriodicPusher({
    storageDir: ctx.storageDir,
    clock,
    logger,
    push: (uuid, signal) => push(uuid, { periodic: true, signal }),
    lastSynced: () => state.lastSynced,
    lastSuccessAt: () => state.lastSuccessAt,
  });

  const runPush = async (uuid: string, opts: PushRequestOptions): Promise<PushReport> => {
    lane.running = uuid;
    const isPeriodic = opts.periodic === true;
    dispatch({
      type: 'started',
      progress: startingProgress('push', uuid),
    });
    try {
      const report = await pushCheckpoint(ctx, uuid, {
        signal: opts.signal,
        onProgress: tracking(opts.onProgress),
      });
      dispatch({ type: 'push-succeeded', uuid, periodic: isPeriodic, at: clock.now() });
      // "push_interval" counts from the end of the last successful sync, manual ones included.
      if (!isPeriodic) periodic.manualPushSucceeded();
      return report;
    } catch (e) {
      dispatch({
        type: 'push-failed',
        uuid,
        periodic: isPeriodic,
        at: clock.now(),
        ...describeError(e),
      });
      throw e;
    } finally {
      lane.running = null;
      dispatch({ type: 'finished' });
    }
  };

  const push = async (spec: CheckpointSpec, opts: PushRequestOptions = {}): Promise<PushReport> => {
    checkOpen();
    throwIfAborted(opts.signal, 'push');
    // A named checkpoint is pinned before the first await, so the engine's GC cannot remove it
    // while this request resolves, waits behind another push, or joins one.
    const early = spec === 'latest' ? null : ctx.pins.pin(spec);
    try {
      return await enqueuePush(spec, opts);
    } finally {
      early?.();
    }
  };

  const enqueuePush = async (
    spec: CheckpointSpec,
    opts: PushRequestOptions,
  ): Promise<PushReport> => {
    const uuid =
      spec === 'latest'
        ? await resolveLocal(ctx.storageDir, 'latest', opts.signal)
        : spec.toLowerCase();
    if (uuid === null) {
      throw new SyncError(
        SyncErrorCodes.checkpointNotFound,
        `checkpoint 'latest' not found in local storage`,
        {
          hint: 'make a checkpoint first',
        },
      );
    }
    const decision = decidePushRequest(
      { running: lane.running, queued: [...lane.pushes.keys()].filter((u) => u !== lane.running) },
      uuid,
    );
    switch (decision.action) {
      case 'join-running':
      case 'join-queued': {
        const shared = lane.pushes.get(uuid);
        if (shared) return shared;
        break;
      }
      case 'enqueue':
        break;
    }
    // Queued work keeps its checkpoint pinned until it has run.
    const release = ctx.pins.pin(uuid);
    const promise = runExclusive(lane, async () => {
      await lockStorage(false);
      return runPush(uuid, opts);
    }).finally(() => {
      release();
      if (lane.pushes.get(uuid) === promise) lane.pushes.delete(uuid);
    });
    lane.pushes.set(uuid, promise);
    return promise;
  };

  const pullWith = async (includeLocal: boolean, opts: PullOptions): Promise<PullReport> => {
    checkOpen();
    const spec = opts.spec ?? 'latest';
    return runExclusive(lane, async () => {
      await lockStorage(true);
      const started = clock.now();
      const resolution = await locateCheckpoint(ctx, spec, { includeLocal, signal: opts.signal });
      switch (resolution.source) {
        case 'none':
          if (opts.failIfNoCheckpoint) {
            const where =
              resolution.searched.length > 0
                ? `not found in ${resolution.searched.join(', ')}`
                : `not found: ${resolution.reason}`;
            throw new SyncError(SyncErrorCodes.noCheckpoint, `checkpoint '${spec}' ${where}`, {
              hint: 'set fail_if_no_checkpoint to false to start from empty state, or point start_from_checkpoint at an existing checkpoint',
              details: { spec, searched: resolution.searched },
            });
          }
          return {
            uuid: null,
            source: 'none',
            bytes: 0,
            objects: 0,
            reused: 0,
            reusedBytes: 0,
            alreadyInstalled: false,
            removedLocal: [],
            durationMs: clock.now() - started,
          };
        case 'local':
          await pointRootStateAt(ctx.storageDir, resolution.uuid);
          return {
            uuid: resolution.uuid,
            source: 'local',
            bytes: 0,
            objects: 0,
            reused: 0,
            reusedBytes: 0,
            alreadyInstalled: true,
            removedLocal: [],
            durationMs: clock.now() - started,
          };
        case 'bucket':
        case 'read_bucket': {
          if (resolution.source === 'bucket') {
            const owner = await readBucketOwner(resolution.store, opts.signal);
            if (
              owner &&
              owner.pipeline_name !== ctx.pipeline.systemName &&
              !warnedOwners.has(owner.pipeline_name)
            ) {
              warnedOwners.add(owner.pipeline_name);
              logger.warn(
                `pulling from a bucket owned by ${owner.given_name} (id: ${owner.pipeline_name})`,
                {
                  owner: owner.pipeline_name,
                },
              );
            }
          }
          const uuid = resolution.uuid;
          dispatch({
            type: 'started',
            progress: startingProgress('pull', uuid),
          });
          try {
            const report = await installCheckpoint(
              ctx,
              resolution.store,
              resolution.source,
              resolution.entry,
              resolution.catalog,
              {
                signal: opts.signal,
                onProgress: tracking(opts.onProgress),
                // A standby's storage mirrors the bucket: by default anything else in it goes (and is
                // reported); a restore refuses unless asked.
                replaceLocal: opts.replaceLocal ?? !includeLocal,
              },
            );
            // A standby installs a checkpoint per primary push and takes none itself: without this
            // its storage would grow for as long as it stands by.
            if (!includeLocal) {
              const gc = await collectLocalGarbage(ctx.storageDir, [uuid, ...ctx.pins], {
                signal: opts.signal,
              });
              if (gc.removed.length > 0)
                logger.debug('standby removed older local checkpoints', { ...gc });
            }
            return report;
          } finally {
            dispatch({ type: 'finished' });
          }
        }
      }
    });
  };

  return {
    push,
    pull: (opts = {}) => pullWith(false, opts),
    restore: (opts = {}) => pullWith(true, opts),
    verify: (spec, opts = {}) => {
      checkOpen();
      const store = opts.source === 'read_bucket' ? ctx.readStore : ctx.store;
      if (!store)
        return Promise.reject(
          new SyncError(SyncErrorCodes.checkpointNotFound, 'no read_bucket is configured'),
        );
      return runExclusive(lane, async () => {
        await lockStorage(true);
        return verifyCheckpoint(ctx, store, spec, opts.signal);
      });
    },
    gc: (opts = {}) => {
      checkOpen();
      return runExclusive(lane, () =>
        collectRemoteGarbage(ctx, opts.dryRun ?? false, opts.signal, opts.uploadGraceMs),
      );
    },
    status: () => state,
    pins: () => new Set(ctx.pins),
    startPeriodic: (opts) => {
      checkOpen();
      periodic.start(opts);
    },
    stopPeriodic: () => periodic.stop(),
    close: async (closeOptions = {}) => {
      const stopCancelTimer = periodic.close(closeOptions.cancelAfterMs);
      closed = true;
      try {
        await lane.tail;
      } finally {
        stopCancelTimer();
        const lock = storageLock ? await storageLock.catch(() => null) : null;
        storageLock = null;
        await lock?.release();
      }
    },
  };
}

/** The progress a push or pull reports as it starts, before it knows its sizes. */
function startingProgress(operation: 'push' | 'pull', uuid: string): SyncProgress {
  return {
    operation,
    uuid,
    phase: 'preparing',
    bytesDone: 0,
    bytesTotal: 0,
    objectsDone: 0,
    objectsTotal: 0,
    speed: 0,
  };
}
