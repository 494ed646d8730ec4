/** What the HTTP layer needs from the pipelines; `PipelineManager` implements it. */
import type { BootstrapConfig, DeploymentFields, ProgramFields } from './feldera-view.js';
import type { LogListener } from './pipeline-log.js';
import type { RecoveryEvent } from './recovery-history.js';
import type { RecoverySummary } from './recovery-view.js';

export type InitialMode = 'running' | 'paused' | 'standby';

/** Feldera's runtime status values. */
export type RuntimeStatus =
  'Initializing' | 'Standby' | 'Running' | 'Paused' | 'Stopped' | 'Failed';

/**
 * A pipeline as `GET /v0/pipelines/{name}` answers it: this server's fields, plus every field of
 * Feldera's pipeline object a Feldera client reads (`id`, `deployment_status`, ...).
 */
export interface PipelineDescriptor extends DeploymentFields, ProgramFields {
  name: string;
  system_name: string;
  runtime_config: Record<string, unknown>;
  created_at: string;
  updated_at: string;
  warnings: string[];
  /** Feldera's pipeline id: the UUID of the system name. */
  id: string;
  description: string;
  tags: string[];
  version: number;
  refresh_version: number;
  platform_version: string;
}

/** The body of Feldera's create (`POST /v0/pipelines`) and full update (`PUT`): `PostPutPipeline`. */
export interface PipelineInput {
  name?: string | undefined;
  runtime_config?: Record<string, unknown> | null | undefined;
  program_code?: string | null | undefined;
  udf_rust?: string | null | undefined;
  udf_toml?: string | null | undefined;
  program_config?: Record<string, unknown> | null | undefined;
  description?: string | null | undefined;
  tags?: string[] | null | undefined;
}

/** Feldera's `PatchPipeline`: a null or missing field leaves the stored value as it is. */
export type PipelinePatch = PipelineInput;

/** `POST .../start` parameters besides `initial`. */
export interface StartOptions {
  /** Feldera's `dismiss_error` (default true): false refuses to start while a deployment error is set. */
  dismissError?: boolean | undefined;
  bootstrap?: BootstrapConfig | undefined;
}

/** `POST .../stop` parameters. */
export interface StopOptions {
  /**
   * Feldera's `force`: false takes a checkpoint before stopping, true stops at once. Not given: this
   * server's original stop, at once (Feldera's client always sends it).
   */
  force?: boolean | undefined;
}

/** `GET .../completion_status` answer (Feldera's `CompletionStatusResponse`). */
export interface CompletionStatus {
  status: 'complete' | 'inprogress';
  step: number | null;
}

/** `GET .../stats` answer: the parts of Feldera's `ControllerStatus` that apply here. */
export interface PipelineStats {
  global_metrics: Record<string, unknown>;
  suspend_error: null;
  permanent_checkpoint_errors: null;
  inputs: unknown[];
  outputs: unknown[];
}

export interface PipelineStatus {
  name: string;
  system_name: string;
  runtime_status: RuntimeStatus;
  runtime_desired_status: RuntimeStatus;
  incarnation_uuid: string | null;
  error: { message: string; error_code: string } | null;
  standby: {
    last_pull_at: string | null;
    last_pulled_checkpoint: string | null;
    last_pulled_checkpoint_age_secs: number | null;
    consecutive_pull_failures: number;
    last_pull_error: string | null;
  } | null;
  restored_from: { uuid: string | null; source: string } | null;
  /** System name of the primary whose bucket this pipeline took over when activated. */
  took_over_from: string | null;
  processed_records: number | null;
  steps: number | null;
}

export type IngressChange = { insert: unknown } | { delete: unknown };

export interface SyncFailure {
  uuid: string;
  error: string;
}

export interface SyncStatus {
  success: string | null;
  failure: SyncFailure | null;
  periodic: string | null;
  progress: {
    uuid: string;
    phase: string;
    bytes_done: number;
    bytes_total: number;
    objects_done: number;
    objects_total: number;
    speed_bytes_per_sec: number;
  } | null;
  periodic_failure: SyncFailure | null;
}

/** The operations behind the `/v0/pipelines` routes. Every method throws coded SyncErrors. */
export interface PipelineService {
  list(): PipelineDescriptor[];
  get(name: string): PipelineDescriptor;
  /** Feldera's `POST /v0/pipelines`: creates, refusing an existing name. */
  create(input: PipelineInput): Promise<PipelineDescriptor>;
  put(
    name: string,
    input: PipelineInput,
  ): Promise<{ descriptor: PipelineDescriptor; created: boolean }>;
  patch(name: string, patch: PipelinePatch): Promise<PipelineDescriptor>;
  delete(name: string): Promise<void>;
  start(name: string, initial: InitialMode, options?: StartOptions): Promise<PipelineStatus>;
  stop(name: string, options?: StopOptions): Promise<PipelineStatus>;
  /** Feldera's `/pause` and `/resume` of a running or paused pipeline. */
  pause(name: string): Promise<PipelineStatus>;
  resume(name: string): Promise<PipelineStatus>;
  /** Clears the deployment error of a stopped pipeline. */
  dismissError(name: string): void;
  clear(name: string): Promise<void>;
  activate(name: string): Promise<PipelineStatus>;
  status(name: string): PipelineStatus;
  stats(name: string): Promise<PipelineStats>;
  /** The buffered log lines, then every new one to `listener` (`null` when the log ends). */
  followLogs(name: string, listener: LogListener): { backlog: string[]; unsubscribe: () => void };
  ingress(
    name: string,
    table: string,
    changes: IngressChange[],
  ): Promise<{ applied: number; token: string }>;
  completionStatus(name: string, token: string): CompletionStatus;
  readTable(name: string, table: string): Promise<{ rows: unknown[]; hash: string }>;
  checkpoint(
    name: string,
  ): Promise<{ checkpoint_sequence_number: number; incarnation_uuid: string; uuid: string }>;
  checkpointStatus(
    name: string,
    incarnationUuid?: string,
  ): { success: number | null; failure: { sequence_number: number; error: string } | null };
  sync(name: string): Promise<{ checkpoint_uuid: string; incarnation_uuid: string }>;
  syncStatus(name: string, incarnationUuid?: string): SyncStatus;
  /** The local catalog as JSON text (64-bit fingerprints kept exact). */
  localCheckpoints(name: string): Promise<string>;
  /** The remote catalog as JSON text. */
  remoteCheckpoints(name: string): Promise<string>;
  /** Every pipeline's recovery state (`GET /v0/recovery`); buckets are read in the background. */
  recoveryList(): Promise<RecoverySummary[]>;
  /** One pipeline's recovery state (`GET .../recovery`). */
  recovery(name: string): Promise<RecoverySummary>;
  /** The pipeline's recovery events with `seq > after` (`GET .../recovery/history`). */
  recoveryHistory(
    name: string,
    after?: number,
    limit?: number,
  ): { events: RecoveryEvent[]; last_seq: number; capacity: number };
  /** Prometheus text exposition of the pipelines' counters. */
  metrics(): string;
  /** Stops every pipeline, letting running pushes finish within `graceMs`, then cancelling them. */
  shutdown(graceMs: number): Promise<void>;
}
