import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  ERR_STANDBY_ENGINE_FAILED,
  ERR_STANDBY_FINAL_PULL_FAILED,
  ERR_STANDBY_INVALID_CONFIG,
  ERR_STANDBY_INTENT_FAILED,
  ERR_STANDBY_INVALID_TRANSITION,
  ERR_STANDBY_MARKER_FAILED,
  ERR_STANDBY_NO_CHECKPOINT,
  ERR_STANDBY_REQUIRES_CHECKPOINT,
  ERR_STANDBY_RESTORE_FAILED,
  ERR_STANDBY_TAKEOVER_FAILED,
} from './error-codes.js';
import type { StandbyEffect } from './standby-effect.js';
import type { StandbyEvent } from './standby-event.js';
import { STANDBY_EVENT_TYPES } from './standby-event.js';
import type { StandbyState } from './standby-state.js';
import { STANDBY_STATE_NAMES, initialStandbyState } from './standby-state.js';
import {
  CP1,
  CP2,
  FIXTURES,
  SAMPLE_EVENTS,
  boom,
  ok,
  run,
  start,
} from './test-support/fixtures.js';
import { transition } from './transition.js';

const types = (effects: readonly StandbyEffect[]): string[] =>
  effects.filter((e) => e.type !== 'log').map((e) => e.type);
const fixture = (name: string): StandbyState => {
  const s = FIXTURES[name];
  if (!s) throw new Error(`no fixture ${name}`);
  return s;
};

interface Row {
  readonly from: string;
  readonly event: StandbyEvent;
  readonly to: StandbyState['name'];
  readonly effects: readonly string[];
  readonly accepted?: boolean;
  readonly code?: string;
}

