import { afterEach, describe, expect, it, vi } from 'vitest';
import { systemClock } from './clock.js';

afterEach(() => {
  vi.useRealTimers();
});

describe('systemClock', () => {
  it('never turns a delay above the Node timer limit into a 1 ms timer', () => {
    // Fake timers model Node's overflow (a delay above 2^31-1 ms fires after 1 ms): no real sleep.
    vi.useFakeTimers();
    let overflowed = 0;
    setTimeout(() => overflowed++, 2 ** 31);
    vi.advanceTimersByTime(1);
    expect(overflowed).toBe(1);

    let fired = 0;
    for (const ms of [2 ** 31, 30 * 86_400_000, Number.NaN, Number.POSITIVE_INFINITY])
      systemClock.setTimeout(() => fired++, ms);
    vi.advanceTimersByTime(24 * 86_400_000);
    expect(fired).toBe(0);
    vi.advanceTimersByTime(2 * 86_400_000);
    expect(fired).toBe(4);
  });
});
