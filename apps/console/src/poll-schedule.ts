/**
 * When to poll next: quickly while a transfer runs (so its progress bar moves), calmly otherwise,
 * and backing off exponentially (with jitter) while the server does not answer. Pure.
 */

export const FAST_MS = 1_000;
export const CALM_MS = 3_000;
export const MAX_BACKOFF_MS = 30_000;

export interface PollState {
  /** Failed polls in a row. */
  failures: number;
  /** A transfer or a start/activation is in progress somewhere. */
  busy: boolean;
}

/** The delay before the next poll; `random` in [0, 1) spreads retries of many open pages. */
export function nextPollDelay(state: PollState, random: number): number {
  if (state.failures > 0) {
    const base = Math.min(MAX_BACKOFF_MS, FAST_MS * 2 ** state.failures);
    return Math.round(base * (0.8 + 0.4 * random));
  }
  return state.busy ? FAST_MS : CALM_MS;
}