const at = 1_000;
const TABLE: readonly Row[] = [
  // start
  { from: 'fresh', event: start('standby'), to: 'standby', effects: ['pull'] },
  {
    from: 'fresh',
    event: start('standby', { startFromCheckpoint: null }),
    to: 'stopped',
    effects: [],
    accepted: false,
    code: ERR_STANDBY_REQUIRES_CHECKPOINT,
  },
  {
    from: 'fresh',
    event: start('standby', { pullIntervalMs: 0 }),
    to: 'stopped',
    effects: [],
    accepted: false,
    code: ERR_STANDBY_INVALID_CONFIG,
  },
  {
    from: 'fresh',
    event: start('standby', { pullIntervalMs: 2 ** 31 }),
    to: 'stopped',
    effects: [],
    accepted: false,
    code: ERR_STANDBY_INVALID_CONFIG,
  },
  {
    from: 'fresh',
    event: start('standby', { activatedMarkerPresent: true }),
    to: 'restoring',
    effects: ['pull'],
  },
  {
    from: 'fresh',
    event: start('standby', { activatedMarkerPresent: true, hasLocalCheckpoint: false }),
    to: 'starting',
    effects: ['startEngine'],
  },
  {
    from: 'fresh',
    event: start('standby', {
      activatedMarkerPresent: true,
      hasLocalCheckpoint: false,
      failIfNoCheckpoint: true,
    }),
    to: 'failed',
    effects: [],
  },
  { from: 'fresh', event: start('running'), to: 'restoring', effects: ['pull'] },
  {
    from: 'fresh',
    event: start('paused', { startFromCheckpoint: null }),
    to: 'starting',
    effects: ['startEngine'],
  },
  { from: 'failed/finalPull', event: start('standby'), to: 'standby', effects: ['pull'] },
  {
    from: 'stopped/afterRun',
    event: start('standby', { activatedMarkerPresent: true }),
    to: 'restoring',
    effects: ['pull'],
  },
  {
    from: 'running',
    event: start('standby'),
    to: 'running',
    effects: [],
    accepted: false,
    code: ERR_STANDBY_INVALID_TRANSITION,
  },
  {
    from: 'standby/idle',
    event: start('running'),
    to: 'standby',
    effects: [],
    accepted: false,
    code: ERR_STANDBY_INVALID_TRANSITION,
  },
  // standby pulls
  { from: 'standby/idle', event: { type: 'tick', at: 10_000 }, to: 'standby', effects: ['pull'] },
  {
    from: 'standby/pulling',
    event: { type: 'tick', at: 10_000 },
    to: 'standby',
    effects: [],
    accepted: false,
  },
  {
    from: 'standby/pulling',
    event: { type: 'pullSucceeded', result: ok(), at },
    to: 'standby',
    effects: ['schedulePull'],
  },
  {
    from: 'standby/pulling',
    event: { type: 'pullFailed', error: boom, at },
    to: 'standby',
    effects: ['schedulePull'],
  },
  {
    from: 'standby/idle',
    event: { type: 'pullSucceeded', result: ok(), at },
    to: 'standby',
    effects: [],
    accepted: false,
  },
  { from: 'running', event: { type: 'tick', at }, to: 'running', effects: [], accepted: false },
  // activate
  {
    from: 'standby/idle',
    event: { type: 'activate', mode: 'running', at },
    to: 'activating',
    effects: ['cancelScheduledPull', 'pull'],
  },
  {
    from: 'standby/pulling',
    event: { type: 'activate', mode: 'running', at },
    to: 'activating',
    effects: ['cancelScheduledPull'],
  },
  {
    from: 'activating/awaitingPull',
    event: { type: 'pullSucceeded', result: ok(), at },
    to: 'activating',
    effects: ['pull'],
  },
  {
    from: 'activating/awaitingPull',
    event: { type: 'pullFailed', error: boom, at },
    to: 'activating',
    effects: ['pull'],
  },
  {
    from: 'activating/awaitingPull',
    event: { type: 'tick', at },
    to: 'activating',
    effects: [],
    accepted: false,
  },
  {
    from: 'activating/finalPull',
    event: { type: 'activate', mode: 'running', at },
    to: 'activating',
    effects: [],
    accepted: true,
  },
  {
    from: 'running',
    event: { type: 'activate', mode: 'running', at },
    to: 'running',
    effects: [],
    accepted: true,
  },
  {
    from: 'paused',
    event: { type: 'activate', mode: 'running', at },
    to: 'paused',
    effects: [],
    accepted: true,
  },
  {
    from: 'restoring/auto',
    event: { type: 'activate', mode: 'running', at },
    to: 'restoring',
    effects: [],
    accepted: true,
  },
  {
    from: 'restoring/plain',
    event: { type: 'activate', mode: 'running', at },
    to: 'restoring',
    effects: [],
    accepted: false,
    code: ERR_STANDBY_INVALID_TRANSITION,
  },
  {
    from: 'starting/plain',
    event: { type: 'activate', mode: 'running', at },
    to: 'starting',
    effects: [],
    accepted: false,
    code: ERR_STANDBY_INVALID_TRANSITION,
  },
  {
    from: 'fresh',
    event: { type: 'activate', mode: 'running', at },
    to: 'stopped',
    effects: [],
    accepted: false,
    code: ERR_STANDBY_INVALID_TRANSITION,
  },
  {
    from: 'failed/finalPull',
    event: { type: 'activate', mode: 'running', at },
    to: 'failed',
    effects: [],
    accepted: false,
    code: ERR_STANDBY_INVALID_TRANSITION,
  },
  // final pull, intent, takeover, marker, engine
  {
    from: 'activating/finalPull',
    event: { type: 'finalPullSucceeded', result: ok(CP2), at },
    to: 'activating',
    effects: ['recordActivationIntent'],
  },
  {
    from: 'activating/recordingIntent',
    event: { type: 'intentRecorded', at },
    to: 'activating',
    effects: ['takeOverOwnership'],
  },
  {
    from: 'activating/recordingIntent',
    event: { type: 'intentFailed', error: boom, at },
    to: 'failed',
    effects: [],
  },
  {
    from: 'activating/recordingIntent',
    event: { type: 'takeoverSucceeded', previousOwner: null, at },
    to: 'activating',
    effects: [],
    accepted: false,
  },
  {
    from: 'activating/takingOver',
    event: { type: 'takeoverSucceeded', previousOwner: 'pipeline-primary', at },
    to: 'activating',
    effects: ['writeActivationMarker'],
  },
  {
    from: 'activating/takingOver',
    event: { type: 'takeoverFailed', error: boom, at },
    to: 'failed',
    effects: [],
  },
  {
    from: 'activating/takingOver',
    event: { type: 'markerWritten', at },
    to: 'activating',
    effects: [],
    accepted: false,
  },
  // an interrupted activation is rolled forward at start, whatever the initial mode
  {
    from: 'fresh',
    event: start('standby', { activationIntentPresent: true }),
    to: 'activating',
    effects: ['takeOverOwnership'],
  },
  {
    from: 'stopped/afterRun',
    event: start('running', { activationIntentPresent: true, activatedMarkerPresent: true }),
    to: 'activating',
    effects: ['takeOverOwnership'],
  },
  {
    from: 'activating/rollForward',
    event: { type: 'takeoverSucceeded', previousOwner: null, at },
    to: 'activating',
    effects: ['writeActivationMarker'],
  },
  {
    from: 'activating/rollForwardMarker',
    event: { type: 'markerWritten', at },
    to: 'restoring',
    effects: ['pull'],
  },
  {
    from: 'activating/rollForward',
    event: { type: 'takeoverFailed', error: boom, at },
    to: 'failed',
    effects: [],
  },
  {
    from: 'activating/rollForward',
    event: { type: 'activate', mode: 'running', at },
    to: 'activating',
    effects: [],
    accepted: true,
  },
  {
    from: 'activating/finalPull',
    event: { type: 'finalPullFailed', error: boom, at },
    to: 'failed',
    effects: [],
  },
  {
    from: 'activating/awaitingPull',
    event: { type: 'finalPullSucceeded', result: ok(CP2), at },
    to: 'activating',
    effects: [],
    accepted: false,
  },
  {
    from: 'activating/writingMarker',
    event: { type: 'markerWritten', at },
    to: 'activating',
    effects: ['startEngine'],
  },
  {
    from: 'activating/writingMarker',
    event: { type: 'markerFailed', error: boom, at },
    to: 'failed',
    effects: [],
  },
  {
    from: 'activating/writingMarker',
    event: { type: 'engineStarted', at },
    to: 'activating',
    effects: [],
    accepted: false,
  },
  {
    from: 'activating/startingEngine',
    event: { type: 'engineStarted', at },
    to: 'paused',
    effects: [],
  },
  {
    from: 'activating/startingEngine',
    event: { type: 'engineFailed', error: boom, at },
    to: 'failed',
    effects: [],
  },
  // restore
  {
    from: 'restoring/plain',
    event: { type: 'restoreSucceeded', result: ok(), at },
    to: 'starting',
    effects: ['startEngine'],
  },
  {
    from: 'restoring/plain',
    event: { type: 'restoreSucceeded', result: ok(null), at },
    to: 'starting',
    effects: ['startEngine'],
  },
  {
    from: 'restoring/plain',
    event: { type: 'restoreFailed', error: boom, at },
    to: 'failed',
    effects: [],
  },
  { from: 'starting/plain', event: { type: 'engineStarted', at }, to: 'running', effects: [] },
  {
    from: 'starting/plain',
    event: { type: 'engineFailed', error: boom, at },
    to: 'failed',
    effects: [],
  },
  // pause, resume, engine failure while running
  { from: 'running', event: { type: 'pause', at }, to: 'paused', effects: ['pauseEngine'] },
  { from: 'paused', event: { type: 'resume', at }, to: 'running', effects: ['resumeEngine'] },
  { from: 'paused', event: { type: 'pause', at }, to: 'paused', effects: [], accepted: true },
  { from: 'running', event: { type: 'resume', at }, to: 'running', effects: [], accepted: true },
  {
    from: 'standby/idle',
    event: { type: 'pause', at },
    to: 'standby',
    effects: [],
    accepted: false,
    code: ERR_STANDBY_INVALID_TRANSITION,
  },
  {
    from: 'standby/idle',
    event: { type: 'resume', at },
    to: 'standby',
    effects: [],
    accepted: false,
    code: ERR_STANDBY_INVALID_TRANSITION,
  },
  { from: 'running', event: { type: 'engineFailed', error: boom, at }, to: 'failed', effects: [] },
  {
    from: 'standby/idle',
    event: { type: 'engineFailed', error: boom, at },
    to: 'standby',
    effects: [],
    accepted: false,
  },
  // stop
  {
    from: 'standby/idle',
    event: { type: 'stop', at },
    to: 'stopped',
    effects: ['cancelScheduledPull'],
  },
  {
    from: 'standby/pulling',
    event: { type: 'stop', at },
    to: 'stopped',
    effects: ['cancelScheduledPull', 'cancelPull'],
  },
  {
    from: 'activating/finalPull',
    event: { type: 'stop', at },
    to: 'stopped',
    effects: ['cancelPull'],
  },
  {
    from: 'activating/startingEngine',
    event: { type: 'stop', at },
    to: 'stopped',
    effects: ['stopEngine'],
  },
  { from: 'restoring/plain', event: { type: 'stop', at }, to: 'stopped', effects: ['cancelPull'] },
  { from: 'running', event: { type: 'stop', at }, to: 'stopped', effects: ['stopEngine'] },
  { from: 'paused', event: { type: 'stop', at }, to: 'stopped', effects: ['stopEngine'] },
  { from: 'failed/finalPull', event: { type: 'stop', at }, to: 'stopped', effects: [] },
  { from: 'fresh', event: { type: 'stop', at }, to: 'stopped', effects: [], accepted: true },
];

