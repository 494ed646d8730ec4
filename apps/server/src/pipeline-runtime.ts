import { randomUUID } from 'node:crypto';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from 'pino';
import {
  ROOT_STATE_FILE,
  readActivationMarker,
  latestCompleteCheckpoint,
  writeActivationMarker,
} from '@feldera-sync/checkpoint';
import type { ObjectStore } from '@feldera-sync/checkpoint';
import type { SyncConfig } from '@feldera-sync/config';
import { periodicCheckpointIntervalSecs } from '@feldera-sync/config';
import type { RuntimeConfig } from '@feldera-sync/config';
import { createReferenceEngine } from '@feldera-sync/engine';
import type { Engine } from '@feldera-sync/engine';
import { SyncError, isSyncError } from '@feldera-sync/errors';
import { createRcloneStore, tuningFromSyncConfig } from '@feldera-sync/rclone';
import { createStandbyRunner, runtimeStatusOf, systemClock } from '@feldera-sync/standby';
import type { InitialMode, StandbyRunner } from '@feldera-sync/standby';
import { createSynchronizer, takeOverOwnership } from '@feldera-sync/sync';
import type { SyncLogger, Synchronizer } from '@feldera-sync/sync';
import { apiError } from './api-errors.js';
import type { MetricsRegistry } from './metrics.js';
import type { PipelineStatus, RuntimeStatus } from './pipeline-service.js';

/** Builds the ObjectStore for a sync config's `bucket` (or `read_bucket`). */
export function storeFor(
  sync: SyncConfig,
  which: 'bucket' | 'read_bucket',
  rcloneBinary: string,
): ObjectStore | undefined {
  const bucket = which === 'bucket' ? sync.bucket : sync.read_bucket;
  if (!bucket) return undefined;
  return createRcloneStore({
    binary: rcloneBinary,
    remote: {
      provider: sync.provider,
      endpoint: sync.endpoint ?? undefined,
      region: sync.region ?? undefined,
      accessKey: sync.access_key ?? undefined,
      secretKey: sync.secret_key ?? undefined,
      bucket,
    },
    tuning: tuningFromSyncConfig(sync),
    // s3rver ("Other" on loopback) ignores If-None-Match; real stores honour it.
    conditionalPut: sync.provider !== 'Other',
  });
}

/** What one run (incarnation) of a pipeline needs from the manager. */
export interface RuntimeDeps {
  name: () => string;
  systemName: string;
  storageDir: string;
  config: RuntimeConfig;
  sync: SyncConfig | null;
  logger: Logger;
  metrics: MetricsRegistry;
  rcloneBinary: string;
}

/**
 * One incarnation of a running pipeline: the engine, the synchroniser and the standby runner that
 * decides between restoring, standing by and running.
 */
export class PipelineRuntime {
  readonly incarnation = randomUUID();
  readonly runner: StandbyRunner;
  readonly synchronizer: Synchronizer | null;
  private engine: Engine | null = null;
  private desired: RuntimeStatus;
  private startError: SyncError | null = null;
  private checkpointSeq = 0;
  private checkpointSuccess: number | null = null;
  private checkpointFailure: { sequence_number: number; error: string } | null = null;
  private restoredFrom: { uuid: string | null; source: string } | null = null;
  private pulledFrom: { uuid: string; source: string } | null = null;
  private readonly aborter = new AbortController();
  /** The system name of the primary this standby took the bucket over from on activation. */
  private tookOverFrom: string | null = null;
  private started: Promise<void> = Promise.resolve();

