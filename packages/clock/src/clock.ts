import { boundedTimerDelay } from './timer-delay.js';

/** Opaque handle returned by `Clock.setTimeout`. */
export type TimerHandle = unknown;

/** Time source and timers, injected so tests run on simulated time. */
export interface Clock {
  /** Milliseconds since the epoch (wall clock: checkpoint ages compare it with UUIDv7 times). */
  now(): number;
  /** Runs `callback` once after `delayMs`. */
  setTimeout(callback: () => void, delayMs: number): TimerHandle;
  /** Cancels a timer; unknown or fired handles are ignored. */
  clearTimeout(handle: TimerHandle): void;
}

/**
 * The real clock: `Date.now` and unref'd Node timers (a pending pull never keeps the process alive).
 * Delays Node cannot hold (above 2^31-1 ms, NaN) wait the longest delay it can instead of 1 ms.
 */
export const systemClock: Clock = {
  now: () => Date.now(),
  setTimeout(callback, delayMs) {
    const timer = setTimeout(callback, boundedTimerDelay(delayMs));
    timer.unref();
    return timer;
  },
  clearTimeout(handle) {
    clearTimeout(handle as ReturnType<typeof setTimeout>);
  },
};