describe('transition table', () => {
  it.each(
    TABLE.map(
      (row) =>
        [
          `${row.from} + ${row.event.type}${'initial' in row.event ? `(${row.event.initial})` : ''} -> ${row.to}`,
          row,
        ] as const,
    ),
  )('%s', (_name, row) => {
    const from = fixture(row.from);
    const [next, effects, outcome] = transition(from, row.event);
    expect(next.name).toBe(row.to);
    expect(types(effects)).toEqual(row.effects);
    expect(outcome.accepted).toBe(row.accepted ?? true);
    if (row.code !== undefined) expect(outcome.code).toBe(row.code);
  });

  it('covers every state name and every event type', () => {
    const names = new Set(TABLE.map((r) => fixture(r.from).name));
    expect([...names].sort()).toEqual([...STANDBY_STATE_NAMES].sort());
    const events = new Set(TABLE.map((r) => r.event.type));
    expect([...events].sort()).toEqual([...STANDBY_EVENT_TYPES].sort());
  });
});

describe('every state handles every event', () => {
  const pairs = Object.entries(FIXTURES).flatMap(([name, state]) =>
    SAMPLE_EVENTS.map((event) => [name, state, event] as const),
  );

  it(`${pairs.length} combinations: no throw, unchanged means same object and no effects, result is plain data`, () => {
    for (const [name, state, event] of pairs) {
      const snapshot = JSON.stringify(state);
      let result: ReturnType<typeof transition> | undefined;
      expect(() => {
        result = transition(state, event);
      }, `${name} + ${event.type}`).not.toThrow();
      const [next, effects, outcome] = result!;
      expect(JSON.stringify(state), 'input not mutated').toBe(snapshot);
      if (!outcome.changed) {
        expect(next).toBe(state);
        expect(effects).toEqual([]);
      } else {
        expect(outcome.accepted).toBe(true);
      }
      if (!outcome.accepted)
        expect(outcome.reason, `${name} + ${event.type} says why`).toBeTruthy();
      expect(JSON.parse(JSON.stringify(next))).toEqual(next);
      expect(JSON.parse(JSON.stringify(effects))).toEqual(effects);
    }
  });
});

