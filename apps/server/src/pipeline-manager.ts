import { existsSync } from 'node:fs';
import { chmod, lstat, mkdir, rm } from 'node:fs/promises';
import type { Logger } from 'pino';
import {
  readLocalCatalog,
  readOwner,
  readRemoteCatalog,
  serializeCatalog,
} from '@feldera-sync/checkpoint';
import type { CatalogEntry } from '@feldera-sync/checkpoint';
import { parseRuntimeConfig, redactConfig } from '@feldera-sync/config';
import type { ParsedRuntimeConfig, SyncConfig } from '@feldera-sync/config';
import { EngineErrorCodes, hashTable } from '@feldera-sync/engine';
import { SyncError, hasErrorCode } from '@feldera-sync/errors';
import { createRclone, openSyncStores, rcloneStoreFactory } from '@feldera-sync/rclone';
import type { SyncStores } from '@feldera-sync/rclone';
import { readingRemote } from '@feldera-sync/sync';
import { ApiErrorCodes, apiError, toApiError } from './api-errors.js';
import { BucketWatch } from './bucket-watch.js';
import { walkDir } from './walk-dir.js';
import type { BucketReading } from './bucket-watch.js';
import { assertDefinitionBounds } from './definition-limits.js';
import type { EmbeddedS3 } from './embedded-s3.js';
import { deploymentFields, pipelineId, programFields } from './feldera-view.js';
import type { DeploymentError } from './feldera-view.js';
import { MetricsRegistry } from './metrics.js';
import { PipelineLog, teeLogger } from './pipeline-log.js';
import type { LogListener, PipelineLogger } from './pipeline-log.js';
import type { PipelineDefinition, PipelineProgram, PipelineRegistry } from './pipeline-registry.js';
import { EMPTY_PROGRAM, PIPELINE_NAME_PATTERN, programOf } from './pipeline-registry.js';
import { PipelineRuntime } from './pipeline-runtime.js';
import type { RunFailure } from './pipeline-runtime.js';
import { RecoveryHistory } from './recovery-history.js';
import type { RecoveryEvent } from './recovery-history.js';
import {
  checkpointRef,
  eventFromLog,
  eventFromTransition,
  roleOf,
  standbyLagSecs,
  transferView,
} from './recovery-view.js';
import type { RecoverySummary, RemoteView } from './recovery-view.js';
import type {
  CompletionStatus,
  IngressChange,
  InitialMode,
  PipelineDescriptor,
  PipelineInput,
  PipelinePatch,
  PipelineService,
  PipelineStats,
  PipelineStatus,
  StartOptions,
  StopOptions,
  SyncStatus,
} from './pipeline-service.js';
import { declareSyncMetrics } from './sync-metrics.js';
import { SERVER_VERSION } from './version.js';

/** What the manager needs from the process. */
export interface PipelineManagerOptions {
  registry: PipelineRegistry;
  logger: Logger;
  rcloneBinary: string;
  /** How old a bucket reading may be before the recovery routes read the bucket again (15 s). */
  bucketStaleMs?: number | undefined;
}

/** What identifies a bucket location, so pipelines sharing one share its reading. */
function bucketKey(sync: NonNullable<ParsedRuntimeConfig['sync']>): string {
  return JSON.stringify([sync.provider, sync.endpoint ?? '', sync.region ?? '', sync.bucket]);
}

function parseConfig(input: unknown): ParsedRuntimeConfig {
  return parseRuntimeConfig(input);
}

/** Feldera's `ErrorResponse` for a run's failure, coded as the API codes it. */
function deploymentError(failure: RunFailure): DeploymentError {
  // The root cause decides the error code (a final pull refused on auth is ObjectStoreAuth).
  const { body } = toApiError(
    new SyncError(
      failure.code,
      failure.message,
      failure.causeCode === undefined ? {} : { details: { causeCode: failure.causeCode } },
    ),
  );
  return { message: failure.message, error_code: body.error_code, details: body.details };
}

/** The program fields of a create/update body, Feldera's empty values where null or missing. */
function programFromInput(input: PipelineInput): PipelineProgram {
  return {
    description: input.description ?? EMPTY_PROGRAM.description,
    tags: input.tags ?? EMPTY_PROGRAM.tags,
    program_code: input.program_code ?? EMPTY_PROGRAM.program_code,
    udf_rust: input.udf_rust ?? EMPTY_PROGRAM.udf_rust,
    udf_toml: input.udf_toml ?? EMPTY_PROGRAM.udf_toml,
    program_config: input.program_config ?? EMPTY_PROGRAM.program_config,
  };
}

