/** Base of the default transfer deadline: setting up, listing, committing. */
const BASE_MS = 10 * 60_000;
/** The slowest speed the default deadline allows for the bytes themselves. */
const FLOOR_BYTES_PER_SEC = 1024 * 1024;

/**
 * The overall deadline of one transfer of `bytes`: the configured `transfer_timeout` when set,
 * else 10 minutes plus the time the bytes take at 1 MiB/s (a 1 GiB checkpoint: about 27 minutes),
 * so a store that keeps resetting or trickling is given up on within a bounded time.
 */
export function transferDeadlineMs(bytes: number, configuredMs: number | null | undefined): number {
  if (configuredMs !== null && configuredMs !== undefined) return configuredMs;
  return BASE_MS + Math.ceil((Math.max(0, bytes) / FLOOR_BYTES_PER_SEC) * 1000);
}
