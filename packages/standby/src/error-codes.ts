/**
 * Error codes of the standby machine and its runner; part of the API. The loose `ERR_STANDBY_*`
 * exports below are the same values, kept for the packages that import them by name.
 */
export const StandbyErrorCodes = {
  /** Activation's final catch-up pull failed; the pipeline did not start on stale data. */
  finalPullFailed: 'ERR_STANDBY_FINAL_PULL_FAILED',
  /** The event does not apply in the current state (e.g. `/activate` on a stopped pipeline). */
  invalidTransition: 'ERR_STANDBY_INVALID_TRANSITION',
  /** Standby (or the start config) needs `start_from_checkpoint`. */
  requiresCheckpoint: 'ERR_STANDBY_REQUIRES_CHECKPOINT',
  /** The start config is not usable (e.g. a pull interval that is not a positive number). */
  invalidConfig: 'ERR_STANDBY_INVALID_CONFIG',
  /** Restoring the start checkpoint failed (auth, network, integrity), or none was found with `fail_if_no_checkpoint`. */
  restoreFailed: 'ERR_STANDBY_RESTORE_FAILED',
  /** No checkpoint exists and `fail_if_no_checkpoint` is set. */
  noCheckpoint: 'ERR_STANDBY_NO_CHECKPOINT',
  /** Recording the activation intent failed, so nothing was taken over and the engine was not started. */
  intentFailed: 'ERR_STANDBY_INTENT_FAILED',
  /**
   * Taking over the bucket's ownership (`owner.json`) failed; the engine was not started. The
   * activation intent stays, so the next start completes the activation.
   */
  takeoverFailed: 'ERR_STANDBY_TAKEOVER_FAILED',
  /** Writing `activated.feldera` failed, so the engine was not started. */
  markerFailed: 'ERR_STANDBY_MARKER_FAILED',
  /** The engine failed to start, or failed while running or paused. */
  engineFailed: 'ERR_STANDBY_ENGINE_FAILED',
  /** The runner was stopped before the awaited operation finished. */
  stopped: 'ERR_STANDBY_STOPPED',
  /** Recorded as `lastPullError.code` when a failed pull's error carried no code of its own. */
  uncodedPullFailure: 'ERR_PULL',
} as const;

/** One of the codes in `StandbyErrorCodes`. */
export type StandbyErrorCode = (typeof StandbyErrorCodes)[keyof typeof StandbyErrorCodes];

/** `StandbyErrorCodes.finalPullFailed`. */
export const ERR_STANDBY_FINAL_PULL_FAILED = StandbyErrorCodes.finalPullFailed;
/** `StandbyErrorCodes.invalidTransition`. */
export const ERR_STANDBY_INVALID_TRANSITION = StandbyErrorCodes.invalidTransition;
/** `StandbyErrorCodes.requiresCheckpoint`. */
export const ERR_STANDBY_REQUIRES_CHECKPOINT = StandbyErrorCodes.requiresCheckpoint;
/** `StandbyErrorCodes.invalidConfig`. */
export const ERR_STANDBY_INVALID_CONFIG = StandbyErrorCodes.invalidConfig;
/** `StandbyErrorCodes.restoreFailed`. */
export const ERR_STANDBY_RESTORE_FAILED = StandbyErrorCodes.restoreFailed;
/** `StandbyErrorCodes.noCheckpoint`. */
export const ERR_STANDBY_NO_CHECKPOINT = StandbyErrorCodes.noCheckpoint;
/** `StandbyErrorCodes.intentFailed`. */
export const ERR_STANDBY_INTENT_FAILED = StandbyErrorCodes.intentFailed;
/** `StandbyErrorCodes.takeoverFailed`. */
export const ERR_STANDBY_TAKEOVER_FAILED = StandbyErrorCodes.takeoverFailed;
/** `StandbyErrorCodes.markerFailed`. */
export const ERR_STANDBY_MARKER_FAILED = StandbyErrorCodes.markerFailed;
/** `StandbyErrorCodes.engineFailed`. */
export const ERR_STANDBY_ENGINE_FAILED = StandbyErrorCodes.engineFailed;
/** `StandbyErrorCodes.stopped`. */
export const ERR_STANDBY_STOPPED = StandbyErrorCodes.stopped;