describe('rules', () => {
  it('logs "checkpoint pulled successfully" after each successful standby pull and counts it', () => {
    const [next, effects] = transition(fixture('standby/pulling'), {
      type: 'pullSucceeded',
      result: { checkpointUuid: CP1, checkpointTimeMs: 5, bytes: 42 },
      at: 3_000,
    });
    expect(effects).toContainEqual({
      type: 'log',
      level: 'info',
      message: 'checkpoint pulled successfully',
      fields: { checkpoint: CP1, bytes: 42 },
    });
    expect(next.counters).toMatchObject({
      totalPulls: 1,
      consecutivePullFailures: 0,
      lastPullAtMs: 3_000,
      lastPulled: { uuid: CP1, timeMs: 5, bytes: 42 },
    });
  });

  it('counts pull failures, survives them and resets the streak on success', () => {
    let s = fixture('standby/pulling');
    for (let i = 1; i <= 3; i++) {
      s = run(
        [
          { type: 'pullFailed', error: boom, at: i * 10_000 - 9_000 },
          { type: 'tick', at: i * 10_000 },
        ],
        s,
      );
      expect(s.name).toBe('standby');
      expect(s.counters.consecutivePullFailures).toBe(i);
    }
    expect(s.counters.lastPullError).toEqual({
      code: 'ERR_RCLONE_AUTH',
      message: 'SignatureDoesNotMatch',
      atMs: 21_000,
    });
    s = run([{ type: 'pullSucceeded', result: ok(), at: 31_000 }], s);
    expect(s.counters).toMatchObject({ consecutivePullFailures: 0, failedPulls: 3, totalPulls: 4 });
  });

  it('schedules the next pull an interval after the previous one started, or at once when it outlasted it', () => {
    const quick = transition(fixture('standby/pulling'), {
      type: 'pullSucceeded',
      result: ok(),
      at: 2_500,
    })[1];
    expect(quick).toContainEqual({ type: 'schedulePull', delayMs: 7_500 });
    const slow = transition(fixture('standby/pulling'), {
      type: 'pullSucceeded',
      result: ok(),
      at: 15_000,
    })[1];
    expect(slow).toContainEqual({ type: 'schedulePull', delayMs: 0 });
  });

  it('activation runs the final pull with the configured checkpoint against the object store', () => {
    const [, effects] = transition(fixture('standby/idle'), {
      type: 'activate',
      mode: 'running',
      at,
    });
    expect(effects).toContainEqual({
      type: 'pull',
      mode: 'final',
      checkpoint: 'latest',
      sources: 'remote',
    });
  });

  it('a failed final pull fails activation with its code and never starts the engine', () => {
    const [next, effects] = transition(fixture('activating/finalPull'), {
      type: 'finalPullFailed',
      error: boom,
      at,
    });
    expect(next.failure?.code).toBe(ERR_STANDBY_FINAL_PULL_FAILED);
    expect(next.failure?.message).toMatch(/SignatureDoesNotMatch/);
    expect(
      effects.some((e) => e.type === 'startEngine' || e.type === 'writeActivationMarker'),
    ).toBe(false);
  });

  it('starts the engine from the final pull, falling back to the last pulled checkpoint', () => {
    const s = run(
      [
        { type: 'finalPullSucceeded', result: ok(null), at },
        { type: 'intentRecorded', at },
        { type: 'takeoverSucceeded', previousOwner: null, at },
        { type: 'markerWritten', at },
      ],
      fixture('activating/finalPull'),
    );
    expect(s.activated).toBe(true);
    expect(s.runningFrom?.uuid).toBe(CP1);
    const [, effects] = transition(fixture('activating/writingMarker'), {
      type: 'markerWritten',
      at,
    });
    expect(effects).toContainEqual({ type: 'startEngine', mode: 'running', checkpointUuid: CP2 });
  });

  it('activation with nothing ever pulled honours fail_if_no_checkpoint', () => {
    const base = run([
      start('standby', { failIfNoCheckpoint: true }),
      { type: 'pullSucceeded', result: ok(null), at: 10 },
      { type: 'activate', mode: 'running', at: 20 },
    ]);
    const [next] = transition(base, { type: 'finalPullSucceeded', result: ok(null), at: 30 });
    expect(next.failure?.code).toBe(ERR_STANDBY_NO_CHECKPOINT);
  });

  it('the activated marker restores from local storage only, with "latest", and writes no marker', () => {
    const [next, effects] = transition(
      initialStandbyState(),
      start('standby', { activatedMarkerPresent: true, startFromCheckpoint: CP1 }),
    );
    expect(next.activated).toBe(true);
    expect(types(effects)).toEqual(['pull']);
    expect(effects).toContainEqual({
      type: 'pull',
      mode: 'restore',
      checkpoint: 'latest',
      sources: 'local-only',
    });
  });

  it('restore looks locally first; not found fails only with fail_if_no_checkpoint', () => {
    expect(
      transition(initialStandbyState(), start('running', { startFromCheckpoint: CP1 }))[1],
    ).toContainEqual({
      type: 'pull',
      mode: 'restore',
      checkpoint: CP1,
      sources: 'local-first',
    });
    const strict = run([
      start('running', { failIfNoCheckpoint: true }),
      { type: 'restoreSucceeded', result: ok(null), at },
    ]);
    expect(strict.failure?.code).toBe(ERR_STANDBY_NO_CHECKPOINT);
    const lax = transition(fixture('restoring/plain'), {
      type: 'restoreSucceeded',
      result: ok(null),
      at,
    })[1];
    expect(lax).toContainEqual({ type: 'startEngine', mode: 'running', checkpointUuid: null });
    expect(
      run([{ type: 'restoreFailed', error: boom, at }], fixture('restoring/plain')).failure?.code,
    ).toBe(boom.code);
    expect(
      run(
        [{ type: 'restoreFailed', error: { message: 'disk on fire' }, at }],
        fixture('restoring/plain'),
      ).failure,
    ).toMatchObject({
      code: ERR_STANDBY_RESTORE_FAILED,
      message: 'restoring the start checkpoint failed: disk on fire',
    });
  });

  it('activation records its intent, then takes over, then writes the marker, in that order', () => {
    const seen: string[] = [];
    let s = fixture('activating/finalPull');
    const answers: StandbyEvent[] = [
      { type: 'finalPullSucceeded', result: ok(CP2), at },
      { type: 'intentRecorded', at },
      { type: 'takeoverSucceeded', previousOwner: 'pipeline-primary', at },
      { type: 'markerWritten', at },
      { type: 'engineStarted', at },
    ];
    for (const e of answers) {
      const [next, effects] = transition(s, e);
      seen.push(...types(effects));
      s = next;
    }
    expect(seen).toEqual([
      'recordActivationIntent',
      'takeOverOwnership',
      'writeActivationMarker',
      'startEngine',
    ]);
    expect(s.name).toBe('running');
    expect(s.tookOverFrom).toBe('pipeline-primary');
  });

  it('a failed takeover fails activation with its own code, keeps the cause code and starts nothing', () => {
    const [next, effects] = transition(fixture('activating/takingOver'), {
      type: 'takeoverFailed',
      error: { message: 'SignatureDoesNotMatch', code: 'ERR_STORE_AUTH' },
      at,
    });
    expect(next.failure).toMatchObject({
      code: ERR_STANDBY_TAKEOVER_FAILED,
      causeCode: 'ERR_STORE_AUTH',
    });
    expect(next.failure?.message).toMatch(
      /take over the bucket's ownership.*SignatureDoesNotMatch/,
    );
    expect(next.failure?.message).not.toMatch(/activated\.feldera/);
    expect(types(effects)).toEqual([]);
    expect(
      run([{ type: 'intentFailed', error: boom, at }], fixture('activating/recordingIntent'))
        .failure?.code,
    ).toBe(ERR_STANDBY_INTENT_FAILED);
  });

  it('a final pull refused on auth keeps ERR_STORE_AUTH as the cause code', () => {
    const [next] = transition(fixture('activating/finalPull'), {
      type: 'finalPullFailed',
      error: { message: 'SignatureDoesNotMatch', code: 'ERR_STORE_AUTH' },
      at,
    });
    expect(next.failure).toMatchObject({
      code: ERR_STANDBY_FINAL_PULL_FAILED,
      causeCode: 'ERR_STORE_AUTH',
    });
  });

  it('an interrupted activation found at start is completed, then runs from local storage', () => {
    for (const initial of ['standby', 'running', 'paused'] as const) {
      let s = initialStandbyState();
      const seen: StandbyEffect[] = [];
      for (const e of [
        start(initial, { activationIntentPresent: true }),
        { type: 'takeoverSucceeded', previousOwner: 'pipeline-primary', at },
        { type: 'markerWritten', at },
        { type: 'restoreSucceeded', result: ok(CP1), at },
        { type: 'engineStarted', at },
      ] as StandbyEvent[]) {
        const [next, effects, outcome] = transition(s, e);
        expect(outcome.changed, `${initial}: ${e.type}`).toBe(true);
        seen.push(...effects.filter((x) => x.type !== 'log'));
        s = next;
      }
      expect(seen.map((e) => e.type)).toEqual([
        'takeOverOwnership',
        'writeActivationMarker',
        'pull',
        'startEngine',
      ]);
      expect(seen[2]).toEqual({
        type: 'pull',
        mode: 'restore',
        checkpoint: 'latest',
        sources: 'local-only',
      });
      expect(s.name).toBe(initial === 'paused' ? 'paused' : 'running');
      expect(s.activated).toBe(true);
      expect(s.tookOverFrom).toBe('pipeline-primary');
    }
  });

  it('failure codes name the step that failed', () => {
    expect(
      run([{ type: 'markerFailed', error: boom, at }], fixture('activating/writingMarker')).failure
        ?.code,
    ).toBe(ERR_STANDBY_MARKER_FAILED);
    expect(run([{ type: 'engineFailed', error: boom, at }], fixture('running')).failure?.code).toBe(
      ERR_STANDBY_ENGINE_FAILED,
    );
  });
});

