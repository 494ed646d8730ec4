/** Parameters of the periodic push schedule. */
export interface PeriodicSchedule {
  /** `push_interval` in milliseconds. */
  intervalMs: number;
  /** First retry delay after a failure (default: the smaller of the interval and 5 s). */
  retryBaseMs?: number | undefined;
  /** Longest delay between retries (default: the larger of the interval and 5 min). */
  retryCapMs?: number | undefined;
}

/**
 * Delay before the next periodic attempt: the interval after a success (measured from its end),
 * else a capped exponential backoff in the number of consecutive failures.
 */
export function nextPeriodicDelay(schedule: PeriodicSchedule, consecutiveFailures: number): number {
  const interval = Math.max(1, schedule.intervalMs);
  if (consecutiveFailures <= 0) return interval;
  const base = schedule.retryBaseMs ?? Math.min(interval, 5_000);
  const cap = schedule.retryCapMs ?? Math.max(interval, 300_000);
  const exp = Math.min(consecutiveFailures - 1, 30);
  return Math.min(cap, base * 2 ** exp);
}