/** Feldera's message for `DBError::CannotStartWithUndismissedError` (`db/error.rs`). */
const UNDISMISSED_ERROR_MESSAGE =
  'Cannot process `/start?dismiss_error=false` if the `deployment_error` is set. You can dismiss the error by calling `/start?dismiss_error=true`, or alternatively first call `/dismiss_error`, after which `/start?dismiss_error=false` is again possible.';

/** Sums the sizes of the files under `dir` (bounded walk; a missing directory is 0 bytes). */
async function directoryBytes(dir: string, maxEntries = 200_000): Promise<number> {
  let total = 0;
  let seen = 0;
  for await (const { path, entry } of walkDir(dir)) {
    if (++seen > maxEntries) break;
    if (entry.isFile())
      total += await lstat(path).then(
        (st) => st.size,
        () => 0,
      );
  }
  return total;
}

/** Runs the registry's pipelines: one `PipelineRuntime` per started pipeline. */
export class PipelineManager implements PipelineService {
  private readonly runtimes = new Map<string, PipelineRuntime>();
  /** Each pipeline's log, by system name, across its runs. */
  private readonly logs = new Map<string, PipelineLog>();
  private readonly metricsRegistry = new MetricsRegistry();
  /** Each pipeline's recovery events, by system name, across its runs. */
  private readonly histories = new Map<string, RecoveryHistory>();
  private readonly buckets: BucketWatch;
  /** Runs whose takeover of the bucket made the bucket be read again. */
  private readonly takeoversSeen = new Set<string>();
  private shuttingDown = false;

  constructor(private readonly options: PipelineManagerOptions) {
    this.buckets = new BucketWatch({
      staleMs: options.bucketStaleMs ?? 15_000,
      concurrency: 4,
      readTimeoutMs: 30_000,
      now: Date.now,
      describe: (err) => {
        const { body } = toApiError(err);
        return { message: body.message, error_code: body.error_code };
      },
    });
    declareSyncMetrics(this.metricsRegistry);
  }

  /** The stores of a pipeline's sync config, opened as its runs open them. */
  private storesOf(sync: SyncConfig): SyncStores {
    return openSyncStores(sync, { factory: rcloneStoreFactory(this.options.rcloneBinary) });
  }

  /** Restarts the pipelines whose desired state was running when the server stopped. */
  async init(): Promise<void> {
    for (const def of this.options.registry.list()) {
      const desired = def.desired;
      if (desired && desired !== 'stopped') {
        try {
          await this.start(def.name, desired);
        } catch (err) {
          this.options.logger.error(
            { pipeline: def.name, err: err instanceof Error ? err.message : String(err) },
            'could not restart pipeline',
          );
        }
      }
    }
  }

  private def(name: string): PipelineDefinition {
    if (!PIPELINE_NAME_PATTERN.test(name))
      throw apiError(ApiErrorCodes.InvalidRequest, `invalid pipeline name '${name}'`);
    const def = this.options.registry.get(name);
    if (!def)
      throw apiError(ApiErrorCodes.UnknownPipelineName, `pipeline '${name}' does not exist`);
    return def;
  }

  private runtime(def: PipelineDefinition): PipelineRuntime | undefined {
    return this.runtimes.get(def.system_name);
  }

  /** The pipeline's log (created on first use), kept across runs while this process lives. */
  private logOf(def: PipelineDefinition): PipelineLog {
    let log = this.logs.get(def.system_name);
    if (!log) {
      log = new PipelineLog();
      this.logs.set(def.system_name, log);
    }
    return log;
  }

  /** The pipeline's recovery history (created on first use), kept across runs. */
  private historyOf(def: PipelineDefinition): RecoveryHistory {
    let history = this.histories.get(def.system_name);
    if (!history) {
      history = new RecoveryHistory();
      this.histories.set(def.system_name, history);
    }
    return history;
  }

  /**
   * A logger whose entries reach the server log and the pipeline's log; the pushes the
   * synchroniser logs also go to the recovery history.
   */
  private loggerOf(def: PipelineDefinition): PipelineLogger {
    const tee = teeLogger(this.options.logger, this.logOf(def));
    const observed =
      (level: 'info' | 'warn') =>
      (fields: Record<string, unknown>, msg: string): void => {
        tee[level](fields, msg);
        this.observeLog(def, msg, fields);
      };
    return {
      debug: (fields, msg) => tee.debug(fields, msg),
      info: observed('info'),
      warn: observed('warn'),
      error: (fields, msg) => tee.error(fields, msg),
    };
  }

