/**
 * Longest delay Node's `setTimeout` honours (a signed 32-bit millisecond count, about 24.8 days).
 * Node replaces anything longer, and NaN, with 1 ms: an interval above it would fire every millisecond.
 */
export const MAX_TIMER_DELAY_MS = 2 ** 31 - 1;

/** Longest interval, in whole seconds, whose milliseconds still fit a Node timer (2147483 s). */
export const MAX_TIMER_INTERVAL_SECS = Math.floor(MAX_TIMER_DELAY_MS / 1000);

/**
 * A delay that a timer really waits: above MAX_TIMER_DELAY_MS (or infinite, or NaN) it is
 * MAX_TIMER_DELAY_MS, never the 1 ms Node would make of it; negative delays are 0.
 * A clamped timer fires early, after 24.8 days, which a periodic caller survives; a 1 ms loop it does not.
 */
export function boundedTimerDelay(delayMs: number): number {
  if (Number.isNaN(delayMs) || delayMs > MAX_TIMER_DELAY_MS) return MAX_TIMER_DELAY_MS;
  return delayMs < 0 ? 0 : delayMs;
}