  constructor(
    private readonly deps: RuntimeDeps,
    initial: InitialMode,
  ) {
    this.desired = initial === 'standby' ? 'Standby' : initial === 'paused' ? 'Paused' : 'Running';
    const { sync, logger, metrics } = deps;
    const labels = { pipeline: deps.systemName };
    const syncLogger: SyncLogger = {
      debug: (msg, fields) => logger.debug({ ...fields, pipeline: deps.name() }, msg),
      info: (msg, fields) => {
        if (msg === 'checkpoint pushed') {
          metrics.inc('feldera_sync_push_total', { ...labels, result: 'success' });
          metrics.inc('feldera_sync_push_bytes_total', labels, Number(fields?.bytes ?? 0));
          metrics.inc(
            'feldera_sync_push_seconds_total',
            labels,
            Number(fields?.durationMs ?? 0) / 1000,
          );
        }
        logger.info({ ...fields, pipeline: deps.name() }, msg);
      },
      warn: (msg, fields) => {
        if (msg === 'periodic checkpoint sync failed')
          metrics.inc('feldera_sync_push_total', { ...labels, result: 'failure' });
        logger.warn({ ...fields, pipeline: deps.name() }, msg);
      },
      error: (msg, fields) => logger.error({ ...fields, pipeline: deps.name() }, msg),
    };
    const bucketStore = sync ? storeFor(sync, 'bucket', deps.rcloneBinary) : undefined;
    if (sync) {
      if (!bucketStore) throw new SyncError('ERR_CONFIG_INVALID', 'sync.bucket is required');
      this.synchronizer = createSynchronizer({
        storageDir: deps.storageDir,
        store: bucketStore,
        readStore: storeFor(sync, 'read_bucket', deps.rcloneBinary),
        pipeline: { systemName: deps.systemName, givenName: deps.name() },
        retention: { minCount: sync.retention_min_count, minAgeDays: sync.retention_min_age },
        checkers: sync.checkers,
        logger: syncLogger,
      });
    } else {
      this.synchronizer = null;
    }
    const intervalSecs = periodicCheckpointIntervalSecs(deps.config);
    const synchronizer = this.synchronizer;
    this.runner = createStandbyRunner({
      clock: systemClock,
      handlers: {
        pull: async (request, signal) => {
          const started = Date.now();
          if (request.sources === 'local-only' || !synchronizer) {
            const local = await latestCompleteCheckpoint(deps.storageDir);
            return { checkpointUuid: local?.uuid ?? null };
          }
          const spec = request.checkpoint;
          // A start restore with fail_if_no_checkpoint lets the synchroniser fail: its error says
          // "checkpoint '<spec>' not found in <every place searched>", which the machine's own
          // "no checkpoint found" does not.
          const failIfNoCheckpoint =
            request.mode === 'restore' && sync?.fail_if_no_checkpoint === true;
          try {
            const report =
              request.sources === 'local-first'
                ? // The storage directory is this pipeline's: checkpoints of another lineage in it
                  // (the bucket does not name them) are removed and logged, as Feldera's startup
                  // GC keeps only what the catalog names.
                  await synchronizer.restore({
                    spec,
                    failIfNoCheckpoint,
                    replaceLocal: true,
                    signal,
                  })
                : await synchronizer.pull({ spec, failIfNoCheckpoint: false, signal });
            if (request.mode === 'restore')
              this.restoredFrom = { uuid: report.uuid, source: report.source };
            // Standby and final pulls: remember where the newest pulled checkpoint came from, so an
            // activated standby reports `restored_from` as bucket or read_bucket, not local.
            else if (report.uuid !== null)
              this.pulledFrom = { uuid: report.uuid, source: report.source };
            metrics.inc('feldera_sync_pull_total', { ...labels, result: 'success' });
            metrics.inc('feldera_sync_pull_bytes_total', labels, report.bytes);
            metrics.inc('feldera_sync_pull_seconds_total', labels, (Date.now() - started) / 1000);
            return { checkpointUuid: report.uuid, bytes: report.bytes };
          } catch (err) {
            metrics.inc('feldera_sync_pull_total', { ...labels, result: 'failure' });
            throw err;
          }
        },
        startEngine: async (request, signal) => {
          const engine = createReferenceEngine({
            ...(intervalSecs === null ? {} : { checkpointIntervalMs: intervalSecs * 1000 }),
            pins: () => synchronizer?.pins() ?? [],
            onBackgroundError: (error) =>
              logger.warn(
                { pipeline: deps.name(), code: error.code, err: error.message },
                'engine background work failed',
              ),
          });
          if (request.checkpointUuid === null && sync?.start_from_checkpoint) {
            // start_from_checkpoint resolved to nothing (and fail_if_no_checkpoint is off): SPEC
            // section 5 says start from empty state. The engine resumes from the root state.json,
            // which may name some other local checkpoint; move it out of the way. The checkpoints
            // themselves stay, so a later start from "latest" still finds them.
            await rm(join(deps.storageDir, ROOT_STATE_FILE), { force: true });
          }
          await engine.open(deps.storageDir, { signal });
          this.engine = engine;
          if (request.checkpointUuid && !this.restoredFrom) {
            const pulled =
              this.pulledFrom?.uuid === request.checkpointUuid ? this.pulledFrom : null;
            this.restoredFrom = pulled ?? { uuid: request.checkpointUuid, source: 'local' };
          }
          // Without start_from_checkpoint the engine still resumes from the storage directory's
          // root state.json: say so rather than reporting a fresh start.
          const resumed = engine.status().lastCheckpoint;
          if (!this.restoredFrom && resumed)
            this.restoredFrom = { uuid: resumed.uuid, source: 'local' };
          if (sync?.push_interval)
            synchronizer?.startPeriodic({ intervalMs: sync.push_interval * 1000 });
        },
        writeMarker: async (signal) => {
          // Failover: the activated standby becomes the bucket's owner, so the old primary's next
          // push is refused instead of racing this pipeline's pushes.
          if (bucketStore) {
            const takeover = await takeOverOwnership(
              bucketStore,
              { systemName: deps.systemName, givenName: deps.name() },
              systemClock,
              syncLogger,
              signal,
            );
            if (takeover.tookOver) this.tookOverFrom = takeover.previous?.pipeline_name ?? null;
          }
          const local = await latestCompleteCheckpoint(deps.storageDir, { signal });
          // Feldera's form: the metadata of the checkpoint activated from, or null.
          await writeActivationMarker(deps.storageDir, local, { signal });
        },
        stopEngine: async () => {
          synchronizer?.stopPeriodic();
          const engine = this.engine;
          this.engine = null;
          await engine?.close();
        },
        log: (entry) =>
          logger[entry.level]({ ...entry.fields, pipeline: deps.name() }, entry.message),
      },
    });
  }