  private observeLog(def: PipelineDefinition, msg: string, fields: Record<string, unknown>): void {
    const event = eventFromLog(msg, fields, Date.now());
    if (!event) return;
    const history = this.historyOf(def);
    const uuid = event.checkpoint_uuid;
    if (event.result === 'success' && uuid) {
      // A pushed checkpoint was taken (a periodic one may not have been seen in the catalog yet).
      history.recordTaken({ ...this.takenEvent(uuid, event.at), checkpoint_uuid: uuid });
      const sync = this.syncOf(def);
      if (sync) {
        this.buckets.notePushed(bucketKey(sync), uuid, {
          pipeline_name: def.system_name,
          given_name: def.name,
          format_version: 1,
          created_at: null,
        });
      }
    }
    history.record(event);
  }

  private takenEvent(uuid: string, fallbackAt: string): Omit<RecoveryEvent, 'seq'> {
    const ref = checkpointRef(uuid, Date.now());
    return {
      kind: 'checkpoint',
      result: 'success',
      at: ref.taken_at ?? fallbackAt,
      checkpoint_uuid: uuid,
      checkpoint_time: ref.taken_at,
      bytes: null,
      duration_ms: null,
      pull_kind: null,
      error: null,
    };
  }

  /** Records the pulls of a run in the pipeline's recovery history. */
  private watchPulls(def: PipelineDefinition, rt: PipelineRuntime): void {
    const history = this.historyOf(def);
    rt.runner.subscribe((notification) => {
      if (notification.type !== 'transition') return;
      const { event, previous } = notification.record;
      const recorded = eventFromTransition({
        event,
        previousPullStartedAtMs: previous.counters.lastPullStartedAtMs,
        previousPulled: previous.counters.lastPulled?.uuid ?? null,
      });
      if (!recorded) return;
      // A pulled checkpoint was taken elsewhere: never record it as taken here.
      if (recorded.checkpoint_uuid) history.markSeen([recorded.checkpoint_uuid]);
      history.record(recorded);
    });
  }

  private syncOf(def: PipelineDefinition): ParsedRuntimeConfig['sync'] {
    try {
      return parseConfig(def.runtime_config).sync;
    } catch {
      return null;
    }
  }

  private describe(def: PipelineDefinition, warnings: string[] = []): PipelineDescriptor {
    const rt = this.runtime(def);
    const run = rt?.runView() ?? null;
    const failure = rt?.failure() ?? null;
    const active = run !== null && run.state !== 'stopped' && run.state !== 'failed';
    const program = programOf(def);
    return {
      name: def.name,
      system_name: def.system_name,
      runtime_config: redactConfig(def.runtime_config),
      created_at: def.created_at,
      updated_at: def.updated_at,
      warnings,
      id: pipelineId(def.system_name),
      description: program.description,
      tags: program.tags,
      version: def.version ?? 1,
      refresh_version: def.version ?? 1,
      platform_version: SERVER_VERSION,
      ...programFields({
        ...program,
        program_version: def.program_version ?? 1,
        program_since: def.program_updated_at ?? def.created_at,
      }),
      ...deploymentFields({
        run,
        error: failure ? deploymentError(failure) : null,
        storageInUse: active || existsSync(this.options.registry.storageDir(def)),
        stoppedSinceMs: Date.parse(def.updated_at),
      }),
    };
  }

  list(): PipelineDescriptor[] {
    return this.options.registry.list().map((d) => this.describe(d));
  }

  get(name: string): PipelineDescriptor {
    return this.describe(this.def(name));
  }

  async create(input: PipelineInput): Promise<PipelineDescriptor> {
    const name = input.name ?? '';
    if (!PIPELINE_NAME_PATTERN.test(name))
      throw apiError(ApiErrorCodes.InvalidRequest, `invalid pipeline name '${name}'`);
    if (this.options.registry.get(name))
      throw apiError(ApiErrorCodes.DuplicateName, `a pipeline named '${name}' already exists`);
    return (await this.put(name, input)).descriptor;
  }

