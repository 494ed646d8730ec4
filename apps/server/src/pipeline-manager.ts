import { rm } from 'node:fs/promises';
import type { Logger } from 'pino';
import { readLocalCatalog, readRemoteCatalog, serializeCatalog } from '@feldera-sync/checkpoint';
import { parseRuntimeConfig, redactConfig } from '@feldera-sync/config';
import type { ParsedRuntimeConfig } from '@feldera-sync/config';
import { EngineErrorCodes, hashTable } from '@feldera-sync/engine';
import { SyncError, hasErrorCode } from '@feldera-sync/errors';
import { createRclone } from '@feldera-sync/rclone';
import { apiError } from './api-errors.js';
import type { EmbeddedS3 } from './embedded-s3.js';
import { MetricsRegistry } from './metrics.js';
import type { PipelineDefinition, PipelineRegistry } from './pipeline-registry.js';
import { PIPELINE_NAME_PATTERN } from './pipeline-registry.js';
import { PipelineRuntime, storeFor } from './pipeline-runtime.js';
import type {
  IngressChange,
  InitialMode,
  PipelineDescriptor,
  PipelineService,
  PipelineStatus,
  SyncStatus,
} from './pipeline-service.js';

/** What the manager needs from the process. */
export interface PipelineManagerOptions {
  registry: PipelineRegistry;
  logger: Logger;
  rcloneBinary: string;
}

function parseConfig(input: unknown): ParsedRuntimeConfig {
  return parseRuntimeConfig(input);
}

/** Runs the registry's pipelines: one `PipelineRuntime` per started pipeline. */
export class PipelineManager implements PipelineService {
  private readonly runtimes = new Map<string, PipelineRuntime>();
  private readonly metricsRegistry = new MetricsRegistry();
  private shuttingDown = false;

  constructor(private readonly options: PipelineManagerOptions) {
    const m = this.metricsRegistry;
    m.declare(
      'feldera_sync_push_total',
      'counter',
      'Checkpoint pushes to the object store, by result',
    );
    m.declare('feldera_sync_push_bytes_total', 'counter', 'Bytes uploaded by checkpoint pushes');
    m.declare(
      'feldera_sync_push_seconds_total',
      'counter',
      'Seconds spent in successful checkpoint pushes',
    );
    m.declare(
      'feldera_sync_pull_total',
      'counter',
      'Checkpoint pulls and restores from the object store, by result',
    );
    m.declare('feldera_sync_pull_bytes_total', 'counter', 'Bytes downloaded by pulls and restores');
    m.declare('feldera_sync_pull_seconds_total', 'counter', 'Seconds spent in pulls and restores');
    m.declare(
      'feldera_sync_checkpoint_total',
      'counter',
      'Checkpoints taken on request, by result',
    );
    m.declare(
      'feldera_sync_standby_checkpoint_age_seconds',
      'gauge',
      'Age of the newest pulled checkpoint (-1: none yet)',
    );
    m.declare(
      'feldera_sync_standby_consecutive_pull_failures',
      'gauge',
      'Failed pulls since the last successful one',
    );
    m.declare(
      'feldera_sync_pipeline_up',
      'gauge',
      '1 when the pipeline is running, paused or standing by',
    );
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
      throw apiError('InvalidRequest', `invalid pipeline name '${name}'`);
    const def = this.options.registry.get(name);
    if (!def) throw apiError('UnknownPipelineName', `pipeline '${name}' does not exist`);
    return def;
  }

  private runtime(def: PipelineDefinition): PipelineRuntime | undefined {
    return this.runtimes.get(def.system_name);
  }

  private describe(def: PipelineDefinition, warnings: string[] = []): PipelineDescriptor {
    return {
      name: def.name,
      system_name: def.system_name,
      runtime_config: redactConfig(def.runtime_config),
      created_at: def.created_at,
      updated_at: def.updated_at,
      warnings,
    };
  }

  list(): PipelineDescriptor[] {
    return this.options.registry.list().map((d) => this.describe(d));
  }

  get(name: string): PipelineDescriptor {
    return this.describe(this.def(name));
  }

