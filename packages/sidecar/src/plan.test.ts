import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { SidecarEffect, SidecarEvent, SidecarState } from './plan.js';
import { initialSidecarState, retryDelayMs, sidecarTransition, sidecarView } from './plan.js';

/** A UUIDv7 at `ms` (random bits from `n`). */
function v7(ms: number, n = 0): string {
  const hex = ms.toString(16).padStart(12, '0');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-7000-8000-${n.toString(16).padStart(12, '0')}`;
}

const T0 = 1_750_000_000_000;
const C = [1, 2, 3, 4, 5].map((i) => v7(T0 + i * 200, i));
const c = (i: number): string => C[i - 1]!;

/** Applies events in order, collecting effects. */
function drive(
  events: readonly SidecarEvent[],
  from: SidecarState = initialSidecarState({ pushIntervalMs: null }),
): { state: SidecarState; effects: SidecarEffect[] } {
  let state = from;
  const effects: SidecarEffect[] = [];
  for (const e of events) {
    const [next, out] = sidecarTransition(state, e);
    state = next;
    effects.push(...out);
  }
  return { state, effects };
}

const seen = (uuid: string, at: number, complete = true): SidecarEvent => ({
  type: 'observed',
  checkpoints: [{ uuid, complete }],
  at,
});

describe('sidecarTransition without push_interval', () => {
  it('pins each new complete checkpoint at once and pushes the newest as soon as it can', () => {
    const { state, effects } = drive([
      seen(c(1), 10),
      { type: 'pinned', uuid: c(1), at: 11 },
      seen(c(2), 20),
      { type: 'pinned', uuid: c(2), at: 21 },
      seen(c(3), 30),
      { type: 'pinned', uuid: c(3), at: 31 },
      { type: 'pushSucceeded', uuid: c(1), at: 40 },
    ]);
    expect(effects).toEqual([
      { type: 'pin', uuid: c(1) },
      { type: 'push', uuid: c(1) },
      { type: 'pin', uuid: c(2) },
      { type: 'pin', uuid: c(3) },
      // c2 was never pushed: c3 supersedes it, so its pin goes at once.
      { type: 'unpin', uuid: c(2) },
      // c1's push is done: its pin goes, and the newest is pushed.
      { type: 'unpin', uuid: c(1) },
      { type: 'push', uuid: c(3) },
    ]);
    expect(state).toMatchObject({ pins: [c(3)], pushing: c(3), lastPushed: c(1) });
    expect(state.counters).toMatchObject({ pushes: 1, pinned: 3, superseded: 1 });
  });

  it('never pins a checkpoint inside the commit window (no state.json yet)', () => {
    const { effects, state } = drive([
      seen(c(1), 10, false),
      seen(c(1), 20, false),
      { type: 'observed', checkpoints: [{ uuid: c(1), complete: true }], at: 30 },
    ]);
    expect(effects).toEqual([{ type: 'pin', uuid: c(1) }]);
    expect(state.pinning).toBe(c(1));
  });

  it('pins only the newest of several complete checkpoints in one scan, and never an older one later', () => {
    const { effects } = drive([
      {
        type: 'observed',
        checkpoints: [
          { uuid: c(3), complete: false },
          { uuid: c(2), complete: true },
          { uuid: c(1), complete: true },
        ],
        at: 10,
      },
      { type: 'pinned', uuid: c(2), at: 11 },
      seen(c(1), 12),
    ]);
    expect(effects).toEqual([
      { type: 'pin', uuid: c(2) },
      { type: 'push', uuid: c(2) },
    ]);
  });

  it('a checkpoint that vanished before its pin was never chosen; older pins still push', () => {
    const { effects, state } = drive([
      seen(c(1), 10),
      { type: 'pinned', uuid: c(1), at: 11 },
      seen(c(2), 12),
      { type: 'pinFailed', uuid: c(2), at: 13 },
      { type: 'pushSucceeded', uuid: c(1), at: 14 },
      seen(c(2), 15),
    ]);
    expect(effects).toEqual([
      { type: 'pin', uuid: c(1) },
      { type: 'push', uuid: c(1) },
      { type: 'pin', uuid: c(2) },
      { type: 'unpin', uuid: c(1) },
    ]);
    expect(state.counters.pinFailures).toBe(1);
    expect(state.pins).toEqual([]);
  });
});

describe('sidecarTransition with push_interval', () => {
  it('pushes the first checkpoint at once, then the newest every interval after the previous push started', () => {
    let s = initialSidecarState({ pushIntervalMs: 10_000 });
    const step = (e: SidecarEvent): SidecarEffect[] => {
      const [next, out] = sidecarTransition(s, e);
      s = next;
      return [...out];
    };
    step(seen(c(1), 0));
    expect(step({ type: 'pinned', uuid: c(1), at: 1 })).toEqual([{ type: 'push', uuid: c(1) }]);
    step({ type: 'pushSucceeded', uuid: c(1), at: 2_000 });
    step(seen(c(2), 3_000));
    expect(step({ type: 'pinned', uuid: c(2), at: 3_001 })).toEqual([]);
    expect(s.wakeAtMs).toBe(10_001);
    step(seen(c(3), 5_000));
    expect(step({ type: 'pinned', uuid: c(3), at: 5_001 })).toEqual([
      { type: 'unpin', uuid: c(2) },
    ]);
    expect(step({ type: 'tick', at: 9_000 })).toEqual([]);
    expect(step({ type: 'tick', at: 10_001 })).toEqual([{ type: 'push', uuid: c(3) }]);
  });

  it('retries a failed push with backoff, keeping its pin unless lost or superseded', () => {
    let s = initialSidecarState({ pushIntervalMs: 10_000 });
    const step = (e: SidecarEvent): SidecarEffect[] => {
      const [next, out] = sidecarTransition(s, e);
      s = next;
      return [...out];
    };
    step(seen(c(1), 0));
    step({ type: 'pinned', uuid: c(1), at: 0 });
    expect(step({ type: 'pushFailed', uuid: c(1), pinLost: false, at: 100 })).toEqual([]);
    expect(s).toMatchObject({ pins: [c(1)], consecutiveFailures: 1 });
    expect(s.wakeAtMs).toBe(100 + retryDelayMs(s.config, 1));
    expect(retryDelayMs(s.config, 1)).toBe(5_000);
    expect(retryDelayMs(s.config, 3)).toBe(20_000);
    expect(retryDelayMs(s.config, 30)).toBe(300_000);
    expect(step({ type: 'tick', at: s.wakeAtMs! })).toEqual([{ type: 'push', uuid: c(1) }]);
    expect(step({ type: 'pushFailed', uuid: c(1), pinLost: true, at: 20_000 })).toEqual([
      { type: 'unpin', uuid: c(1) },
    ]);
    expect(s.pins).toEqual([]);
    expect(s.wakeAtMs).toBeNull();
  });
});

describe('stop and recovery', () => {
  it('stop releases every pin at once except the running push, which goes when it ends; nothing new starts', () => {
    const { effects, state } = drive([
      seen(c(1), 10),
      { type: 'pinned', uuid: c(1), at: 11 },
      seen(c(2), 12),
      { type: 'pinned', uuid: c(2), at: 13 },
      { type: 'stop', at: 14 },
      seen(c(3), 15),
      { type: 'pushSucceeded', uuid: c(1), at: 16 },
      { type: 'tick', at: 17 },
    ]);
    expect(effects.slice(2)).toEqual([
      { type: 'pin', uuid: c(2) },
      { type: 'unpin', uuid: c(2) },
      { type: 'unpin', uuid: c(1) },
    ]);
    expect(state).toMatchObject({ pins: [], pushing: null, stopping: true });
  });

  it('pins a killed run left are pushed: the newest, the others released', () => {
    const { effects } = drive([{ type: 'recovered', pins: [c(2), c(1)], at: 0 }, seen(c(2), 1)]);
    expect(effects).toEqual([
      { type: 'unpin', uuid: c(1) },
      { type: 'push', uuid: c(2) },
    ]);
  });

  it('the view reports age and lag from the UUIDv7 times', () => {
    const { state } = drive([
      seen(c(1), 10),
      { type: 'pinned', uuid: c(1), at: 11 },
      { type: 'pushSucceeded', uuid: c(1), at: 12 },
      seen(c(4), 13, true),
    ]);
    const view = sidecarView(state, T0 + 10_000);
    expect(view).toMatchObject({
      lastPushed: c(1),
      newestLocal: c(4),
      lastPushedAgeSeconds: (10_000 - 200) / 1000,
      lagSeconds: 0.6,
    });
    expect(sidecarView(initialSidecarState({ pushIntervalMs: null }), T0).lagSeconds).toBeNull();
  });
});

/** The answer the outside world gives to what the planner waits for. */
function respond(s: SidecarState, n: number, at: number, next: number): SidecarEvent {
  if (s.pinning !== null)
    return n < 8
      ? { type: 'pinned', uuid: s.pinning, at }
      : { type: 'pinFailed', uuid: s.pinning, at };
  if (s.pushing !== null && n < 4)
    return n < 3
      ? { type: 'pushSucceeded', uuid: s.pushing, at }
      : { type: 'pushFailed', uuid: s.pushing, pinLost: n === 3 && at % 2 === 0, at };
  if (n === 9) return { type: 'tick', at };
  return {
    type: 'observed',
    checkpoints: [
      { uuid: v7(T0 + next * 200, next), complete: n % 3 !== 0 },
      { uuid: v7(T0 + (next - 1) * 200, next - 1), complete: true },
    ],
    at,
  };
}

describe('random sequences (fast-check)', () => {
  it('keep the invariants: one push at a time, only pinned checkpoints pushed, at most two pins, none kept after stop', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.integer({ min: 0, max: 9 }), fc.nat(30_000)), { maxLength: 80 }),
        fc.constantFrom(null, 1_000, 10_000),
        fc.boolean(),
        (steps, interval, stopAtEnd) => {
          let s = initialSidecarState({ pushIntervalMs: interval });
          let now = 0;
          let next = 1;
          const held = new Set<string>();
          const completeSeen = new Set<string>();
          let pushes = 0;
          const apply = (e: SidecarEvent): void => {
            if (e.type === 'observed')
              for (const x of e.checkpoints) if (x.complete) completeSeen.add(x.uuid);
            const before = s;
            const [after, effects] = sidecarTransition(s, e);
            s = after;
            for (const eff of effects) {
              switch (eff.type) {
                case 'pin':
                  expect(completeSeen.has(eff.uuid), 'pins only complete checkpoints').toBe(true);
                  break;
                case 'unpin':
                  expect(held.has(eff.uuid), 'releases only what it holds').toBe(true);
                  held.delete(eff.uuid);
                  break;
                case 'push':
                  expect(
                    before.pushing === null || e.type.startsWith('push'),
                    'one push at a time',
                  ).toBe(true);
                  expect(s.pins, 'pushes only a pinned checkpoint').toContain(eff.uuid);
                  pushes++;
                  break;
              }
            }
            if (e.type === 'pinned' && before.pinning === e.uuid) held.add(e.uuid);
            expect([...held].sort()).toEqual([...s.pins]);
            expect(s.pins.length, 'the pushed pin and the newest at most').toBeLessThanOrEqual(2);
            if (s.pushing !== null) expect(s.pins).toContain(s.pushing);
            if (s.stopping) expect(s.pins.filter((u) => u !== s.pushing)).toEqual([]);
          };
          for (const [n, dt] of steps) {
            now += dt;
            const e = respond(s, n, now, next);
            if (e.type === 'observed') next++;
            apply(e);
          }
          if (stopAtEnd) {
            apply({ type: 'stop', at: now });
            if (s.pushing !== null) apply({ type: 'pushSucceeded', uuid: s.pushing, at: now + 1 });
            expect(s.pins).toEqual([]);
            expect(held.size).toBe(0);
          }
          expect(pushes).toBeGreaterThanOrEqual(0);
        },
      ),
      { numRuns: 1_000 },
    );
  });
});
