/**
 * The recovery state of a pipeline at a glance (`GET /v0/recovery`, `GET .../recovery`): role,
 * newest checkpoints locally and in the bucket with their age, the bucket's owner, a standby's lag,
 * the last syncs and the running transfer. Pure: the manager gathers the inputs.
 */
import { uuidv7TimeMs } from '@feldera-sync/checkpoint';
import type { PullKind, RecoveryEvent, RecoveryEventInput } from './recovery-history.js';
import type { PipelineStatus, RuntimeStatus } from './pipeline-service.js';

/** What an operator needs to know first: who serves, who stands by. */
export type PipelineRole = 'primary' | 'standby' | 'stopped' | 'failed';

/** A checkpoint with the time it was taken (its UUIDv7 time) and its age. */
export interface CheckpointRef {
  uuid: string;
  taken_at: string | null;
  age_secs: number | null;
  size: number | null;
  steps: number | null;
}

/** The bucket's owner record (untrusted text from the bucket, shown as text). */
export interface BucketOwnerView {
  pipeline_name: string;
  given_name: string;
  created_at: string | null;
}

/** What this server last read from the pipeline's `bucket`. */
export interface RemoteView {
  bucket: string;
  newest: CheckpointRef | null;
  count: number | null;
  owner: BucketOwnerView | null;
  /** Whether the owner record names this pipeline; null before the first read or without one. */
  owner_is_self: boolean | null;
  /** When the bucket was last read (ISO 8601); null before the first read finished. */
  checked_at: string | null;
  error: { message: string; error_code: string } | null;
}

/** The running push or pull, with an estimate of the time left. */
export interface TransferView {
  operation: 'push' | 'pull' | 'verify';
  uuid: string;
  phase: string;
  bytes_done: number;
  bytes_total: number;
  objects_done: number;
  objects_total: number;
  speed_bytes_per_sec: number;
  /** Seconds left at the current speed; null while the speed is unknown. */
  eta_secs: number | null;
}

/** One pipeline's recovery state. */
export interface RecoverySummary {
  name: string;
  system_name: string;
  role: PipelineRole;
  runtime_status: RuntimeStatus;
  runtime_desired_status: RuntimeStatus;
  incarnation_uuid: string | null;
  error: { message: string; error_code: string } | null;
  /** Whether the runtime config has a `sync` section. */
  sync_configured: boolean;
  /** Whether the runtime config asks for standby (`sync.standby`). */
  standby_configured: boolean;
  pull_interval_secs: number | null;
  push_interval_secs: number | null;
  local: { newest: CheckpointRef | null; count: number; error: string | null };
  remote: RemoteView | null;
  standby: {
    last_pull_at: string | null;
    pulled: CheckpointRef | null;
    /** How far the pulled checkpoint is behind the bucket's newest, seconds (0: up to date). */
    lag_secs: number | null;
    consecutive_pull_failures: number;
    last_pull_error: string | null;
  } | null;
  sync: {
    /** UUID of the last successful manual sync, and the last failed one (`sync_status`). */
    manual_success: string | null;
    manual_failure: { uuid: string; error: string } | null;
    periodic_success: string | null;
    periodic_failure: { uuid: string; error: string } | null;
    /** When the last successful sync of either kind ended. */
    last_success_at: string | null;
    /** The newest push this server saw end, with its result. */
    last_push: RecoveryEvent | null;
    /** The newest pull this server saw end, with its result. */
    last_pull: RecoveryEvent | null;
  };
  transfer: TransferView | null;
  restored_from: PipelineStatus['restored_from'];
  took_over_from: string | null;
  /** The newest event's `seq` in `.../recovery/history`: fetch the history when it changed. */
  history_seq: number;
}

/** The role shown for a status. */
export function roleOf(
  status: Pick<PipelineStatus, 'runtime_status' | 'runtime_desired_status'>,
): PipelineRole {
  switch (status.runtime_status) {
    case 'Failed':
      return 'failed';
    case 'Stopped':
      return 'stopped';
    case 'Standby':
      return 'standby';
    case 'Running':
    case 'Paused':
      return 'primary';
    case 'Initializing':
      // Starting into standby, or activating (still not serving): standby until it runs.
      return status.runtime_desired_status === 'Standby' ? 'standby' : 'primary';
  }
}

function iso(ms: number | null): string | null {
  return ms === null ? null : new Date(ms).toISOString();
}

/** A checkpoint's reference: its UUIDv7 time and age at `nowMs`. */
export function checkpointRef(
  uuid: string,
  nowMs: number,
  extra: { size?: number | null; steps?: number | null } = {},
): CheckpointRef {
  const takenMs = uuidv7TimeMs(uuid);
  return {
    uuid,
    taken_at: iso(takenMs),
    age_secs: takenMs === null ? null : Math.max(0, (nowMs - takenMs) / 1000),
    size: extra.size ?? null,
    steps: extra.steps ?? null,
  };
}

/**
 * A standby's lag: how much older its pulled checkpoint is than the bucket's newest, seconds; 0 when
 * it has the newest (or a newer one); null when either is unknown.
 */
