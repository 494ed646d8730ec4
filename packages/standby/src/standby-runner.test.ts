import { SyncError, hasErrorCode } from '@feldera-sync/errors';
import { describe, expect, it } from 'vitest';
import { MAX_TIMER_DELAY_MS } from '@feldera-sync/clock';
import {
  ERR_STANDBY_FINAL_PULL_FAILED,
  ERR_STANDBY_INVALID_CONFIG,
  ERR_STANDBY_INVALID_TRANSITION,
  ERR_STANDBY_NO_CHECKPOINT,
  ERR_STANDBY_REQUIRES_CHECKPOINT,
  ERR_STANDBY_STOPPED,
  ERR_STANDBY_TAKEOVER_FAILED,
} from './error-codes.js';
import type { StandbyNotification } from './standby-runner.js';
import { CP1, CP2, standbyConfig, uuidV7At } from './test-support/fixtures.js';
import { createHarness } from './test-support/harness.js';

const standby = { ...standbyConfig, initial: 'standby' as const };

async function rejectionOf(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected a rejection');
}

describe('standby pulls', () => {
  it('refuse a pull interval longer than a Node timer can wait, instead of pulling every millisecond', async () => {
    const h = createHarness();
    const error = await rejectionOf(
      h.runner.start({ ...standby, pullIntervalMs: 30 * 86_400_000 }),
    );
    expect(hasErrorCode(error, ERR_STANDBY_INVALID_CONFIG), String(error)).toBe(true);
    expect(String((error as Error).message)).toMatch(/up to 2147483647 .*every millisecond/);
    await h.clock.advance(1_000);
    expect(h.pulls).toEqual([]);
    await h.runner.stop();
  });

  it('wait the whole interval at the Node timer limit: one pull, then a timer, no loop', async () => {
    const h = createHarness({ pullMs: () => 0 });
    await h.runner.start({ ...standby, pullIntervalMs: MAX_TIMER_DELAY_MS });
    await h.clock.advance(1_000);
    expect(h.pulls.map((p) => p.startedAt)).toEqual([0]);
    expect(h.clock.pendingTimers).toBe(1);
    await h.runner.stop();
  });

  it('pull every pull_interval exactly, measured from the start of the previous pull', async () => {
    const h = createHarness({ pullMs: () => 2_000, pullResult: () => ({ checkpointUuid: CP1 }) });
    await h.runner.start(standby);
    await h.clock.advance(35_000);
    expect(h.pulls.map((p) => p.startedAt)).toEqual([0, 10_000, 20_000, 30_000]);
    expect(
      h.pulls.every((p) => p.request.mode === 'standby' && p.request.sources === 'remote'),
    ).toBe(true);
    expect(h.logs.filter((l) => l.message === 'checkpoint pulled successfully')).toHaveLength(4);
    expect(h.runner.snapshot()).toMatchObject({
      state: 'standby',
      runtimeStatus: 'Standby',
      totalPulls: 4,
      lastPullAtMs: 32_000,
    });
    await h.runner.stop();
  });

  it('never overlap when a pull outlasts the interval: the next starts as soon as it ends, no burst', async () => {
    const h = createHarness({ pullMs: () => 15_000 });
    await h.runner.start(standby);
    await h.clock.advance(50_000);
    expect(h.pulls.map((p) => p.startedAt)).toEqual([0, 15_000, 30_000, 45_000]);
    expect(h.maxConcurrentPulls).toBe(1);
    await h.runner.stop();
  });

  it('mixed durations keep the cadence without catching up on missed slots', async () => {
    const durations = [1_000, 25_000, 1_000, 1_000];
    const h = createHarness({ pullMs: (i) => durations[i] ?? 1_000 });
    await h.runner.start(standby);
    await h.clock.advance(50_000);
    expect(h.pulls.map((p) => p.startedAt)).toEqual([0, 10_000, 35_000, 45_000]);
    await h.runner.stop();
  });

  it('count pull errors and keep going at the same interval (the interval paces retries, no backoff)', async () => {
    const h = createHarness({
      pullMs: () => 500,
      pullResult: (i) => {
        if (i < 3) throw new SyncError('ERR_RCLONE_AUTH', 'SignatureDoesNotMatch');
        return { checkpointUuid: CP1 };
      },
    });
    await h.runner.start(standby);
    await h.clock.advance(1_000);
    expect(h.runner.snapshot().consecutivePullFailures).toBe(1);
    await h.clock.advance(20_000);
    expect(h.runner.snapshot()).toMatchObject({
      consecutivePullFailures: 3,
      failedPulls: 3,
      lastPullError: { code: 'ERR_RCLONE_AUTH' },
    });
    await h.clock.advance(10_000);
    expect(h.pulls.map((p) => p.startedAt)).toEqual([0, 10_000, 20_000, 30_000]);
    expect(h.runner.snapshot()).toMatchObject({
      state: 'standby',
      consecutivePullFailures: 0,
      totalPulls: 4,
      lastPulledCheckpoint: { uuid: CP1 },
    });
    await h.runner.stop();
  });

  it('report freshness as the age of the newest pulled checkpoint from its UUIDv7 time', async () => {
    const t0 = 1_750_000_000_000;
    const cp = uuidV7At(t0 - 5_000);
    const h = createHarness({
      startMs: t0,
      pullMs: () => 1_000,
      pullResult: () => ({ checkpointUuid: cp, bytes: 1234 }),
    });
    expect(h.runner.snapshot().checkpointAgeMs).toBeNull();
    await h.runner.start(standby);
    await h.clock.advance(4_000);
    expect(h.runner.snapshot()).toMatchObject({
      lastPulledCheckpoint: { uuid: cp, timeMs: t0 - 5_000, bytes: 1234 },
      checkpointAgeMs: 9_000,
      lastPullAtMs: t0 + 1_000,
    });
    await h.runner.stop();
  });

  it('refuse standby without start_from_checkpoint', async () => {
    const h = createHarness();
    const error = await rejectionOf(h.runner.start({ ...standby, startFromCheckpoint: null }));
    expect(hasErrorCode(error, ERR_STANDBY_REQUIRES_CHECKPOINT)).toBe(true);
    expect(h.pulls).toHaveLength(0);
  });
});