  async put(
    name: string,
    runtimeConfig: unknown,
  ): Promise<{ descriptor: PipelineDescriptor; created: boolean }> {
    if (!PIPELINE_NAME_PATTERN.test(name))
      throw apiError('InvalidRequest', `invalid pipeline name '${name}'`);
    const parsed = parseConfig(runtimeConfig);
    const { def, created } = await this.options.registry.upsert(
      name,
      runtimeConfig as Record<string, unknown>,
      new Date(),
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

  async patch(
    name: string,
    patch: { name?: string; runtime_config?: unknown },
  ): Promise<PipelineDescriptor> {
    let def = this.def(name);
    let warnings: string[] = [];
    if (patch.runtime_config !== undefined) {
      warnings = parseConfig(patch.runtime_config).warnings.map((w) => `${w.path}: ${w.message}`);
      def = (
        await this.options.registry.upsert(
          name,
          patch.runtime_config as Record<string, unknown>,
          new Date(),
        )
      ).def;
    }
    if (patch.name !== undefined && patch.name !== name) {
      def = await this.options.registry.rename(name, patch.name, new Date());
    }
    return this.describe(def, warnings);
  }

  async delete(name: string): Promise<void> {
    const def = this.def(name);
    if (this.isActive(def))
      throw apiError('PipelineNotStopped', `stop pipeline '${name}' before deleting it`);
    this.runtimes.delete(def.system_name);
    this.metricsRegistry.drop('pipeline', def.system_name);
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

  async start(name: string, initial: InitialMode): Promise<PipelineStatus> {
    if (this.shuttingDown) throw apiError('ShuttingDown', 'the server is shutting down');
    const def = this.def(name);
    if (this.isActive(def)) return this.status(name);
    const parsed = parseConfig(def.runtime_config);
    const registry = this.options.registry;
    const rt = new PipelineRuntime(
      {
        name: () =>
          registry.list().find((d) => d.system_name === def.system_name)?.name ?? def.name,
        systemName: def.system_name,
        storageDir: registry.storageDir(def),
        config: parsed.config,
        sync: parsed.sync,
        logger: this.options.logger,
        metrics: this.metricsRegistry,
        rcloneBinary: this.options.rcloneBinary,
      },
      initial,
    );
    const previous = this.runtime(def);
    if (previous) await previous.stop(0);
    this.runtimes.set(def.system_name, rt);
    await rt.start(initial);
    await this.setDesired(def, initial);
    return this.status(name);
  }

  async stop(name: string): Promise<PipelineStatus> {
    const def = this.def(name);
    await this.runtime(def)?.stop(30_000);
    await this.setDesired(def, 'stopped');
    return this.status(name);
  }

  async clear(name: string): Promise<void> {
    const def = this.def(name);
    if (this.isActive(def))
      throw apiError('PipelineNotStopped', `stop pipeline '${name}' before clearing its storage`);
    await rm(this.options.registry.storageDir(def), { recursive: true, force: true });
  }

  activate(name: string): Promise<PipelineStatus> {
    const def = this.def(name);
    const rt = this.runtime(def);
    if (!rt || !this.isActive(def))
      throw apiError('InvalidTransition', `pipeline '${name}' is not running or in standby`);
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

  async ingress(
    name: string,
    table: string,
    changes: IngressChange[],
  ): Promise<{ applied: number }> {
    const engine = this.activeRuntime(name).requireEngine();
    const insert: unknown[] = [];
    const del: unknown[] = [];
    for (const change of changes) {
      if ('insert' in change) insert.push(change.insert);
      else del.push(change.delete);
    }
    await engine.ingest({ tables: { [table]: { insert, delete: del } } });
    return { applied: changes.length };
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
      throw apiError('PipelineNotRunning', `pipeline '${name}' is not running`);
    return rt;
  }

  private checkIncarnation(rt: PipelineRuntime | undefined, requested: string | undefined): void {
    if (requested === undefined) return;
    const expected = rt?.incarnation ?? null;
    if (requested !== expected) {
      throw apiError(
        'IncarnationUuidMismatch',
        `incarnation ${requested} is not the pipeline's current incarnation; it restarted since`,
        {
          requested,
          expected,
        },
      );
    }
  }

  checkpoint(
    name: string,
  ): Promise<{ checkpoint_sequence_number: number; incarnation_uuid: string; uuid: string }> {
    return this.activeRuntime(name).checkpoint();
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
        'SyncNotConfigured',
        `pipeline '${name}' has no storage.backend.config.sync section`,
      );
    const store = storeFor(parsed.sync, 'bucket', this.options.rcloneBinary);
    if (!store) throw new SyncError('ERR_CONFIG_INVALID', 'sync.bucket is required');
    return serializeCatalog(
      await readRemoteCatalog(store, { signal: AbortSignal.timeout(60_000) }),
    );
  }

  metrics(): string {
    const now = Date.now();
    for (const rt of this.runtimes.values()) rt.updateGauges(now);
    return this.metricsRegistry.render();
  }

  async shutdown(graceMs: number): Promise<void> {
    this.shuttingDown = true;
    await Promise.allSettled([...this.runtimes.values()].map((rt) => rt.stop(graceMs)));
  }

  /** Creates (or refreshes the endpoint of) the demo pipeline and starts it. */
  async ensureDemoPipeline(name: string, store: EmbeddedS3): Promise<void> {
    const config = {
      storage: {
        backend: {
          name: 'file',
          config: {
            sync: {
              endpoint: store.endpoint,
              bucket: `${store.bucket}/${name}`,
              provider: 'Other',
              access_key: store.accessKey,
              secret_key: store.secretKey,
              start_from_checkpoint: 'latest',
              push_interval: 60,
            },
          },
        },
      },
      fault_tolerance: { model: 'at_least_once', checkpoint_interval_secs: 60 },
    };
    const existing = this.options.registry.get(name);
    if (existing && this.isActive(existing)) await this.stop(name);
    await this.options.registry.upsert(name, config, new Date());
    await this.start(name, 'running');
  }
}