const arbEvent: fc.Arbitrary<StandbyEvent> = fc.oneof(
  fc
    .record({
      initial: fc.constantFrom('running' as const, 'paused' as const, 'standby' as const),
      startFromCheckpoint: fc.constantFrom('latest', CP1, null),
      failIfNoCheckpoint: fc.boolean(),
      activatedMarkerPresent: fc.boolean(),
      activationIntentPresent: fc.constantFrom(false, false, false, true),
      hasLocalCheckpoint: fc.constantFrom(true, false, undefined),
    })
    .map(({ initial, hasLocalCheckpoint, ...rest }) =>
      start(initial, hasLocalCheckpoint === undefined ? rest : { ...rest, hasLocalCheckpoint }),
    ),
  fc.constant<StandbyEvent>({ type: 'tick', at: 0 }),
  fc
    .constantFrom(CP1, CP2, null)
    .map<StandbyEvent>((u) => ({ type: 'pullSucceeded', result: ok(u), at: 0 })),
  fc.constant<StandbyEvent>({ type: 'pullFailed', error: boom, at: 0 }),
  fc
    .constantFrom('running' as const, 'paused' as const)
    .map<StandbyEvent>((mode) => ({ type: 'activate', mode, at: 0 })),
  fc
    .constantFrom(CP2, null)
    .map<StandbyEvent>((u) => ({ type: 'finalPullSucceeded', result: ok(u), at: 0 })),
  fc.constant<StandbyEvent>({ type: 'finalPullFailed', error: boom, at: 0 }),
  fc
    .constantFrom(CP1, null)
    .map<StandbyEvent>((u) => ({ type: 'restoreSucceeded', result: ok(u), at: 0 })),
  fc.constant<StandbyEvent>({ type: 'restoreFailed', error: boom, at: 0 }),
  fc.constant<StandbyEvent>({ type: 'intentRecorded', at: 0 }),
  fc.constant<StandbyEvent>({ type: 'intentFailed', error: boom, at: 0 }),
  fc.constant<StandbyEvent>({
    type: 'takeoverSucceeded',
    previousOwner: 'pipeline-primary',
    at: 0,
  }),
  fc.constant<StandbyEvent>({ type: 'takeoverFailed', error: boom, at: 0 }),
  fc.constant<StandbyEvent>({ type: 'markerWritten', at: 0 }),
  fc.constant<StandbyEvent>({ type: 'markerFailed', error: boom, at: 0 }),
  fc.constant<StandbyEvent>({ type: 'engineStarted', at: 0 }),
  fc.constant<StandbyEvent>({ type: 'engineFailed', error: boom, at: 0 }),
  fc.constant<StandbyEvent>({ type: 'pause', at: 0 }),
  fc.constant<StandbyEvent>({ type: 'resume', at: 0 }),
  fc.constant<StandbyEvent>({ type: 'stop', at: 0 }),
);