describe('activation', () => {
  it('during a running pull waits for it, then does exactly one final pull, then marker, then engine', async () => {
    const h = createHarness({
      pullMs: () => 5_000,
      pullResult: (_i, r) => ({ checkpointUuid: r.mode === 'final' ? CP2 : CP1 }),
    });
    await h.runner.start(standby);
    await h.clock.advance(2_000);
    let activated = false;
    const activation = h.runner.activate().then(() => {
      activated = true;
    });
    await h.clock.advance(2_000);
    expect(h.pulls).toHaveLength(1);
    await h.clock.advance(1_000);
    expect(h.pulls.map((p) => [p.request.mode, p.startedAt])).toEqual([
      ['standby', 0],
      ['final', 5_000],
    ]);
    expect(h.maxConcurrentPulls).toBe(1);
    expect(activated).toBe(false);
    await h.clock.advance(5_000);
    await activation;
    expect(h.markers).toEqual([10_000]);
    expect(h.engineStarts).toEqual([{ mode: 'running', checkpointUuid: CP2, at: 10_000 }]);
    expect(h.runner.snapshot()).toMatchObject({
      state: 'running',
      runtimeStatus: 'Running',
      activated: true,
      runningFrom: { uuid: CP2 },
    });
    await h.clock.advance(60_000);
    expect(h.pulls).toHaveLength(2);
    expect(h.clock.pendingTimers).toBe(0);
    await h.runner.stop();
  });

  it('from an idle standby cancels the scheduled pull and starts the final pull at once', async () => {
    const h = createHarness({ pullMs: () => 0, pullResult: () => ({ checkpointUuid: CP1 }) });
    await h.runner.start(standby);
    await h.clock.advance(3_000);
    expect(h.clock.pendingTimers).toBe(1);
    const activation = h.runner.activate('paused');
    await h.clock.advance(0);
    await activation;
    expect(h.pulls.map((p) => [p.request.mode, p.startedAt])).toEqual([
      ['standby', 0],
      ['final', 3_000],
    ]);
    expect(h.engineStarts).toEqual([{ mode: 'paused', checkpointUuid: CP1, at: 3_000 }]);
    expect(h.runner.state.name).toBe('paused');
    expect(h.clock.pendingTimers).toBe(0);
    await h.runner.stop();
  });

  it('fails with ERR_STANDBY_FINAL_PULL_FAILED and never starts the engine when the final pull fails', async () => {
    const h = createHarness({
      pullMs: () => 100,
      pullResult: (_i, r) => {
        if (r.mode === 'final') throw new SyncError('ERR_RCLONE_NETWORK', 'connection refused');
        return { checkpointUuid: CP1 };
      },
    });
    await h.runner.start(standby);
    await h.clock.advance(1_000);
    const error = h.runner.activate();
    const caught = rejectionOf(error);
    await h.clock.advance(1_000);
    const e = await caught;
    expect(hasErrorCode(e, ERR_STANDBY_FINAL_PULL_FAILED)).toBe(true);
    expect((e as SyncError).message).toMatch(/connection refused/);
    expect(h.engineStarts).toHaveLength(0);
    expect(h.markers).toHaveLength(0);
    expect(h.runner.snapshot()).toMatchObject({
      state: 'failed',
      runtimeStatus: 'Failed',
      failure: { code: ERR_STANDBY_FINAL_PULL_FAILED },
    });
    expect(h.clock.pendingTimers).toBe(0);
    await h.runner.stop();
  });

  it('is a no-op while running and rejected with ERR_STANDBY_INVALID_TRANSITION when not started', async () => {
    const h = createHarness();
    expect(
      hasErrorCode(await rejectionOf(h.runner.activate()), ERR_STANDBY_INVALID_TRANSITION),
    ).toBe(true);
    await h.runner.start({ ...standbyConfig, initial: 'running', startFromCheckpoint: null });
    await h.runner.activate();
    expect(h.engineStarts).toHaveLength(1);
    await h.runner.stop();
  });

  it('a restarted activated pipeline activates by itself from its newest local checkpoint', async () => {
    const h = createHarness({ pullMs: () => 10, pullResult: () => ({ checkpointUuid: CP2 }) });
    const started = h.runner.start({ ...standby, activatedMarkerPresent: true });
    await h.clock.advance(10);
    await started;
    expect(h.pulls.map((p) => p.request)).toEqual([
      { mode: 'restore', checkpoint: 'latest', sources: 'local-only' },
    ]);
    expect(h.engineStarts).toEqual([{ mode: 'running', checkpointUuid: CP2, at: 10 }]);
    expect(h.markers).toHaveLength(0);
    expect(h.runner.state.name).toBe('running');
    await h.runner.stop();
  });
});

