import { describe, expect, it } from 'vitest';
import { uuidv7 } from '@feldera-sync/checkpoint';
import {
  checkpointRef,
  eventFromLog,
  eventFromTransition,
  roleOf,
  standbyLagSecs,
  transferView,
} from '../src/recovery-view.js';

const T0 = Date.parse('2026-01-01T00:00:00.000Z');

describe('roleOf', () => {
  it('maps every runtime status to the role an operator reads', () => {
    const role = (runtime_status: string, runtime_desired_status = runtime_status) =>
      roleOf({ runtime_status, runtime_desired_status } as Parameters<typeof roleOf>[0]);
    expect(role('Running')).toBe('primary');
    expect(role('Paused')).toBe('primary');
    expect(role('Standby')).toBe('standby');
    expect(role('Stopped')).toBe('stopped');
    expect(role('Failed', 'Running')).toBe('failed');
    expect(role('Initializing', 'Running')).toBe('primary');
    // Starting into standby, or activating from it: not serving yet.
    expect(role('Initializing', 'Standby')).toBe('standby');
  });
});

describe('checkpointRef and standbyLagSecs', () => {
  it('dates a checkpoint by its UUIDv7 and ages it', () => {
    const uuid = uuidv7(T0);
    expect(checkpointRef(uuid, T0 + 90_500, { size: 10, steps: 3 })).toEqual({
      uuid,
      taken_at: '2026-01-01T00:00:00.000Z',
      age_secs: 90.5,
      size: 10,
      steps: 3,
    });
    // Not a UUIDv7: no time, no age; a clock behind the checkpoint: age 0, never negative.
    const v4 = '0b5f1f7e-9d2a-4c4b-8f3e-2a1b3c4d5e6f';
    expect(checkpointRef(v4, T0)).toMatchObject({ taken_at: null, age_secs: null });
    expect(checkpointRef(uuid, T0 - 5000).age_secs).toBe(0);
  });

  it('measures how far the pulled checkpoint is behind the bucket', () => {
    const old = uuidv7(T0);
    const newer = uuidv7(T0 + 42_000);
    expect(standbyLagSecs(old, newer)).toBe(42);
    expect(standbyLagSecs(newer, newer)).toBe(0);
    expect(standbyLagSecs(newer, old)).toBe(0);
    expect(standbyLagSecs(null, newer)).toBeNull();
    expect(standbyLagSecs(old, null)).toBeNull();
  });
});

describe('transferView', () => {
  it('estimates the time left at the current speed', () => {
    const base = {
      operation: 'push' as const,
      uuid: 'u',
      phase: 'uploading',
      bytesDone: 250,
      bytesTotal: 1250,
      objectsDone: 1,
      objectsTotal: 4,
    };
    expect(transferView({ ...base, speed: 100 })).toMatchObject({
      bytes_done: 250,
      bytes_total: 1250,
      objects_total: 4,
      speed_bytes_per_sec: 100,
      eta_secs: 10,
    });
    expect(transferView({ ...base, speed: 0 }).eta_secs).toBeNull();
    expect(transferView({ ...base, bytesDone: 1250, speed: 0 }).eta_secs).toBe(0);
  });
});

describe('eventFromLog', () => {
  it('turns the synchroniser log lines about pushes into history events', () => {
    const uuid = uuidv7(T0);
    expect(
      eventFromLog(
        'checkpoint pushed',
        { uuid, bytes: 2048, durationMs: 1500, objects: 3 },
        T0 + 2000,
      ),
    ).toEqual({
      kind: 'push',
      result: 'success',
      at: new Date(T0 + 2000).toISOString(),
      checkpoint_uuid: uuid,
      checkpoint_time: new Date(T0).toISOString(),
      bytes: 2048,
      duration_ms: 1500,
      pull_kind: null,
      error: null,
    });
    expect(
      eventFromLog('periodic checkpoint sync failed', { uuid, error: 'bucket gone' }, T0),
    ).toMatchObject({ kind: 'push', result: 'failure', error: 'bucket gone' });
    expect(eventFromLog('checkpoint sync failed', { uuid, err: 'denied' }, T0)).toMatchObject({
      result: 'failure',
      error: 'denied',
    });
    expect(eventFromLog('pipeline starting', { uuid }, T0)).toBeNull();
    // Fields of the wrong type are dropped, not trusted.
    expect(eventFromLog('checkpoint pushed', { uuid: 7, bytes: -1 }, T0)).toMatchObject({
      checkpoint_uuid: null,
      bytes: null,
      duration_ms: null,
    });
  });
});

describe('eventFromTransition', () => {
  const a = uuidv7(T0);
  const b = uuidv7(T0 + 1000);
  it('records pulls that brought a checkpoint, with their duration', () => {
    expect(
      eventFromTransition({
        event: { type: 'pullSucceeded', at: T0 + 5000, result: { checkpointUuid: b, bytes: 99 } },
        previousPullStartedAtMs: T0 + 4200,
        previousPulled: a,
      }),
    ).toMatchObject({
      kind: 'pull',
      result: 'success',
      pull_kind: 'standby',
      checkpoint_uuid: b,
      bytes: 99,
      duration_ms: 800,
    });
    expect(
      eventFromTransition({
        event: { type: 'finalPullSucceeded', at: T0, result: { checkpointUuid: a } },
        previousPullStartedAtMs: null,
        previousPulled: a,
      }),
    ).toMatchObject({ pull_kind: 'final', duration_ms: null, bytes: 0 });
  });

  it('skips standby pulls that found what they had, and restores that found nothing', () => {
    expect(
      eventFromTransition({
        event: { type: 'pullSucceeded', at: T0, result: { checkpointUuid: a, bytes: 0 } },
        previousPullStartedAtMs: T0,
        previousPulled: a,
      }),
    ).toBeNull();
    expect(
      eventFromTransition({
        event: { type: 'restoreSucceeded', at: T0, result: { checkpointUuid: null } },
        previousPullStartedAtMs: T0,
        previousPulled: null,
      }),
    ).toBeNull();
    expect(
      eventFromTransition({
        event: { type: 'engineStarted', at: T0 },
        previousPullStartedAtMs: T0,
        previousPulled: null,
      }),
    ).toBeNull();
  });

  it('records failed pulls with their message', () => {
    expect(
      eventFromTransition({
        event: { type: 'pullFailed', at: T0, error: { message: 'no route to bucket' } },
        previousPullStartedAtMs: T0 - 100,
        previousPulled: a,
      }),
    ).toMatchObject({ result: 'failure', error: 'no route to bucket', duration_ms: 100 });
  });
});