/** The answer the outside world would give to what the machine is waiting for (success or failure). */
function respond(state: StandbyState, n: number, at: number): StandbyEvent {
  const success = n < 8;
  if (state.pullInFlight === 'standby') {
    // Sometimes /activate arrives while the standby pull is still running.
    if (n === 9 && state.name === 'standby') return { type: 'activate', mode: 'running', at };
    return success
      ? { type: 'pullSucceeded', result: ok(CP1), at }
      : { type: 'pullFailed', error: boom, at };
  }
  if (state.pullInFlight === 'final')
    return success
      ? { type: 'finalPullSucceeded', result: ok(CP2), at }
      : { type: 'finalPullFailed', error: boom, at };
  if (state.pullInFlight === 'restore')
    return success
      ? { type: 'restoreSucceeded', result: ok(CP1), at }
      : { type: 'restoreFailed', error: boom, at };
  if (state.activationStep === 'recordingIntent')
    return success ? { type: 'intentRecorded', at } : { type: 'intentFailed', error: boom, at };
  if (state.activationStep === 'takingOver')
    return success
      ? { type: 'takeoverSucceeded', previousOwner: n % 2 === 0 ? 'pipeline-primary' : null, at }
      : { type: 'takeoverFailed', error: boom, at };
  if (state.activationStep === 'writingMarker')
    return success ? { type: 'markerWritten', at } : { type: 'markerFailed', error: boom, at };
  if (state.name === 'starting' || state.activationStep === 'startingEngine') {
    return success ? { type: 'engineStarted', at } : { type: 'engineFailed', error: boom, at };
  }
  switch (state.name) {
    case 'standby':
      return success ? { type: 'tick', at } : { type: 'activate', mode: 'running', at };
    case 'running':
      return success ? { type: 'pause', at } : { type: 'stop', at };
    case 'paused':
      return success ? { type: 'resume', at } : { type: 'stop', at };
    case 'stopped':
    case 'failed':
      return start(success ? 'standby' : 'running', {}, at);
    case 'restoring':
    case 'activating':
      return { type: 'stop', at };
  }
}

