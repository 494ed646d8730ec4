import { randomUUID } from 'node:crypto';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { ROOT_STATE_FILE, latestCompleteCheckpoint } from '@feldera-sync/checkpoint';
import type { ObjectStore } from '@feldera-sync/checkpoint';
import type { SyncConfig } from '@feldera-sync/config';
import { ERR_CONFIG_INVALID, periodicCheckpointIntervalSecs } from '@feldera-sync/config';
import type { RuntimeConfig } from '@feldera-sync/config';
import { createReferenceEngine } from '@feldera-sync/engine';
import type { Engine } from '@feldera-sync/engine';
import { SyncError, hasErrorCode, isSyncError } from '@feldera-sync/errors';
import { createRcloneStore, tuningFromSyncConfig } from '@feldera-sync/rclone';
import { createStandbyRunner, runtimeStatusOf, systemClock } from '@feldera-sync/standby';
import type { InitialMode, StandbyRunner, StandbyStateName } from '@feldera-sync/standby';
import {
  createStandbyHandlers,
  createSynchronizer,
  readStandbyStartFacts,
  SyncErrorCodes,
} from '@feldera-sync/sync';
import type { SyncLogger, Synchronizer } from '@feldera-sync/sync';
import { ApiErrorCodes, apiError } from './api-errors.js';
import { ServerErrorCodes } from './error-codes.js';
import { decodeCompletionToken, encodeCompletionToken } from './completion-token.js';
import type { BootstrapConfig, RunView } from './feldera-view.js';
import type { MetricsRegistry } from './metrics.js';
import type { PipelineLogger } from './pipeline-log.js';
import type {
  CompletionStatus,
  IngressChange,
  PipelineStatus,
  RuntimeStatus,
} from './pipeline-service.js';

/**
 * Feldera's own start failure for `fail_if_no_checkpoint` says the checkpoint "were not found in
 * source ..." (its checkpoint-sync tests match that phrase); say so, naming every source searched.
 */
export function checkpointNotFoundInSources(spec: string, cause: SyncError): SyncError {
  const searched = Array.isArray(cause.details?.searched) ? cause.details.searched.map(String) : [];
  const sources = searched.length > 0 ? searched.join(', ') : 'local storage';
  return new SyncError(
    cause.code,
    `checkpoint '${spec}' not found (fail_if_no_checkpoint is set): its files were not found in source ${sources}`,
    {
      cause,
      hint: cause.hint,
      details: { ...(cause.details ?? {}), spec, sources: searched },
    },
  );
}

