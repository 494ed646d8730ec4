import type { Clock, TimerHandle } from '@feldera-sync/clock';
import { boundedTimerDelay } from '@feldera-sync/clock';
import type { PeriodicSchedule } from './backoff.js';
import { nextPeriodicDelay } from './backoff.js';
import { describeError } from './describe-error.js';
import type { SyncLogger } from './logger.js';
import { resolveLocal } from './resolve.js';

/** What the periodic pusher needs from its synchroniser. */
export interface PeriodicPusherOptions {
  storageDir: string;
  clock: Clock;
  logger: SyncLogger;
  /** Pushes `uuid` as a periodic push; `signal` fires when the synchroniser cancels it at close. */
  push: (uuid: string, signal: AbortSignal) => Promise<unknown>;
  /** The newest checkpoint known to be in the bucket (status `lastSynced`). */
  lastSynced: () => string | null;
  /** When the last successful push, manual or periodic, ended (status `lastSuccessAt`). */
  lastSuccessAt: () => number | null;
}

/** The `push_interval` scheduler: one timer, one tick at a time, backoff after failures. */
export interface PeriodicPusher {
  /** Starts (or restarts) pushing the newest unsynced local checkpoint every `intervalMs` after the last success. */
  start(schedule: PeriodicSchedule): void;
  /** Stops scheduling; a tick already running finishes. */
  stop(): void;
  /** A manual push succeeded: `push_interval` counts from its end, unless a periodic tick is running. */
  manualPushSucceeded(): void;
  /**
   * Stops for good; a periodic push still running after `cancelAfterMs` is aborted. Returns the
   * cleanup to call once running work has ended (it clears the cancel timer).
   */
  close(cancelAfterMs: number | undefined): () => void;
}

/** Creates the periodic pusher of one synchroniser. */
export function createPeriodicPusher(options: PeriodicPusherOptions): PeriodicPusher {
  const { clock, logger } = options;
  let schedule: PeriodicSchedule | null = null;
  let timer: TimerHandle = null;
  let scheduled = false;
  let failures = 0;
  let ticking = false;
  let closed = false;
  // Cancels a periodic push when the synchroniser closes (manual pushes carry the caller's signal).
  const abort = new AbortController();

  const cancelTimer = (): void => {
    if (scheduled) clock.clearTimeout(timer);
    scheduled = false;
  };

  const scheduleIn = (delayMs: number): void => {
    cancelTimer();
    scheduled = schedule !== null;
    if (schedule) timer = clock.setTimeout(() => void tick(), boundedTimerDelay(delayMs));
  };

  const tick = async (): Promise<void> => {
    scheduled = false;
    if (!schedule || closed) return;
    ticking = true;
    let uuid: string | null = null;
    try {
      uuid = await resolveLocal(options.storageDir, 'latest');
      if (uuid !== null && uuid !== options.lastSynced()) await options.push(uuid, abort.signal);
      failures = 0;
    } catch (e) {
      failures++;
      logger.warn('periodic checkpoint sync failed', { uuid, failures, ...describeError(e) });
    } finally {
      ticking = false;
    }
    if (schedule && !closed) scheduleIn(nextPeriodicDelay(schedule, failures));
  };

  return {
    start(next) {
      schedule = {
        intervalMs: next.intervalMs,
        retryBaseMs: next.retryBaseMs,
        retryCapMs: next.retryCapMs,
      };
      failures = 0;
      const last = options.lastSuccessAt();
      scheduleIn(
        last === null ? next.intervalMs : Math.max(0, last + next.intervalMs - clock.now()),
      );
    },
    stop() {
      schedule = null;
      cancelTimer();
    },
    manualPushSucceeded() {
      if (schedule && !ticking) scheduleIn(schedule.intervalMs);
    },
    close(cancelAfterMs) {
      schedule = null;
      cancelTimer();
      closed = true;
      if (cancelAfterMs === undefined) return () => undefined;
      const cancel = clock.setTimeout(
        () => abort.abort(new Error('synchroniser closing')),
        boundedTimerDelay(cancelAfterMs),
      );
      return () => clock.clearTimeout(cancel);
    },
  };
}