export function standbyLagSecs(
  pulledUuid: string | null,
  remoteNewestUuid: string | null,
): number | null {
  if (remoteNewestUuid === null) return null;
  if (pulledUuid === null) return null;
  const pulled = uuidv7TimeMs(pulledUuid);
  const newest = uuidv7TimeMs(remoteNewestUuid);
  if (pulled === null || newest === null) return pulledUuid === remoteNewestUuid ? 0 : null;
  return Math.max(0, (newest - pulled) / 1000);
}

/** The running transfer as shown, with an ETA at the current speed. */
export function transferView(progress: {
  operation: 'push' | 'pull' | 'verify';
  uuid: string;
  phase: string;
  bytesDone: number;
  bytesTotal: number;
  objectsDone: number;
  objectsTotal: number;
  speed: number;
}): TransferView {
  const left = Math.max(0, progress.bytesTotal - progress.bytesDone);
  return {
    operation: progress.operation,
    uuid: progress.uuid,
    phase: progress.phase,
    bytes_done: progress.bytesDone,
    bytes_total: progress.bytesTotal,
    objects_done: progress.objectsDone,
    objects_total: progress.objectsTotal,
    speed_bytes_per_sec: progress.speed,
    eta_secs: progress.speed > 0 ? left / progress.speed : left === 0 ? 0 : null,
  };
}

function text(value: unknown): string | null {
  return typeof value === 'string' ? value : null;
}

function count(value: unknown): number | null {
  return typeof value === 'number' && Number.isFinite(value) && value >= 0 ? value : null;
}

function checkpointTime(uuid: string | null): string | null {
  return uuid === null ? null : iso(uuidv7TimeMs(uuid));
}

/**
 * The history event a pipeline log entry stands for, or null: the synchroniser logs every push it
 * finishes (`checkpoint pushed`) and every failed one (periodic, and the server's manual sync).
 */
export function eventFromLog(
  msg: string,
  fields: Record<string, unknown>,
  nowMs: number,
): RecoveryEventInput | null {
  const uuid = text(fields.uuid);
  const base = {
    at: new Date(nowMs).toISOString(),
    checkpoint_uuid: uuid,
    checkpoint_time: checkpointTime(uuid),
    pull_kind: null,
  };
  switch (msg) {
    case 'checkpoint pushed':
      return {
        ...base,
        kind: 'push',
        result: 'success',
        bytes: count(fields.bytes),
        duration_ms: count(fields.durationMs),
        error: null,
      };
    case 'periodic checkpoint sync failed':
    case 'checkpoint sync failed':
      return {
        ...base,
        kind: 'push',
        result: 'failure',
        bytes: null,
        duration_ms: null,
        error: text(fields.error) ?? text(fields.err) ?? 'push failed',
      };
    default:
      return null;
  }
}

/** The parts of a standby machine transition that make a pull event. */
export interface PullTransition {
  event:
    | { type: string; at: number; result?: { checkpointUuid: string | null; bytes?: number } }
    | { type: string; at: number; error?: { message: string } };
  previousPullStartedAtMs: number | null;
  /** The checkpoint the previous successful pull installed. */
  previousPulled: string | null;
}

const PULL_EVENTS: Record<string, { kind: PullKind; ok: boolean }> = {
  pullSucceeded: { kind: 'standby', ok: true },
  pullFailed: { kind: 'standby', ok: false },
  finalPullSucceeded: { kind: 'final', ok: true },
  finalPullFailed: { kind: 'final', ok: false },
  restoreSucceeded: { kind: 'restore', ok: true },
  restoreFailed: { kind: 'restore', ok: false },
};

/**
 * The history event of a standby machine transition, or null. A standby pull that found what it
 * already had (same checkpoint, no bytes) is no event: it happens every `pull_interval`, and the
 * status's `last_pull_at` already says it happened. Neither is a restore that found nothing.
 */
export function eventFromTransition(t: PullTransition): RecoveryEventInput | null {
  const kind = PULL_EVENTS[t.event.type];
  if (!kind) return null;
  const started = t.previousPullStartedAtMs;
  const duration = started === null ? null : Math.max(0, t.event.at - started);
  const base = {
    kind: 'pull' as const,
    at: new Date(t.event.at).toISOString(),
    duration_ms: duration,
    pull_kind: kind.kind,
  };
  if (!kind.ok) {
    const error = 'error' in t.event ? t.event.error?.message : undefined;
    return {
      ...base,
      result: 'failure',
      checkpoint_uuid: null,
      checkpoint_time: null,
      bytes: null,
      error: error ?? 'pull failed',
    };
  }
  const result = 'result' in t.event ? t.event.result : undefined;
  const uuid = result?.checkpointUuid ?? null;
  const bytes = result?.bytes ?? 0;
  if (uuid === null) return null;
  if (kind.kind === 'standby' && uuid === t.previousPulled && bytes === 0) return null;
  return {
    ...base,
    result: 'success',
    checkpoint_uuid: uuid,
    checkpoint_time: checkpointTime(uuid),
    bytes,
    error: null,
  };
}