  async put(
    name: string,
    input: PipelineInput,
  ): Promise<{ descriptor: PipelineDescriptor; created: boolean }> {
    if (!PIPELINE_NAME_PATTERN.test(name))
      throw apiError(ApiErrorCodes.InvalidRequest, `invalid pipeline name '${name}'`);
    const target = input.name ?? name;
    if (!PIPELINE_NAME_PATTERN.test(target))
      throw apiError(ApiErrorCodes.InvalidRequest, `invalid pipeline name '${target}'`);
    const runtimeConfig = input.runtime_config ?? {};
    assertDefinitionBounds({ ...input, runtime_config: runtimeConfig });
    const parsed = parseConfig(runtimeConfig);
    const registry = this.options.registry;
    const now = new Date();
    if (target !== name) {
      // Feldera's PUT renames when the body names another pipeline; only an existing one.
      if (!registry.get(name))
        throw apiError(
          ApiErrorCodes.InvalidRequest,
          `cannot rename pipeline '${name}' to '${target}': '${name}' does not exist`,
        );
      await registry.rename(name, target, now);
    }
    const { def, created } = await registry.upsert(
      target,
      runtimeConfig,
      now,
      programFromInput(input),
    );
    const warnings = parsed.warnings.map((w) => `${w.path}: ${w.message}`);
    const providerWarning = parsed.sync ? await this.providerWarning(parsed.sync.provider) : null;
    if (providerWarning) warnings.push(providerWarning);
    return { descriptor: this.describe(def, warnings), created };
  }

  private knownProviders: Promise<string[] | null> | undefined;

  /** A warning when the installed rclone does not list `provider` (newer names are accepted by the schema). */
  private async providerWarning(provider: string): Promise<string | null> {
    this.knownProviders ??= createRclone({
      binary: this.options.rcloneBinary,
      remote: { provider: 'Other', bucket: 'probe' },
    })
      .knownProviders({ signal: AbortSignal.timeout(10_000) })
      .catch(() => null);
    const known = await this.knownProviders;
    if (known === null || known.length === 0 || known.includes(provider)) return null;
    return `$.storage.backend.config.sync.provider: the installed rclone does not know provider '${provider}'; it knows ${known.join(', ')}. Upgrade rclone or use one of those`;
  }

  async patch(name: string, patch: PipelinePatch): Promise<PipelineDescriptor> {
    let def = this.def(name);
    let warnings: string[] = [];
    assertDefinitionBounds(patch);
    const runtimeConfig = patch.runtime_config ?? undefined;
    if (runtimeConfig !== undefined) {
      warnings = parseConfig(runtimeConfig).warnings.map((w) => `${w.path}: ${w.message}`);
    }
    // Feldera's PATCH: a null or missing field leaves the stored value as it is.
    def = await this.options.registry.patch(
      name,
      {
        runtime_config: runtimeConfig,
        description: patch.description ?? undefined,
        tags: patch.tags ?? undefined,
        program_code: patch.program_code ?? undefined,
        udf_rust: patch.udf_rust ?? undefined,
        udf_toml: patch.udf_toml ?? undefined,
        program_config: patch.program_config ?? undefined,
      },
      new Date(),
    );
    if (patch.name !== undefined && patch.name !== null && patch.name !== name) {
      def = await this.options.registry.rename(name, patch.name, new Date());
    }
    return this.describe(def, warnings);
  }

  async delete(name: string): Promise<void> {
    const def = this.def(name);
    if (this.isActive(def))
      throw apiError(
        ApiErrorCodes.PipelineNotStopped,
        `stop pipeline '${name}' before deleting it`,
      );
    this.runtimes.delete(def.system_name);
    this.histories.delete(def.system_name);
    this.metricsRegistry.drop('pipeline', def.system_name);
    this.logs.get(def.system_name)?.end();
    this.logs.delete(def.system_name);
    await rm(this.options.registry.pipelineDir(def), { recursive: true, force: true });
    await this.options.registry.remove(name);
  }

  private isActive(def: PipelineDefinition): boolean {
    const rt = this.runtime(def);
    if (!rt) return false;
    const state = rt.runner.state.name;
    return state !== 'stopped' && state !== 'failed';
  }

  private async setDesired(
    def: PipelineDefinition,
    desired: InitialMode | 'stopped',
  ): Promise<void> {
    const current = this.options.registry.get(def.name);
    if (current) await this.options.registry.setDesired(current.name, desired);
  }

