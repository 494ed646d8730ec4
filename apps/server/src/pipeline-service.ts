/** What the HTTP layer needs from the pipelines; `PipelineManager` implements it. */
export type InitialMode = 'running' | 'paused' | 'standby';

/** Feldera's runtime status values. */
export type RuntimeStatus =
  'Initializing' | 'Standby' | 'Running' | 'Paused' | 'Stopped' | 'Failed';

export interface PipelineDescriptor {
  name: string;
  system_name: string;
  runtime_config: Record<string, unknown>;
  created_at: string;
  updated_at: string;
  warnings: string[];
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
  put(
    name: string,
    runtimeConfig: unknown,
  ): Promise<{ descriptor: PipelineDescriptor; created: boolean }>;
  patch(
    name: string,
    patch: { name?: string; runtime_config?: unknown },
  ): Promise<PipelineDescriptor>;
  delete(name: string): Promise<void>;
  start(name: string, initial: InitialMode): Promise<PipelineStatus>;
  stop(name: string): Promise<PipelineStatus>;
  clear(name: string): Promise<void>;
  activate(name: string): Promise<PipelineStatus>;
  status(name: string): PipelineStatus;
  ingress(name: string, table: string, changes: IngressChange[]): Promise<{ applied: number }>;
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
  /** Prometheus text exposition of the pipelines' counters. */
  metrics(): string;
  /** Stops every pipeline, letting running pushes finish within `graceMs`, then cancelling them. */
  shutdown(graceMs: number): Promise<void>;
}
