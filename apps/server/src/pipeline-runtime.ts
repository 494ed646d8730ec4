import { randomUUID } from 'node:crypto';
import { latestCompleteCheckpoint } from '@feldera-sync/checkpoint';
import type { RuntimeConfig, SyncConfig } from '@feldera-sync/config';
import type { Engine } from '@feldera-sync/engine';
import { SyncError, isSyncError } from '@feldera-sync/errors';
import { openSyncStores, rcloneStoreFactory } from '@feldera-sync/rclone';
import { createStandbyRunner, runtimeStatusOf, systemClock } from '@feldera-sync/standby';
import type { InitialMode, StandbyRunner } from '@feldera-sync/standby';
import {
  createStandbyHandlers,
  createSynchronizer,
  readStandbyStartFacts,
  synchronizerSettingsFrom,
} from '@feldera-sync/sync';
import type { Synchronizer } from '@feldera-sync/sync';
import { ApiErrorCodes, apiError } from './api-errors.js';
import { ServerErrorCodes } from './error-codes.js';
import { withFelderaNotFoundMessage } from './checkpoint-not-found.js';
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
import { pipelineStatusOf, runFailedNow, runViewOf } from './pipeline-status-view.js';
import type { RunFacts } from './pipeline-status-view.js';
import { createReferenceStandbyEngine } from './reference-standby-engine.js';
import type { ReferenceStandbyEngine } from './reference-standby-engine.js';
import { RestoreOrigin } from './restore-origin.js';
import { pipelineMetrics } from './sync-metrics.js';
import type { PipelineMetrics } from './sync-metrics.js';
import { pipelineSyncLogger } from './sync-logger.js';

/** The recorded failure of a run, kept after a stop until dismissed (Feldera's `deployment_error`). */
export interface RunFailure {
  code: string;
  message: string;
  /** The underlying error's code when `code` wraps it (e.g. `ERR_STORE_AUTH` under a failed final pull). */
  causeCode?: string;
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
  private readonly engine: ReferenceStandbyEngine;
  private readonly metrics: PipelineMetrics;
  private readonly origin = new RestoreOrigin();
  private desired: RuntimeStatus;
  private startError: SyncError | null = null;
  private checkpointSeq = 0;
  private checkpointSuccess: number | null = null;
  private checkpointFailure: { sequence_number: number; error: string } | null = null;
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
    const { sync, logger } = deps;
    this.metrics = pipelineMetrics(deps.metrics, deps.systemName);
    const syncLogger = pipelineSyncLogger(logger, deps.name, (event) => this.metrics.sync(event));
    const stores = sync
      ? openSyncStores(sync, { factory: rcloneStoreFactory(deps.rcloneBinary) })
      : null;
    this.synchronizer =
      sync && stores
        ? createSynchronizer({
            storageDir: deps.storageDir,
            store: stores.store,
            readStore: stores.readStore,
            pipeline: { systemName: deps.systemName, givenName: deps.name() },
            ...synchronizerSettingsFrom(sync),
            logger: syncLogger,
          })
        : null;
    this.engine = createReferenceStandbyEngine({
      storageDir: deps.storageDir,
      config: deps.config,
      sync,
      synchronizer: this.synchronizer,
      logger,
      name: deps.name,
      origin: this.origin,
    });
    const handlers = createStandbyHandlers({
      storageDir: deps.storageDir,
      synchronizer: this.synchronizer,
      store: stores?.store ?? null,
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
        this.origin.pulledOne(request, report);
        this.metrics.pulled(report.bytes, durationMs);
      },
      onPullFailed: () => this.metrics.pullFailed(),
      engine: this.engine,
    });
    withFelderaNotFoundMessage(handlers, sync?.fail_if_no_checkpoint === true);
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
      if (this.engine.current() && (state === 'running' || state === 'paused'))
        await this.checkpoint();
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
    return runFailedNow(this.facts());
  }

  /** Forgets the failure (Feldera's `/dismiss_error`); the run then reads as stopped. */
  dismissError(): void {
    this.errorDismissed = true;
    if (this.failedNow()) this.setDesired('Stopped');
  }

  /** What the Feldera view of the pipeline needs from this run. */
  runView(): RunView {
    return runViewOf(this.facts(), {
      stopping: this.stopping,
      initial: this.initialMode,
      incarnation: this.incarnation,
      stateSinceMs: this.stateSinceMs,
      desiredSinceMs: this.desiredSinceMs,
      bootstrap: this.bootstrap,
    });
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
    const step = this.engine.current()?.status().step ?? 0;
    return step >= parsed.step
      ? { status: 'complete', step: parsed.step }
      : { status: 'inprogress', step: null };
  }

  /** The running engine's counters for `/stats`. */
  engineStatus(): { step: number; processed_records: number } | null {
    const status = this.engine.current()?.status();
    return status ? { step: status.step, processed_records: status.processed_records } : null;
  }

  /** The engine, when running or paused. */
  requireEngine(): Engine {
    const state = this.runner.state.name;
    const engine = this.engine.current();
    if (!engine || (state !== 'running' && state !== 'paused')) {
      throw apiError(
        ApiErrorCodes.PipelineNotRunning,
        `pipeline '${this.deps.name()}' is ${runtimeStatusOf(this.runner.state)}, not running`,
      );
    }
    return engine;
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
      this.metrics.checkpoint('success');
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
      this.metrics.checkpoint('failure');
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
    // The push's own event counts it (feldera_sync_push_total), whichever request started it.
    push.catch((err: unknown) => {
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

  /** What the status answers of this run are made from. */
  private facts(): RunFacts {
    return {
      state: this.runner.state.name,
      desired: this.desired,
      startError: this.startError,
      errorDismissed: this.errorDismissed,
    };
  }

  /** The status answer's runtime part. */
  status(base: { name: string; system_name: string }, now: number): PipelineStatus {
    return pipelineStatusOf(
      base,
      this.facts(),
      {
        snap: this.runner.snapshot(),
        incarnation: this.incarnation,
        engine: this.engineStatus(),
        restoredFrom: this.origin.restoredFrom,
      },
      now,
    );
  }

  /** Gauges computed at scrape time. */
  updateGauges(now: number): void {
    this.metrics.updateGauges(this.runner.snapshot(), now);
  }
}