  async start(
    name: string,
    initial: InitialMode,
    options: StartOptions = {},
  ): Promise<PipelineStatus> {
    if (this.shuttingDown)
      throw apiError(ApiErrorCodes.ShuttingDown, 'the server is shutting down');
    const def = this.def(name);
    if (this.isActive(def)) return this.status(name);
    const bootstrap = options.bootstrap;
    if (bootstrap?.silent_bootstrap && bootstrap.concurrent_bootstrap) {
      throw apiError(
        ApiErrorCodes.InvalidBootstrapConfig,
        '`silent_bootstrap` and `concurrent_bootstrap` are mutually exclusive; set at most one',
      );
    }
    if (options.dismissError === false && this.runtime(def)?.failure()) {
      throw apiError(ApiErrorCodes.CannotStartWithUndismissedError, UNDISMISSED_ERROR_MESSAGE);
    }
    const parsed = parseConfig(def.runtime_config);
    const registry = this.options.registry;
    // The pipeline's directories are its owner's alone, also when they were made before.
    const storageDir = registry.storageDir(def);
    await mkdir(storageDir, { recursive: true, mode: 0o700 });
    await chmod(registry.pipelineDir(def), 0o700);
    await chmod(storageDir, 0o700);
    const rt = new PipelineRuntime(
      {
        name: () =>
          registry.list().find((d) => d.system_name === def.system_name)?.name ?? def.name,
        systemName: def.system_name,
        storageDir: registry.storageDir(def),
        config: parsed.config,
        sync: parsed.sync,
        logger: this.loggerOf(def),
        metrics: this.metricsRegistry,
        rcloneBinary: this.options.rcloneBinary,
      },
      initial,
    );
    const previous = this.runtime(def);
    if (previous) await previous.stop(0);
    this.runtimes.set(def.system_name, rt);
    this.watchPulls(def, rt);
    this.loggerOf(def).info(
      { initial, incarnation: rt.incarnation, pipeline: def.name },
      'pipeline starting',
    );
    await rt.start(initial, bootstrap);
    await this.setDesired(def, initial);
    return this.status(name);
  }

  async stop(name: string, options: StopOptions = {}): Promise<PipelineStatus> {
    const def = this.def(name);
    const rt = this.runtime(def);
    if (rt) {
      await rt.stop(30_000, { checkpoint: options.force === false });
      this.loggerOf(def).info(
        { incarnation: rt.incarnation, pipeline: def.name, force: options.force },
        'pipeline stopped',
      );
    }
    await this.setDesired(def, 'stopped');
    return this.status(name);
  }

  async pause(name: string): Promise<PipelineStatus> {
    const def = this.def(name);
    await this.activeRuntime(name).pause();
    await this.setDesired(def, 'paused');
    return this.status(name);
  }

  async resume(name: string): Promise<PipelineStatus> {
    const def = this.def(name);
    await this.activeRuntime(name).resume();
    await this.setDesired(def, 'running');
    return this.status(name);
  }

  dismissError(name: string): void {
    const def = this.def(name);
    this.runtime(def)?.dismissError();
  }

  async stats(name: string): Promise<PipelineStats> {
    const def = this.def(name);
    const rt = this.activeRuntime(name);
    rt.requireEngine();
    const engine = rt.engineStatus() ?? { step: 0, processed_records: 0 };
    const now = Date.now();
    const usage = process.cpuUsage();
    const records = engine.processed_records;
    return {
      global_metrics: {
        state: rt.runner.state.name === 'paused' ? 'Paused' : 'Running',
        bootstrap_in_progress: false,
        transaction_status: 'NoTransaction',
        transaction_id: 0,
        transaction_msecs: null,
        transaction_records: null,
        commit_progress: null,
        rss_bytes: process.memoryUsage().rss,
        cpu_msecs: Math.round((usage.user + usage.system) / 1000),
        uptime_msecs: now - rt.startedAtMs,
        start_time: Math.floor(rt.startedAtMs / 1000),
        incarnation_uuid: rt.incarnation,
        initial_start_time: Math.floor(rt.startedAtMs / 1000),
        storage_bytes: await directoryBytes(this.options.registry.storageDir(def)),
        storage_mb_secs: 0,
        runtime_elapsed_msecs: 0,
        buffered_input_records: 0,
        buffered_input_bytes: 0,
        total_input_records: records,
        total_input_bytes: 0,
        total_processed_records: records,
        total_processed_bytes: 0,
        total_completed_records: records,
        output_stall_msecs: 0,
        total_initiated_steps: engine.step,
        total_completed_steps: engine.step,
        pipeline_complete: true,
      },
      suspend_error: null,
      permanent_checkpoint_errors: null,
      inputs: [],
      outputs: [],
    };
  }

  followLogs(name: string, listener: LogListener): { backlog: string[]; unsubscribe: () => void } {
    return this.logOf(this.def(name)).follow(listener);
  }