describe('requestActivate', () => {
  it('answers acceptance synchronously (202 vs 400) and finishes later', async () => {
    const h = createHarness({ pullMs: () => 1_000, pullResult: () => ({ checkpointUuid: CP1 }) });
    const refused = h.runner.requestActivate();
    expect(refused.outcome).toMatchObject({
      accepted: false,
      code: ERR_STANDBY_INVALID_TRANSITION,
    });
    expect(hasErrorCode(await rejectionOf(refused.done), ERR_STANDBY_INVALID_TRANSITION)).toBe(
      true,
    );

    await h.runner.start(standby);
    const request = h.runner.requestActivate('running');
    expect(request.outcome).toEqual({ changed: true, accepted: true });
    expect(h.runner.snapshot().runtimeStatus).toBe('Initializing');
    expect(h.runner.requestActivate().outcome).toMatchObject({ changed: false, accepted: true });
    await h.clock.advance(2_000);
    await request.done;
    expect(h.runner.state.name).toBe('running');
    await h.runner.stop();
  });

  it('is safe from a listener reacting to a transition, and a throwing listener breaks nothing', async () => {
    const h = createHarness({ pullMs: () => 1_000, pullResult: () => ({ checkpointUuid: CP1 }) });
    h.runner.subscribe(() => {
      throw new Error('broken listener');
    });
    let request: ReturnType<typeof h.runner.requestActivate> | undefined;
    h.runner.subscribe((n) => {
      if (
        n.type === 'log' &&
        n.entry.message === 'checkpoint pulled successfully' &&
        request === undefined
      ) {
        request = h.runner.requestActivate();
      }
    });
    await h.runner.start(standby);
    await h.clock.advance(1_000);
    expect(request?.outcome.accepted).toBe(true);
    await h.clock.advance(1_000);
    await request?.done;
    expect(h.pulls.map((p) => p.request.mode)).toEqual(['standby', 'final']);
    expect(h.engineStarts).toHaveLength(1);
    await h.runner.stop();
  });
});

