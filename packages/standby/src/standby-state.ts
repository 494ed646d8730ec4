/** Names of the machine's states. `stopped` is also the state before the first `start`. */
export type StandbyStateName =
  'stopped' | 'starting' | 'restoring' | 'standby' | 'activating' | 'running' | 'paused' | 'failed';

/** Every state name, for exhaustive tests and UIs. */
export const STANDBY_STATE_NAMES: readonly StandbyStateName[] = [
  'stopped',
  'starting',
  'restoring',
  'standby',
  'activating',
  'running',
  'paused',
  'failed',
];

/** How the pipeline is asked to start (`?initial=` on the start request). */
export type InitialMode = 'running' | 'paused' | 'standby';

/** Which mode the engine runs in once started. */
export type RunMode = 'running' | 'paused';

/** `start_from_checkpoint`: `'latest'` or one checkpoint UUID. */
export type CheckpointRef = string;

/** What the machine needs from the runtime config and the storage directory; plain data, read by the app. */
export interface StandbyStartConfig {
  /** `start_from_checkpoint`; null when not set. */
  readonly startFromCheckpoint: CheckpointRef | null;
  /** `pull_interval` in milliseconds (the config holds seconds). */
  readonly pullIntervalMs: number;
  /** `fail_if_no_checkpoint`. */
  readonly failIfNoCheckpoint: boolean;
  /** Whether `activated.feldera` exists in the storage directory. */
  readonly activatedMarkerPresent: boolean;
  /** Whether the storage directory holds a complete checkpoint; unknown when absent. */
  readonly hasLocalCheckpoint?: boolean;
  /**
   * Whether the storage directory holds an activation intent: an activation was interrupted
   * (a crash or kill after the intent was recorded, before it completed). The start rolls it
   * forward: takeover, marker, then it runs from the newest local checkpoint.
   */
  readonly activationIntentPresent?: boolean;
}

/**
 * Where activation is: waiting for a running pull, the final pull, recording the durable intent,
 * taking over the bucket's ownership, writing `activated.feldera`, starting the engine.
 */
export type ActivationStep =
  | 'awaitingPull'
  | 'finalPull'
  | 'recordingIntent'
  | 'takingOver'
  | 'writingMarker'
  | 'startingEngine';

/** What a pull is for: a periodic standby pull, activation's final pull, or the start restore. */
export type PullMode = 'standby' | 'final' | 'restore';

/** A checkpoint the machine knows about, with the time from its UUIDv7 (null when not a UUIDv7). */
export interface CheckpointInfo {
  readonly uuid: string;
  readonly timeMs: number | null;
  readonly bytes?: number;
}

/** A recorded error: code, message and when it happened (machine time). */
export interface ErrorRecord {
  readonly code: string;
  readonly message: string;
  readonly atMs: number | null;
  /** The code of the underlying error when `code` is the machine's own (e.g. `ERR_STORE_AUTH` under `ERR_STANDBY_FINAL_PULL_FAILED`). */
  readonly causeCode?: string;
}

/** Pull counters the runner exposes in status and metrics. */
export interface PullCounters {
  /** Completed pull attempts (standby and final), successful or not. */
  readonly totalPulls: number;
  /** Failed pull attempts (standby and final). */
  readonly failedPulls: number;
  /** Failed pulls since the last successful one. */
  readonly consecutivePullFailures: number;
  /** When the most recent pull started. */
  readonly lastPullStartedAtMs: number | null;
  /** When the most recent successful pull finished. */
  readonly lastPullAtMs: number | null;
  /** The newest checkpoint a pull installed. */
  readonly lastPulled: CheckpointInfo | null;
  /** The most recent pull error. */
  readonly lastPullError: ErrorRecord | null;
}

/** The machine's whole state: a plain, serialisable object. */
export interface StandbyState {
  readonly name: StandbyStateName;
  /** The config of the current (or last) start; null before the first start. */
  readonly config: StandbyStartConfig | null;
  /** The mode the engine will run in (or runs in); null in standby and before start. */
  readonly targetMode: RunMode | null;
  /** Set in `activating` only. */
  readonly activationStep: ActivationStep | null;
  /** The pull currently in flight, if any (never more than one). */
  readonly pullInFlight: PullMode | null;
  /** True once this storage directory has been activated (marker present or written). */
  readonly activated: boolean;
  /** True while a start completes an interrupted activation (intent found at start). */
  readonly rollingForward: boolean;
  /** The bucket owner this activation took over from; null when none (or not activated here). */
  readonly tookOverFrom: string | null;
  /** The checkpoint the engine was (or is being) started from; null for empty state. */
  readonly runningFrom: CheckpointInfo | null;
  /** Why the machine is in `failed`. */
  readonly failure: ErrorRecord | null;
  readonly counters: PullCounters;
}

/** Counters of a fresh machine. */
export const INITIAL_COUNTERS: PullCounters = {
  totalPulls: 0,
  failedPulls: 0,
  consecutivePullFailures: 0,
  lastPullStartedAtMs: null,
  lastPullAtMs: null,
  lastPulled: null,
  lastPullError: null,
};

/** The state before the first `start`: stopped, nothing known. */
export function initialStandbyState(): StandbyState {
  return {
    name: 'stopped',
    config: null,
    targetMode: null,
    activationStep: null,
    pullInFlight: null,
    activated: false,
    rollingForward: false,
    tookOverFrom: null,
    runningFrom: null,
    failure: null,
    counters: INITIAL_COUNTERS,
  };
}
