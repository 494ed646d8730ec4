/** A push request's place in the queue. */
export type PushQueueDecision =
  { action: 'join-running' } | { action: 'join-queued' } | { action: 'enqueue' };

/** State of the per-storage-directory push queue: at most one running, the rest waiting in order. */
export interface PushQueueState {
  running: string | null;
  queued: readonly string[];
}

/**
 * Decides what a new request for `uuid` does: share the running push or a queued one for the
 * same checkpoint (one push, one result), else wait its turn.
 */
export function decidePushRequest(state: PushQueueState, uuid: string): PushQueueDecision {
  if (state.running === uuid) return { action: 'join-running' };
  if (state.queued.includes(uuid)) return { action: 'join-queued' };
  return { action: 'enqueue' };
}