/** A step: either any event at all, or the plausible answer to what the machine waits for (mostly success). */
const arbStep = fc.tuple(
  fc.oneof(
    { weight: 1, arbitrary: arbEvent.map((event) => ({ kind: 'random' as const, event })) },
    {
      weight: 3,
      arbitrary: fc.integer({ min: 0, max: 9 }).map((n) => ({ kind: 'respond' as const, n })),
    },
  ),
  fc.nat(20_000),
);

describe('random event sequences (fast-check)', () => {
  it('keep the invariants', () => {
    const reached = new Map<string, number>();
    fc.assert(
      fc.property(fc.array(arbStep, { maxLength: 60 }), (steps) => {
        let state = initialStandbyState();
        let now = 0;
        // Per incarnation (from one accepted start to the next):
        let engineStarts = 0;
        let finalPullFailed = false;
        let markerWritten = false;
        let standbyStart = false;
        let markerAtStart = false;
        let intentAtStart = false;
        for (const [step, dt] of steps) {
          now += dt;
          const event =
            step.kind === 'random'
              ? ({ ...step.event, at: now } as StandbyEvent)
              : respond(state, step.n, now);
          const prev = state;
          const [next, effects, outcome] = transition(prev, event);
          state = next;
          if (outcome.changed) {
            const key = `${prev.name}${prev.activationStep === null ? '' : `/${prev.activationStep}`} + ${event.type}`;
            reached.set(key, (reached.get(key) ?? 0) + 1);
          }
          if (event.type === 'start' && outcome.changed) {
            engineStarts = 0;
            finalPullFailed = false;
            markerWritten = false;
            standbyStart = event.initial === 'standby';
            markerAtStart = event.config.activatedMarkerPresent;
            intentAtStart = event.config.activationIntentPresent === true;
          }
          if (!outcome.changed) {
            expect(next).toBe(prev);
            expect(effects).toHaveLength(0);
          }
          engineStarts += effects.filter((e) => e.type === 'startEngine').length;
          expect(engineStarts, 'never startEngine twice').toBeLessThanOrEqual(1);

          const pulls = effects.filter((e) => e.type === 'pull');
          expect(pulls.length).toBeLessThanOrEqual(1);
          if (pulls[0]) {
            expect(next.pullInFlight, 'a pull is only emitted when it is the one in flight').toBe(
              pulls[0].mode,
            );
            const completes = event.type === 'pullSucceeded' || event.type === 'pullFailed';
            expect(prev.pullInFlight === null || completes, 'never two pulls at once').toBe(true);
          }
          if (event.type === 'finalPullFailed' && outcome.changed) finalPullFailed = true;
          if (event.type === 'markerWritten' && outcome.changed) markerWritten = true;
          const live = next.name === 'running' || next.name === 'paused';
          if (live) {
            expect(finalPullFailed, 'never running after a failed final pull').toBe(false);
            if (standbyStart && !markerAtStart)
              expect(markerWritten, 'standby runs only after writing the marker').toBe(true);
          }
          if (prev.name === 'running' || prev.name === 'paused')
            expect(next.name).not.toBe('standby');
          if (markerAtStart)
            expect(next.name, 'an activated storage never re-enters standby').not.toBe('standby');
          if (intentAtStart)
            expect(next.name, 'an interrupted activation never goes back to standby').not.toBe(
              'standby',
            );
          if (event.type === 'activate') {
            const ok =
              ['standby', 'activating', 'running', 'paused'].includes(prev.name) ||
              ((prev.name === 'restoring' || prev.name === 'starting') && prev.activated);
            expect(outcome.accepted).toBe(ok);
          }
          if (next.name === 'failed') expect(next.failure).not.toBeNull();
          if (next.name !== 'activating') expect(next.activationStep).toBeNull();
        }
      }),
      // 5,000 runs: the activation path now has more steps (intent, takeover); at 2,000 runs a
      // clean-clone CI run reached 'activating/startingEngine + engineStarted' only 8 times.
      { numRuns: 5_000 },
    );
    // The generator must actually walk the activation path, or the invariants above prove little.
    for (const path of [
      'activating/awaitingPull + pullSucceeded',
      'activating/finalPull + finalPullFailed',
      'activating/finalPull + finalPullSucceeded',
      'activating/recordingIntent + intentRecorded',
      'activating/takingOver + takeoverSucceeded',
      'activating/takingOver + takeoverFailed',
      'activating/writingMarker + markerWritten',
      'activating/startingEngine + engineStarted',
      'restoring + restoreSucceeded',
      'running + pause',
    ]) {
      expect(reached.get(path) ?? 0, path).toBeGreaterThan(10);
    }
  });
});
