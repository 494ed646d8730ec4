// The parts of the server's public API the console reads, as a client sees them (the server's
// README and /openapi.json describe them); declared here because the console is a client.

export type Role = 'primary' | 'standby' | 'stopped' | 'failed';

export interface CheckpointRef {
  uuid: string;
  taken_at: string | null;
  age_secs: number | null;
  size: number | null;
  steps: number | null;
}

export interface RecoveryEvent {
  seq: number;
  kind: 'checkpoint' | 'push' | 'pull';
  result: 'success' | 'failure';
  at: string;
  checkpoint_uuid: string | null;
  checkpoint_time: string | null;
  bytes: number | null;
  duration_ms: number | null;
  pull_kind: 'standby' | 'final' | 'restore' | null;
  error: string | null;
}

export interface ApiErrorText {
  message: string;
  error_code: string;
}

export interface Transfer {
  operation: 'push' | 'pull' | 'verify';
  uuid: string;
  phase: string;
  bytes_done: number;
  bytes_total: number;
  objects_done: number;
  objects_total: number;
  speed_bytes_per_sec: number;
  eta_secs: number | null;
}

export interface RecoverySummary {
  name: string;
  system_name: string;
  role: Role;
  runtime_status: string;
  runtime_desired_status: string;
  incarnation_uuid: string | null;
  error: ApiErrorText | null;
  sync_configured: boolean;
  standby_configured: boolean;
  pull_interval_secs: number | null;
  push_interval_secs: number | null;
  local: { newest: CheckpointRef | null; count: number; error: string | null };
  remote: {
    bucket: string;
    newest: CheckpointRef | null;
    count: number | null;
    owner: { pipeline_name: string; given_name: string; created_at: string | null } | null;
    owner_is_self: boolean | null;
    checked_at: string | null;
    error: ApiErrorText | null;
  } | null;
  standby: {
    last_pull_at: string | null;
    pulled: CheckpointRef | null;
    lag_secs: number | null;
    consecutive_pull_failures: number;
    last_pull_error: string | null;
  } | null;
  sync: {
    manual_success: string | null;
    manual_failure: { uuid: string; error: string } | null;
    periodic_success: string | null;
    periodic_failure: { uuid: string; error: string } | null;
    last_success_at: string | null;
    last_push: RecoveryEvent | null;
    last_pull: RecoveryEvent | null;
  };
  transfer: Transfer | null;
  restored_from: { uuid: string | null; source: string } | null;
  took_over_from: string | null;
  history_seq: number;
}

export interface RecoveryList {
  server_time: string;
  pipelines: RecoverySummary[];
}

export interface RecoveryHistory {
  events: RecoveryEvent[];
  last_seq: number;
  capacity: number;
}