describe('non-standby start', () => {
  it('restores local-first, then starts the engine from the checkpoint', async () => {
    const h = createHarness({ pullMs: () => 50, pullResult: () => ({ checkpointUuid: CP1 }) });
    const started = h.runner.start({ ...standbyConfig, initial: 'paused' });
    await h.clock.advance(50);
    await started;
    expect(h.pulls.map((p) => p.request)).toEqual([
      { mode: 'restore', checkpoint: 'latest', sources: 'local-first' },
    ]);
    expect(h.engineStarts).toEqual([{ mode: 'paused', checkpointUuid: CP1, at: 50 }]);
    await h.runner.resume();
    expect(h.runner.state.name).toBe('running');
    await h.runner.pause();
    expect(h.runner.state.name).toBe('paused');
    await h.runner.stop();
    expect(h.engineStops).toHaveLength(1);
  });

  it('fails the start when nothing is found and fail_if_no_checkpoint is set; starts empty otherwise', async () => {
    const strict = createHarness({ pullMs: () => 0 });
    const failing = rejectionOf(
      strict.runner.start({ ...standbyConfig, initial: 'running', failIfNoCheckpoint: true }),
    );
    await strict.clock.advance(0);
    const error = await failing;
    expect(hasErrorCode(error, ERR_STANDBY_NO_CHECKPOINT)).toBe(true);
    expect(strict.engineStarts).toHaveLength(0);

    const lax = createHarness({ pullMs: () => 0 });
    const started = lax.runner.start({ ...standbyConfig, initial: 'running' });
    await lax.clock.advance(0);
    await started;
    expect(lax.engineStarts).toEqual([{ mode: 'running', checkpointUuid: null, at: 0 }]);
    await lax.runner.stop();
  });
});

describe('stop', () => {
  it('cancels the in-flight pull through its AbortSignal and leaves no timer', async () => {
    const h = createHarness({ pullMs: () => 60_000 });
    await h.runner.start(standby);
    await h.clock.advance(1_000);
    await h.runner.stop();
    expect(h.pulls).toHaveLength(1);
    expect(h.pulls[0]?.aborted).toBe(true);
    expect(h.clock.pendingTimers).toBe(0);
    expect(h.runner.snapshot()).toMatchObject({
      state: 'stopped',
      runtimeStatus: 'Stopped',
      pullInFlight: null,
    });
    await h.clock.advance(100_000);
    expect(h.pulls).toHaveLength(1);
  });

  it('clears the scheduled pull of an idle standby', async () => {
    const h = createHarness({ pullMs: () => 0 });
    await h.runner.start(standby);
    await h.clock.advance(1);
    expect(h.clock.pendingTimers).toBe(1);
    await h.runner.stop();
    expect(h.clock.pendingTimers).toBe(0);
  });

  it('rejects a pending activation with ERR_STANDBY_STOPPED and never starts the engine', async () => {
    const h = createHarness({ pullMs: () => 5_000 });
    await h.runner.start(standby);
    const caught = rejectionOf(h.runner.activate());
    await h.clock.advance(1_000);
    await h.runner.stop();
    expect(hasErrorCode(await caught, ERR_STANDBY_STOPPED)).toBe(true);
    await h.clock.advance(60_000);
    expect(h.engineStarts).toHaveLength(0);
  });

  it('waits for an engine start in flight, then stops the engine', async () => {
    let release: () => void = () => undefined;
    const h = createHarness({ startEngine: () => new Promise<void>((r) => (release = r)) });
    const started = rejectionOf(
      h.runner.start({ ...standbyConfig, initial: 'running', startFromCheckpoint: null }),
    );
    await h.clock.flush();
    const stopped = h.runner.stop();
    await h.clock.flush();
    expect(h.engineStops).toHaveLength(0);
    release();
    await stopped;
    expect(h.engineStops).toHaveLength(1);
    expect(hasErrorCode(await started, ERR_STANDBY_STOPPED)).toBe(true);
  });

  it('can start again after stop, dropping results of the old incarnation', async () => {
    const h = createHarness({ pullMs: () => 1_000, pullResult: () => ({ checkpointUuid: CP1 }) });
    await h.runner.start(standby);
    await h.runner.stop();
    await h.runner.start(standby);
    await h.clock.advance(1_000);
    expect(h.runner.snapshot()).toMatchObject({ state: 'standby', totalPulls: 1 });
    await h.runner.stop();
  });
});