  /** Starts in the background; the outcome shows in `status()`. */
  async start(initial: InitialMode): Promise<void> {
    const sync = this.deps.sync;
    const standby = initial === 'standby' || sync?.standby === true;
    if (standby && !sync?.start_from_checkpoint) {
      throw apiError(
        'InvalidTransition',
        'standby needs storage.backend.config.sync.start_from_checkpoint',
        {
          hint: 'set start_from_checkpoint to "latest" or a checkpoint UUID',
        },
      );
    }
    if (standby) this.desired = 'Standby';
    const marker = await readActivationMarker(this.deps.storageDir);
    const local = await latestCompleteCheckpoint(this.deps.storageDir).catch(() => null);
    this.started = this.runner
      .start({
        initial: standby ? 'standby' : initial,
        startFromCheckpoint: sync?.start_from_checkpoint ?? null,
        pullIntervalMs: (sync?.pull_interval ?? 10) * 1000,
        failIfNoCheckpoint: sync?.fail_if_no_checkpoint ?? false,
        activatedMarkerPresent: marker !== null,
        hasLocalCheckpoint: local !== null,
      })
      .catch((err: unknown) => {
        this.startError = isSyncError(err)
          ? err
          : new SyncError('ERR_SERVER_START_FAILED', String(err));
        this.deps.logger.error(
          { pipeline: this.deps.name(), code: this.startError.code, err: this.startError.message },
          'pipeline failed to start',
        );
      });
  }

  /** Resolves once the start settled (standby, running, paused or failed). */
  whenStarted(): Promise<void> {
    return this.started;
  }

  /** Leaves standby in the background; 400 when the machine cannot activate now. */
  activate(): void {
    const state = this.runner.state.name;
    if (state === 'running' || state === 'activating') return;
    if (state !== 'standby') {
      throw apiError(
        'InvalidTransition',
        `cannot activate a pipeline that is ${runtimeStatusOf(this.runner.state)}`,
        { state },
      );
    }
    this.desired = 'Running';
    this.runner.activate('running').catch((err: unknown) => {
      this.deps.logger.error(
        { pipeline: this.deps.name(), err: err instanceof Error ? err.message : String(err) },
        'activation failed',
      );
    });
  }

  /** Stops everything; a running push gets `graceMs` to finish before it is cancelled. */
  async stop(graceMs: number): Promise<void> {
    this.desired = 'Stopped';
    const timer = setTimeout(() => this.aborter.abort(new Error('pipeline stopping')), graceMs);
    timer.unref();
    try {
      await this.runner.stop();
      await this.synchronizer?.close({ cancelAfterMs: graceMs });
    } finally {
      clearTimeout(timer);
    }
  }

  /** The engine, when running or paused. */
  requireEngine(): Engine {
    const state = this.runner.state.name;
    if (!this.engine || (state !== 'running' && state !== 'paused')) {
      throw apiError(
        'PipelineNotRunning',
        `pipeline '${this.deps.name()}' is ${runtimeStatusOf(this.runner.state)}, not running`,
      );
    }
    return this.engine;
  }

  /** Takes a checkpoint and records its sequence number in the checkpoint status. */
  async checkpoint(): Promise<{
    checkpoint_sequence_number: number;
    incarnation_uuid: string;
    uuid: string;
  }> {
    const engine = this.requireEngine();
    const seq = ++this.checkpointSeq;
    try {
      const result = await engine.checkpoint();
      this.checkpointSuccess = seq;
      this.deps.metrics.inc('feldera_sync_checkpoint_total', {
        pipeline: this.deps.systemName,
        result: 'success',
      });
      return {
        checkpoint_sequence_number: seq,
        incarnation_uuid: this.incarnation,
        uuid: result.uuid,
      };
    } catch (err) {
      this.checkpointFailure = {
        sequence_number: seq,
        error: isSyncError(err) ? err.message : String(err),
      };
      this.deps.metrics.inc('feldera_sync_checkpoint_total', {
        pipeline: this.deps.systemName,
        result: 'failure',
      });
      throw err;
    }
  }

