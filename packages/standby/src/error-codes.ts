/** Activation's final catch-up pull failed; the pipeline did not start on stale data. */
export const ERR_STANDBY_FINAL_PULL_FAILED = 'ERR_STANDBY_FINAL_PULL_FAILED';
/** The event does not apply in the current state (e.g. `/activate` on a stopped pipeline). */
export const ERR_STANDBY_INVALID_TRANSITION = 'ERR_STANDBY_INVALID_TRANSITION';
/** Standby (or the start config) needs `start_from_checkpoint`. */
export const ERR_STANDBY_REQUIRES_CHECKPOINT = 'ERR_STANDBY_REQUIRES_CHECKPOINT';
/** The start config is not usable (e.g. a pull interval that is not a positive number). */
export const ERR_STANDBY_INVALID_CONFIG = 'ERR_STANDBY_INVALID_CONFIG';
/** Restoring the start checkpoint failed (auth, network, integrity), or none was found with `fail_if_no_checkpoint`. */
export const ERR_STANDBY_RESTORE_FAILED = 'ERR_STANDBY_RESTORE_FAILED';
/** No checkpoint exists and `fail_if_no_checkpoint` is set. */
export const ERR_STANDBY_NO_CHECKPOINT = 'ERR_STANDBY_NO_CHECKPOINT';
/** Recording the activation intent failed, so nothing was taken over and the engine was not started. */
export const ERR_STANDBY_INTENT_FAILED = 'ERR_STANDBY_INTENT_FAILED';
/**
 * Taking over the bucket's ownership (`owner.json`) failed; the engine was not started. The
 * activation intent stays, so the next start completes the activation.
 */
export const ERR_STANDBY_TAKEOVER_FAILED = 'ERR_STANDBY_TAKEOVER_FAILED';
/** Writing `activated.feldera` failed, so the engine was not started. */
export const ERR_STANDBY_MARKER_FAILED = 'ERR_STANDBY_MARKER_FAILED';
/** The engine failed to start, or failed while running or paused. */
export const ERR_STANDBY_ENGINE_FAILED = 'ERR_STANDBY_ENGINE_FAILED';
/** The runner was stopped before the awaited operation finished. */
export const ERR_STANDBY_STOPPED = 'ERR_STANDBY_STOPPED';