  async clear(name: string): Promise<void> {
    const def = this.def(name);
    if (this.isActive(def))
      throw apiError(
        ApiErrorCodes.PipelineNotStopped,
        `stop pipeline '${name}' before clearing its storage`,
      );
    await rm(this.options.registry.storageDir(def), { recursive: true, force: true });
  }

  activate(name: string): Promise<PipelineStatus> {
    const def = this.def(name);
    const rt = this.runtime(def);
    if (!rt || !this.isActive(def))
      throw apiError(
        ApiErrorCodes.InvalidTransition,
        `pipeline '${name}' is not running or in standby`,
      );
    rt.activate();
    return Promise.resolve(this.status(name));
  }

  status(name: string): PipelineStatus {
    const def = this.def(name);
    const rt = this.runtime(def);
    const base = { name: def.name, system_name: def.system_name };
    if (!rt) {
      return {
        ...base,
        runtime_status: 'Stopped',
        runtime_desired_status: 'Stopped',
        incarnation_uuid: null,
        error: null,
        standby: null,
        restored_from: null,
        took_over_from: null,
        processed_records: null,
        steps: null,
      };
    }
    return rt.status(base, Date.now());
  }

  ingress(
    name: string,
    table: string,
    changes: IngressChange[],
  ): Promise<{ applied: number; token: string }> {
    return this.activeRuntime(name).ingest(table, changes);
  }

  completionStatus(name: string, token: string): CompletionStatus {
    return this.activeRuntime(name).completionStatus(token);
  }

  async readTable(name: string, table: string): Promise<{ rows: unknown[]; hash: string }> {
    const engine = this.activeRuntime(name).requireEngine();
    try {
      const snap = await engine.readTable(table);
      return { rows: snap.rows, hash: snap.hash };
    } catch (err) {
      // A table exists once written to; until then it reads as empty.
      if (hasErrorCode(err, EngineErrorCodes.UNKNOWN_TABLE))
        return { rows: [], hash: hashTable(new Map()) };
      throw err;
    }
  }

  private activeRuntime(name: string): PipelineRuntime {
    const def = this.def(name);
    const rt = this.runtime(def);
    if (!rt || !this.isActive(def))
      throw apiError(ApiErrorCodes.PipelineNotRunning, `pipeline '${name}' is not running`);
    return rt;
  }

  private checkIncarnation(rt: PipelineRuntime | undefined, requested: string | undefined): void {
    if (requested === undefined) return;
    const expected = rt?.incarnation ?? null;
    if (requested !== expected) {
      throw apiError(
        ApiErrorCodes.IncarnationUuidMismatch,
        `incarnation ${requested} is not the pipeline's current incarnation; it restarted since`,
        {
          requested,
          expected,
        },
      );
    }
  }

  async checkpoint(
    name: string,
  ): Promise<{ checkpoint_sequence_number: number; incarnation_uuid: string; uuid: string }> {
    const def = this.def(name);
    const rt = this.activeRuntime(name);
    try {
      const result = await rt.checkpoint();
      this.historyOf(def).recordTaken({
        ...this.takenEvent(result.uuid, new Date().toISOString()),
        checkpoint_uuid: result.uuid,
      });
      return result;
    } catch (err) {
      this.historyOf(def).record({
        kind: 'checkpoint',
        result: 'failure',
        at: new Date().toISOString(),
        checkpoint_uuid: null,
        checkpoint_time: null,
        bytes: null,
        duration_ms: null,
        pull_kind: null,
        error: toApiError(err).body.message,
      });
      throw err;
    }
  }

  checkpointStatus(
    name: string,
    incarnationUuid?: string,
  ): { success: number | null; failure: { sequence_number: number; error: string } | null } {
    const rt = this.runtime(this.def(name));
    this.checkIncarnation(rt, incarnationUuid);
    return rt?.checkpointStatus() ?? { success: null, failure: null };
  }

  sync(name: string): Promise<{ checkpoint_uuid: string; incarnation_uuid: string }> {
    return this.activeRuntime(name).sync();
  }

