import { describe, expect, it } from 'vitest';
import { MAX_TIMER_DELAY_MS, MAX_TIMER_INTERVAL_SECS, boundedTimerDelay } from './timer-delay.js';

describe('boundedTimerDelay', () => {
  it.each([
    [0, 0],
    [1, 1],
    [1500.5, 1500.5],
    [MAX_TIMER_DELAY_MS, MAX_TIMER_DELAY_MS],
    [MAX_TIMER_DELAY_MS + 1, MAX_TIMER_DELAY_MS],
    [30 * 86_400_000, MAX_TIMER_DELAY_MS],
    [Number.POSITIVE_INFINITY, MAX_TIMER_DELAY_MS],
    [Number.NaN, MAX_TIMER_DELAY_MS],
    [-5, 0],
    [Number.NEGATIVE_INFINITY, 0],
  ])('%d ms -> %d ms', (input, expected) => {
    expect(boundedTimerDelay(input)).toBe(expected);
  });
});

describe('MAX_TIMER_INTERVAL_SECS', () => {
  it('is the longest whole-second interval whose milliseconds fit a Node timer', () => {
    expect(MAX_TIMER_INTERVAL_SECS).toBe(2_147_483);
    expect(MAX_TIMER_INTERVAL_SECS * 1000).toBeLessThanOrEqual(MAX_TIMER_DELAY_MS);
    expect((MAX_TIMER_INTERVAL_SECS + 1) * 1000).toBeGreaterThan(MAX_TIMER_DELAY_MS);
  });
});