  checkpointStatus(): {
    success: number | null;
    failure: { sequence_number: number; error: string } | null;
  } {
    return { success: this.checkpointSuccess, failure: this.checkpointFailure };
  }

  /** Starts pushing the newest local checkpoint; answers at once with its UUID. */
  async sync(): Promise<{ checkpoint_uuid: string; incarnation_uuid: string }> {
    const synchronizer = this.synchronizer;
    if (!synchronizer) {
      throw apiError(
        'SyncNotConfigured',
        `pipeline '${this.deps.name()}' has no storage.backend.config.sync section`,
      );
    }
    const state = this.runner.state.name;
    if (state !== 'running' && state !== 'paused') {
      throw apiError(
        'PipelineNotRunning',
        `pipeline '${this.deps.name()}' is ${runtimeStatusOf(this.runner.state)}; sync needs a running pipeline`,
      );
    }
    const latest = await latestCompleteCheckpoint(this.deps.storageDir);
    if (!latest) {
      throw apiError('NoCheckpointToSync', 'there is no local checkpoint to sync', {
        hint: 'POST .../checkpoint first',
      });
    }
    const push = synchronizer.push(latest.uuid, { signal: this.aborter.signal });
    push.catch((err: unknown) => {
      this.deps.metrics.inc('feldera_sync_push_total', {
        pipeline: this.deps.systemName,
        result: 'failure',
      });
      this.deps.logger.warn(
        {
          pipeline: this.deps.name(),
          uuid: latest.uuid,
          code: isSyncError(err) ? err.code : undefined,
          err: err instanceof Error ? err.message : String(err),
        },
        'checkpoint sync failed',
      );
    });
    return { checkpoint_uuid: latest.uuid, incarnation_uuid: this.incarnation };
  }

  /** The status answer's runtime part. */
  status(base: { name: string; system_name: string }, now: number): PipelineStatus {
    const snap = this.runner.snapshot();
    // Stopped on request: Stopped, whatever the start did before (a failed start used to stay
    // Failed after POST /stop, so waiting for Stopped never ended).
    const stoppedOnRequest = this.desired === 'Stopped' && snap.state === 'stopped';
    const failure = stoppedOnRequest
      ? null
      : (snap.failure ??
        (this.startError
          ? { code: this.startError.code, message: this.startError.message }
          : null));
    const runtime = stoppedOnRequest
      ? 'Stopped'
      : this.startError && snap.state !== 'running'
        ? 'Failed'
        : runtimeStatusOf(snap.machine);
    const engineStatus = this.engine?.status();
    const standbyLike =
      snap.state === 'standby' || snap.state === 'activating' || snap.totalPulls > 0;
    return {
      ...base,
      runtime_status: runtime,
      runtime_desired_status: this.desired,
      incarnation_uuid: this.incarnation,
      error: failure ? { message: failure.message, error_code: failure.code } : null,
      standby: standbyLike
        ? {
            last_pull_at:
              snap.lastPullAtMs === null ? null : new Date(snap.lastPullAtMs).toISOString(),
            last_pulled_checkpoint: snap.lastPulledCheckpoint?.uuid ?? null,
            last_pulled_checkpoint_age_secs:
              snap.lastPulledCheckpoint?.timeMs == null
                ? null
                : Math.max(0, (now - snap.lastPulledCheckpoint.timeMs) / 1000),
            consecutive_pull_failures: snap.consecutivePullFailures,
            last_pull_error: snap.lastPullError?.message ?? null,
          }
        : null,
      restored_from: this.restoredFrom,
      took_over_from: this.tookOverFrom,
      processed_records: engineStatus?.processed_records ?? null,
      steps: engineStatus?.step ?? null,
    };
  }

  /** Gauges computed at scrape time. */
  updateGauges(now: number): void {
    const snap = this.runner.snapshot();
    const labels = { pipeline: this.deps.systemName };
    const { metrics } = this.deps;
    metrics.set(
      'feldera_sync_standby_consecutive_pull_failures',
      labels,
      snap.consecutivePullFailures,
    );
    metrics.set(
      'feldera_sync_standby_checkpoint_age_seconds',
      labels,
      snap.lastPulledCheckpoint?.timeMs == null
        ? -1
        : (now - snap.lastPulledCheckpoint.timeMs) / 1000,
    );
    metrics.set(
      'feldera_sync_pipeline_up',
      labels,
      snap.state === 'running' || snap.state === 'paused' || snap.state === 'standby' ? 1 : 0,
    );
  }
}