  syncStatus(name: string, incarnationUuid?: string): SyncStatus {
    const rt = this.runtime(this.def(name));
    this.checkIncarnation(rt, incarnationUuid);
    const st = rt?.synchronizer?.status();
    if (!st)
      return {
        success: null,
        failure: null,
        periodic: null,
        progress: null,
        periodic_failure: null,
      };
    const running = st.running;
    return {
      success: st.success,
      failure: st.failure,
      periodic: st.periodic,
      progress:
        running && running.operation === 'push'
          ? {
              uuid: running.uuid,
              phase: running.phase,
              bytes_done: running.bytesDone,
              bytes_total: running.bytesTotal,
              objects_done: running.objectsDone,
              objects_total: running.objectsTotal,
              speed_bytes_per_sec: running.speed,
            }
          : null,
      periodic_failure: st.periodicFailure
        ? { uuid: st.periodicFailure.uuid, error: st.periodicFailure.error }
        : null,
    };
  }

  async localCheckpoints(name: string): Promise<string> {
    const def = this.def(name);
    return serializeCatalog(await readLocalCatalog(this.options.registry.storageDir(def)));
  }

  async remoteCheckpoints(name: string): Promise<string> {
    const def = this.def(name);
    const parsed = parseConfig(def.runtime_config);
    if (!parsed.sync)
      throw apiError(
        ApiErrorCodes.SyncNotConfigured,
        `pipeline '${name}' has no storage.backend.config.sync section`,
      );
    const { store } = this.storesOf(parsed.sync);
    // A damaged catalog in the bucket is the bucket's fault: ERR_SYNC_INVALID_REMOTE, a 502.
    return serializeCatalog(
      await readingRemote(readRemoteCatalog(store, { signal: AbortSignal.timeout(60_000) })),
    );
  }

  async recovery(name: string): Promise<RecoverySummary> {
    return this.summarize(this.def(name), Date.now());
  }

  async recoveryList(): Promise<RecoverySummary[]> {
    const now = Date.now();
    return Promise.all(this.options.registry.list().map((def) => this.summarize(def, now)));
  }

  recoveryHistory(
    name: string,
    after = 0,
    limit?: number,
  ): { events: RecoveryEvent[]; last_seq: number; capacity: number } {
    const history = this.historyOf(this.def(name));
    return {
      events: history.since(after, limit),
      last_seq: history.lastSeq,
      capacity: history.capacity,
    };
  }

  /** Resolves once no bucket read started by the recovery routes runs (tests). */
  bucketReadsSettled(): Promise<void> {
    return this.buckets.idle();
  }

  private async readBucket(
    sync: NonNullable<ParsedRuntimeConfig['sync']>,
    signal: AbortSignal,
  ): Promise<BucketReading> {
    const { store } = this.storesOf(sync);
    const catalog = await readingRemote(readRemoteCatalog(store, { signal }));
    const owner = await readingRemote(readOwner(store, { signal }));
    const newest = catalog.at(-1);
    return {
      newest: newest ? { uuid: newest.uuid, size: newest.size, steps: newest.steps } : null,
      count: catalog.length,
      owner,
    };
  }

