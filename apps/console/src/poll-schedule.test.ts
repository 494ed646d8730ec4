import { describe, expect, it } from 'vitest';
import { CALM_MS, FAST_MS, MAX_BACKOFF_MS, nextPollDelay } from './poll-schedule.js';

describe('nextPollDelay', () => {
  it('polls fast while something moves and calmly otherwise', () => {
    expect(nextPollDelay({ failures: 0, busy: true }, 0.5)).toBe(FAST_MS);
    expect(nextPollDelay({ failures: 0, busy: false }, 0.5)).toBe(CALM_MS);
  });

  it('backs off exponentially with jitter, up to a cap', () => {
    const mid = (failures: number) => nextPollDelay({ failures, busy: true }, 0.5);
    expect([1, 2, 3, 4].map(mid)).toEqual([2000, 4000, 8000, 16000]);
    expect(mid(5)).toBe(MAX_BACKOFF_MS);
    expect(mid(50)).toBe(MAX_BACKOFF_MS);
    expect(nextPollDelay({ failures: 1, busy: false }, 0)).toBe(1600);
    expect(nextPollDelay({ failures: 1, busy: false }, 0.999999)).toBe(2400);
  });
});