/** The recorded failure of a run, kept after a stop until dismissed (Feldera's `deployment_error`). */
export interface RunFailure {
  code: string;
  message: string;
  /** The underlying error's code when `code` wraps it (e.g. `ERR_STORE_AUTH` under a failed final pull). */
  causeCode?: string;
}

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
  logger: PipelineLogger;
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
  private started: Promise<void> = Promise.resolve();
  /** When this run was created (Feldera's `start_time`). */
  readonly startedAtMs = Date.now();
  private stateSinceMs = this.startedAtMs;
  private desiredSinceMs = this.startedAtMs;
  private stopping = false;
  /** The failure that ended this run; stays after a stop until dismissed. */
  private failureRecord: RunFailure | null = null;
  private errorDismissed = false;
  private initialMode: InitialMode;
  private bootstrap: BootstrapConfig = {
    bootstrap_policy: 'await_approval',
    silent_bootstrap: false,
    concurrent_bootstrap: false,
  };

  constructor(
    private readonly deps: RuntimeDeps,
    initial: InitialMode,
  ) {
    this.initialMode = initial;
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
      if (!bucketStore) throw new SyncError(ERR_CONFIG_INVALID, 'sync.bucket is required');
      this.synchronizer = createSynchronizer({
        storageDir: deps.storageDir,
        store: bucketStore,
        readStore: storeFor(sync, 'read_bucket', deps.rcloneBinary),
        pipeline: { systemName: deps.systemName, givenName: deps.name() },
        retention: { minCount: sync.retention_min_count, minAgeDays: sync.retention_min_age },
        checkers: sync.checkers,
        transferTimeoutMs: sync.transfer_timeout === null ? null : sync.transfer_timeout * 1000,
        logger: syncLogger,
      });
    } else {
      this.synchronizer = null;
    }
    const intervalSecs = periodicCheckpointIntervalSecs(deps.config);
    const synchronizer = this.synchronizer;
    const store = bucketStore ?? null;
    const handlers = createStandbyHandlers({
      storageDir: deps.storageDir,
      synchronizer,
      store,
      identity: { systemName: deps.systemName, givenName: deps.name() },
      failIfNoCheckpoint: sync?.fail_if_no_checkpoint === true,
      // The storage directory is this pipeline's: checkpoints of another lineage in it (the bucket
      // does not name them) are removed and logged, as Feldera's startup GC keeps only what the
      // catalog names.
      replaceLocalOnRestore: true,
      clock: systemClock,
      logger: syncLogger,
      log: (entry) =>
        logger[entry.level]({ ...entry.fields, pipeline: deps.name() }, entry.message),
      onPulled: (request, report, durationMs) => {
        if (request.mode === 'restore')
          this.restoredFrom = { uuid: report.uuid, source: report.source };
        // Standby and final pulls: remember where the newest pulled checkpoint came from, so an
        // activated standby reports `restored_from` as bucket or read_bucket, not local.
        else if (report.uuid !== null)
          this.pulledFrom = { uuid: report.uuid, source: report.source };
        metrics.inc('feldera_sync_pull_total', { ...labels, result: 'success' });
        metrics.inc('feldera_sync_pull_bytes_total', labels, report.bytes);
        metrics.inc('feldera_sync_pull_seconds_total', labels, durationMs / 1000);
      },
      onPullFailed: () => metrics.inc('feldera_sync_pull_total', { ...labels, result: 'failure' }),
      engine: {
        start: async (request, signal) => {
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
        stop: async () => {
          synchronizer?.stopPeriodic();
          const engine = this.engine;
          this.engine = null;
          await engine?.close();
        },
      },
    });
    // Feldera's start failure for fail_if_no_checkpoint says the checkpoint "were not found in
    // source ..."; the synchroniser's error names every place searched, which the machine's own
    // "no checkpoint found" does not.
    const pull = handlers.pull.bind(handlers);
    handlers.pull = async (request, signal) => {
      try {
        return await pull(request, signal);
      } catch (err) {
        if (
          request.mode === 'restore' &&
          sync?.fail_if_no_checkpoint === true &&
          hasErrorCode(err, SyncErrorCodes.noCheckpoint)
        )
          throw checkpointNotFoundInSources(request.checkpoint, err);
        throw err;
      }
    };
    this.runner = createStandbyRunner({ clock: systemClock, handlers });
    this.runner.subscribe((notification) => {
      if (notification.type !== 'transition') return;
      const { previous, state } = notification.record;
      if (previous.name === state.name) return;
      this.stateSinceMs = Date.now();
      if (state.name === 'failed' && state.failure) {
        this.failureRecord = {
          code: state.failure.code,
          message: state.failure.message,
          ...(state.failure.causeCode === undefined ? {} : { causeCode: state.failure.causeCode }),
        };
        this.errorDismissed = false;
      }
    });
  }

  /** Starts in the background; the outcome shows in `status()`. */
  async start(initial: InitialMode, bootstrap?: BootstrapConfig): Promise<void> {
    if (bootstrap) this.bootstrap = bootstrap;
    this.initialMode = initial;
    const sync = this.deps.sync;
    const standby = initial === 'standby' || sync?.standby === true;
    if (standby && !sync?.start_from_checkpoint) {
      throw apiError(
        ApiErrorCodes.InvalidTransition,
        'standby needs storage.backend.config.sync.start_from_checkpoint',
        {
          hint: 'set start_from_checkpoint to "latest" or a checkpoint UUID',
        },
      );
    }
    const facts = await readStandbyStartFacts(this.deps.storageDir);
    // An activated (or activating) storage directory runs, whatever `standby` says: its desired
    // status is Running (Feldera's desired status of an activated pipeline), not Standby.
    const activated = facts.activatedMarkerPresent || facts.activationIntentPresent;
    if (standby) this.setDesired(activated ? 'Running' : 'Standby');
    this.started = this.runner
      .start({
        initial: standby ? 'standby' : initial,
        startFromCheckpoint: sync?.start_from_checkpoint ?? null,
        pullIntervalMs: (sync?.pull_interval ?? 10) * 1000,
        failIfNoCheckpoint: sync?.fail_if_no_checkpoint ?? false,
        ...facts,
      })
      .catch((err: unknown) => {
        this.startError = isSyncError(err)
          ? err
          : new SyncError(ServerErrorCodes.startFailed, String(err));
        this.failureRecord ??= { code: this.startError.code, message: this.startError.message };
        this.errorDismissed = false;
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

  /**
   * Leaves standby in the background. The machine decides: accepted (202) in standby, while
   * activating, running, paused, or activating by itself; rejected (400 `InvalidTransition`)
   * otherwise.
   */
  activate(): void {
    const leaving = this.runner.state.name === 'standby';
    const { outcome, done } = this.runner.requestActivate('running');
    if (!outcome.accepted) {
      throw apiError(
        ApiErrorCodes.InvalidTransition,
        outcome.reason ??
          `cannot activate a pipeline that is ${runtimeStatusOf(this.runner.state)}`,
        { state: this.runner.state.name },
      );
    }
    if (leaving) this.setDesired('Running');
    done.catch((err: unknown) => {
      this.deps.logger.error(
        {
          pipeline: this.deps.name(),
          code: isSyncError(err) ? err.code : undefined,
          err: err instanceof Error ? err.message : String(err),
        },
        'activation failed',
      );
    });
  }

  /** Pauses a running engine (Feldera's `/pause`); a paused one stays paused. */
  async pause(): Promise<void> {
    if (this.runner.state.name !== 'paused') await this.runner.pause();
    this.setDesired('Paused');
  }

  /** Resumes a paused engine (Feldera's `/resume`); a running one keeps running. */
  async resume(): Promise<void> {
    if (this.runner.state.name !== 'running') await this.runner.resume();
    this.setDesired('Running');
  }

  private setDesired(desired: RuntimeStatus): void {
    if (this.desired === desired) return;
    this.desired = desired;
    this.desiredSinceMs = Date.now();
  }

  /**
   * Stops everything; a running push gets `graceMs` to finish before it is cancelled. With
   * `checkpoint`, a running or paused engine first takes a checkpoint (Feldera's `force=false`);
   * when that fails the pipeline keeps running and the error is thrown.
   */
  async stop(graceMs: number, options: { checkpoint?: boolean } = {}): Promise<void> {
    if (options.checkpoint) {
      const state = this.runner.state.name;
      if (this.engine && (state === 'running' || state === 'paused')) await this.checkpoint();
    }
    this.setDesired('Stopped');
    this.stopping = true;
    this.stateSinceMs = Date.now();
    const timer = setTimeout(() => this.aborter.abort(new Error('pipeline stopping')), graceMs);
    timer.unref();
    try {
      await this.runner.stop();
      await this.synchronizer?.close({ cancelAfterMs: graceMs });
    } finally {
      clearTimeout(timer);
      this.stopping = false;
      this.stateSinceMs = Date.now();
    }
  }

  /** The failure this run ended with, unless dismissed. */
  failure(): RunFailure | null {
    return this.errorDismissed ? null : this.failureRecord;
  }

  /** Whether this run ended in failure (and was not stopped or dismissed since). */
  private failedNow(): boolean {
    const state = this.runner.state.name;
    if (this.desired === 'Stopped' && state === 'stopped') return false;
    return state === 'failed' || (this.startError !== null && state !== 'running');
  }

  /** Forgets the failure (Feldera's `/dismiss_error`); the run then reads as stopped. */
  dismissError(): void {
    this.errorDismissed = true;
    if (this.failedNow()) this.setDesired('Stopped');
  }

  /** What the Feldera view of the pipeline needs from this run. */
  runView(): RunView {
    const state: StandbyStateName = this.runner.state.name;
    const failed = !this.errorDismissed && this.failedNow();
    const dismissedFailure = this.errorDismissed && this.failedNow();
    return {
      state: dismissedFailure ? 'stopped' : state,
      stopping: this.stopping,
      failed,
      initial: this.initialMode,
      desired:
        failed || dismissedFailure
          ? 'Stopped'
          : this.desired === 'Stopped'
            ? 'Stopped'
            : this.desired === 'Standby' || this.desired === 'Paused'
              ? this.desired
              : 'Running',
      incarnation: this.incarnation,
      stateSinceMs: this.stateSinceMs,
      desiredSinceMs: this.desiredSinceMs,
      bootstrap: this.bootstrap,
    };
  }

  /** Applies one ingress request as one input step; answers with a completion token. */
  async ingest(
    table: string,
    changes: IngressChange[],
  ): Promise<{ applied: number; token: string }> {
    const engine = this.requireEngine();
    const insert: unknown[] = [];
    const del: unknown[] = [];
    for (const change of changes) {
      if ('insert' in change) insert.push(change.insert);
      else del.push(change.delete);
    }
    const result = await engine.ingest({ tables: { [table]: { insert, delete: del } } });
    return {
      applied: changes.length,
      token: encodeCompletionToken({ incarnation: this.incarnation, step: result.step }),
    };
  }

  /**
   * Feldera's `completion_status`: ingress answers once its step is applied, so every token of this
   * run is complete; a token of another run is an incarnation mismatch, anything else invalid.
   */
  completionStatus(token: string): CompletionStatus {
    const parsed = decodeCompletionToken(token);
    if (!parsed) {
      throw apiError(ApiErrorCodes.InvalidRequest, 'invalid completion token', {
        hint: 'pass the token an ingress request answered',
      });
    }
    if (parsed.incarnation !== this.incarnation) {
      throw apiError(
        ApiErrorCodes.IncarnationUuidMismatch,
        `the completion token belongs to incarnation ${parsed.incarnation}; the pipeline restarted since`,
        { requested: parsed.incarnation, expected: this.incarnation },
      );
    }
    const step = this.engine?.status().step ?? 0;
    return step >= parsed.step
      ? { status: 'complete', step: parsed.step }
      : { status: 'inprogress', step: null };
  }

  /** The running engine's counters for `/stats`. */
  engineStatus(): { step: number; processed_records: number } | null {
    const status = this.engine?.status();
    return status ? { step: status.step, processed_records: status.processed_records } : null;
  }

  /** The engine, when running or paused. */
  requireEngine(): Engine {
    const state = this.runner.state.name;
    if (!this.engine || (state !== 'running' && state !== 'paused')) {
      throw apiError(
        ApiErrorCodes.PipelineNotRunning,
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
        ApiErrorCodes.SyncNotConfigured,
        `pipeline '${this.deps.name()}' has no storage.backend.config.sync section`,
      );
    }
    const state = this.runner.state.name;
    if (state !== 'running' && state !== 'paused') {
      throw apiError(
        ApiErrorCodes.PipelineNotRunning,
        `pipeline '${this.deps.name()}' is ${runtimeStatusOf(this.runner.state)}; sync needs a running pipeline`,
      );
    }
    const latest = await latestCompleteCheckpoint(this.deps.storageDir);
    if (!latest) {
      throw apiError(ApiErrorCodes.NoCheckpointToSync, 'there is no local checkpoint to sync', {
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
    const stoppedOnRequest =
      (this.desired === 'Stopped' && snap.state === 'stopped') ||
      (this.errorDismissed && this.failedNow());
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
      took_over_from: snap.tookOverFrom,
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