  private async summarize(def: PipelineDefinition, now: number): Promise<RecoverySummary> {
    const status = this.status(def.name);
    const role = roleOf(status);
    const history = this.historyOf(def);
    const sync = this.syncOf(def);

    let local: CatalogEntry[] = [];
    let localError: string | null = null;
    try {
      local = await readLocalCatalog(this.options.registry.storageDir(def));
    } catch (err) {
      localError = toApiError(err).body.message;
    }
    // Checkpoints a primary's engine took on its own (checkpoint_interval_secs) show up here first;
    // a standby's local checkpoints were pulled, not taken.
    if (role === 'primary') {
      for (const entry of local)
        history.recordTaken({
          ...this.takenEvent(entry.uuid, new Date(now).toISOString()),
          checkpoint_uuid: entry.uuid,
        });
    } else {
      history.markSeen(local.map((e) => e.uuid));
    }
    const newestLocal = local.at(-1);

    let remote: RemoteView | null = null;
    if (sync) {
      const key = bucketKey(sync);
      let entry = this.buckets.peek(key, (signal) => this.readBucket(sync, signal));
      // An activation that took the bucket over rewrote owner.json: read it again at once (once
      // per run), so the takeover and the old primary's fencing show without waiting.
      const owner = entry.reading?.owner;
      const run = status.incarnation_uuid;
      if (status.took_over_from && run && owner && owner.pipeline_name !== def.system_name) {
        if (!this.takeoversSeen.has(run)) {
          this.takeoversSeen.add(run);
          this.buckets.invalidate(key);
          entry = this.buckets.peek(key, (signal) => this.readBucket(sync, signal));
        }
      }
      const recorded = entry.reading?.owner ?? null;
      const newest = entry.reading?.newest ?? null;
      remote = {
        bucket: sync.bucket,
        newest: newest ? checkpointRef(newest.uuid, now, newest) : null,
        count: entry.reading?.count ?? null,
        owner: recorded
          ? {
              pipeline_name: recorded.pipeline_name,
              given_name: recorded.given_name,
              created_at: recorded.created_at ?? null,
            }
          : null,
        owner_is_self: entry.reading
          ? recorded
            ? recorded.pipeline_name === def.system_name
            : null
          : null,
        checked_at: entry.checkedAtMs === null ? null : new Date(entry.checkedAtMs).toISOString(),
        error: entry.error,
      };
    }

    const sb = status.standby;
    const synchronizer = this.runtime(def)?.synchronizer;
    const raw = synchronizer?.status();
    const sst = this.syncStatus(def.name);
    return {
      name: def.name,
      system_name: def.system_name,
      role,
      runtime_status: status.runtime_status,
      runtime_desired_status: status.runtime_desired_status,
      incarnation_uuid: status.incarnation_uuid,
      error: status.error,
      sync_configured: sync !== null,
      standby_configured: sync?.standby === true,
      pull_interval_secs: sync?.pull_interval ?? null,
      push_interval_secs: sync?.push_interval ?? null,
      local: {
        newest: newestLocal ? checkpointRef(newestLocal.uuid, now, newestLocal) : null,
        count: local.length,
        error: localError,
      },
      remote,
      standby: sb
        ? {
            last_pull_at: sb.last_pull_at,
            pulled: sb.last_pulled_checkpoint
              ? checkpointRef(sb.last_pulled_checkpoint, now)
              : null,
            lag_secs: standbyLagSecs(sb.last_pulled_checkpoint, remote?.newest?.uuid ?? null),
            consecutive_pull_failures: sb.consecutive_pull_failures,
            last_pull_error: sb.last_pull_error,
          }
        : null,
      sync: {
        manual_success: sst.success,
        manual_failure: sst.failure,
        periodic_success: sst.periodic,
        periodic_failure: sst.periodic_failure,
        last_success_at:
          raw?.lastSuccessAt == null ? null : new Date(raw.lastSuccessAt).toISOString(),
        last_push: history.last('push'),
        last_pull: history.last('pull'),
      },
      transfer: raw?.running ? transferView(raw.running) : null,
      restored_from: status.restored_from,
      took_over_from: status.took_over_from,
      history_seq: history.lastSeq,
    };
  }

  metrics(): string {
    const now = Date.now();
    for (const rt of this.runtimes.values()) rt.updateGauges(now);
    return this.metricsRegistry.render();
  }

  async shutdown(graceMs: number): Promise<void> {
    this.shuttingDown = true;
    this.buckets.close();
    await Promise.allSettled([...this.runtimes.values()].map((rt) => rt.stop(graceMs)));
    for (const log of this.logs.values()) log.end();
  }

  /**
   * Creates (or refreshes the endpoint of) the demo pipelines and starts them: `name`, a primary
   * pushing to the embedded store, and `<name>-standby`, standing by on the same bucket. The
   * standby starts from empty storage every time (it pulls again), so a restarted demo begins
   * with a primary and a standby; after a failover the bucket stays the standby's, and the
   * primary's pushes are refused, as they would be in production.
   */
  async ensureDemoPipeline(name: string, store: EmbeddedS3): Promise<void> {
    const sync = {
      endpoint: store.endpoint,
      bucket: `${store.bucket}/${name}`,
      provider: 'Other',
      access_key: store.accessKey,
      secret_key: store.secretKey,
      start_from_checkpoint: 'latest',
    };
    const config = (extra: Record<string, unknown>): Record<string, unknown> => ({
      storage: { backend: { name: 'file', config: { sync: { ...sync, ...extra } } } },
      fault_tolerance: { model: 'at_least_once', checkpoint_interval_secs: 60 },
    });
    const standbyName = `${name}-standby`;
    for (const [pipeline, runtimeConfig] of [
      [name, config({ push_interval: 60 })],
      [standbyName, config({ standby: true, pull_interval: 5 })],
    ] as const) {
      const existing = this.options.registry.get(pipeline);
      if (existing && this.isActive(existing)) await this.stop(pipeline);
      await this.options.registry.upsert(pipeline, runtimeConfig, new Date());
    }
    await this.start(name, 'running');
    await this.clear(standbyName);
    await this.start(standbyName, 'standby');
  }
}