describe('notifications', () => {
  it('delivers transitions and logs to subscribers until they unsubscribe', async () => {
    const h = createHarness({ pullMs: () => 0 });
    const seen: StandbyNotification[] = [];
    const off = h.runner.subscribe((n) => seen.push(n));
    await h.runner.start(standby);
    await h.clock.advance(0);
    expect(
      seen.some(
        (n) =>
          n.type === 'transition' &&
          n.record.event.type === 'start' &&
          n.record.state.name === 'standby',
      ),
    ).toBe(true);
    expect(seen.some((n) => n.type === 'log' && n.entry.message === 'entering standby')).toBe(true);
    off();
    const count = seen.length;
    await h.clock.advance(30_000);
    expect(seen).toHaveLength(count);
    await h.runner.stop();
  });
});

describe('activation steps and causes', () => {
  it('run intent, takeover and marker in order before the engine, and report who was taken over', async () => {
    const h = createHarness({
      pullMs: () => 10,
      pullResult: () => ({ checkpointUuid: CP1 }),
      takeOverOwnership: () => Promise.resolve({ previousOwner: 'pipeline-primary' }),
    });
    await h.runner.start(standby);
    await h.clock.advance(20);
    const done = h.runner.activate();
    await h.clock.advance(50);
    await done;
    expect(h.steps).toEqual(['intent', 'takeover', 'marker']);
    expect(h.engineStarts).toHaveLength(1);
    expect(h.runner.snapshot()).toMatchObject({
      state: 'running',
      tookOverFrom: 'pipeline-primary',
    });
    await h.runner.stop();
  });

  it('keep the handler error as the cause of the rejection (root cause for exit codes and statuses)', async () => {
    const auth = new SyncError('ERR_STORE_AUTH', 'SignatureDoesNotMatch', {
      hint: 'check the keys',
    });
    const h = createHarness({
      pullMs: () => 10,
      pullResult: (i) => {
        if (i === 0) return { checkpointUuid: CP1 };
        throw auth;
      },
    });
    await h.runner.start(standby);
    await h.clock.advance(20);
    const done = rejectionOf(h.runner.activate());
    await h.clock.advance(50);
    const error = await done;
    expect(hasErrorCode(error, ERR_STANDBY_FINAL_PULL_FAILED)).toBe(true);
    expect((error as SyncError).cause).toBe(auth);
    expect((error as SyncError).hint).toBe('check the keys');
    expect(h.runner.snapshot().failure).toMatchObject({ causeCode: 'ERR_STORE_AUTH' });
    expect(h.runner.failureError()?.cause).toBe(auth);
    await h.runner.stop();
  });

  it('fail a takeover with its own code, never writing the marker or starting the engine', async () => {
    const denied = new SyncError('ERR_STORE_AUTH', 'AccessDenied');
    const h = createHarness({
      pullMs: () => 10,
      pullResult: () => ({ checkpointUuid: CP1 }),
      takeOverOwnership: () => Promise.reject(denied),
    });
    await h.runner.start(standby);
    await h.clock.advance(20);
    const done = rejectionOf(h.runner.activate());
    await h.clock.advance(50);
    const error = await done;
    expect(hasErrorCode(error, ERR_STANDBY_TAKEOVER_FAILED)).toBe(true);
    expect((error as SyncError).cause).toBe(denied);
    expect(String((error as Error).message)).not.toMatch(/activated\.feldera/);
    expect(h.steps).toEqual(['intent', 'takeover']);
    expect(h.markers).toEqual([]);
    expect(h.engineStarts).toEqual([]);
    await h.runner.stop();
  });

  it('complete an interrupted activation at start: takeover, marker, local restore, engine', async () => {
    const h = createHarness({
      pullMs: () => 5,
      pullResult: () => ({ checkpointUuid: CP2 }),
    });
    const started = h.runner.start({ ...standby, activationIntentPresent: true });
    await h.clock.advance(50);
    await started;
    expect(h.steps).toEqual(['takeover', 'marker']);
    expect(h.pulls.map((p) => p.request)).toEqual([
      { mode: 'restore', checkpoint: 'latest', sources: 'local-only' },
    ]);
    expect(h.engineStarts.map((e) => e.checkpointUuid)).toEqual([CP2]);
    expect(h.runner.snapshot()).toMatchObject({ state: 'running', activated: true });
    await h.runner.stop();
  });
});
