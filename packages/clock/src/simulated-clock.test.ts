import { stat } from 'node:fs/promises';
import { ERR_ABORTED, hasErrorCode } from '@feldera-sync/errors';
import { describe, expect, it } from 'vitest';
import { SimulatedClock } from './simulated-clock.js';

describe('SimulatedClock', () => {
  it('fires due timers in time order, each at its own time, and lets promises settle in between', async () => {
    const clock = new SimulatedClock(1_000);
    const seen: [string, number][] = [];
    clock.setTimeout(() => seen.push(['b', clock.now()]), 20);
    clock.setTimeout(() => {
      seen.push(['a', clock.now()]);
      void Promise.resolve().then(() => clock.setTimeout(() => seen.push(['c', clock.now()]), 5));
    }, 10);
    const cleared = clock.setTimeout(() => seen.push(['x', clock.now()]), 15);
    clock.clearTimeout(cleared);
    await clock.advance(30);
    expect(seen).toEqual([
      ['a', 1_010],
      ['c', 1_015],
      ['b', 1_020],
    ]);
    expect(clock.now()).toBe(1_030);
    expect(clock.pendingTimers).toBe(0);
  });

  it('sleep resolves after simulated time and rejects with ERR_ABORTED on abort', async () => {
    const clock = new SimulatedClock();
    let done = false;
    void clock.sleep(100).then(() => (done = true));
    await clock.advance(99);
    expect(done).toBe(false);
    await clock.advance(1);
    expect(done).toBe(true);

    const ac = new AbortController();
    const sleeping = clock.sleep(100, ac.signal).catch((e: unknown) => e);
    ac.abort();
    expect(hasErrorCode(await sleeping, ERR_ABORTED)).toBe(true);
    expect(clock.pendingTimers).toBe(0);
  });

  it('like Node, fires a timer whose delay exceeds 2^31-1 ms (or is NaN) after 1 ms', async () => {
    const clock = new SimulatedClock();
    const fired: number[] = [];
    clock.setTimeout(() => fired.push(clock.now()), 2 ** 31);
    clock.setTimeout(() => fired.push(clock.now()), Number.NaN);
    clock.setTimeout(() => fired.push(clock.now()), 2 ** 31 - 1);
    await clock.advance(10);
    expect(fired).toEqual([1, 1]);
    expect(clock.pendingTimers).toBe(1);
  });

  it('lists pending delays soonest first and waits for real work started by each timer', async () => {
    const clock = new SimulatedClock(100);
    clock.setTimeout(() => undefined, 30);
    clock.setTimeout(() => undefined, 10);
    expect(clock.pendingDelays()).toEqual([10, 30]);

    // Work that ends on real file I/O, not a microtask: advance alone would not see it end.
    const ended: number[] = [];
    clock.setTimeout(() => void stat('.').then(() => ended.push(clock.now())), 5);
    await clock.advance(5, { afterEachTimer: () => clock.runUntil(() => ended.length === 1) });
    expect(ended).toEqual([105]);
    expect(clock.pendingDelays()).toEqual([5, 25]);

    await expect(clock.runUntil(() => false, 20)).rejects.toThrow(/not met within 20 ms/);
  });
});
