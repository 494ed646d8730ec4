import { createMemoryObjectStore } from '@feldera-sync/checkpoint';
import type { ObjectStore } from '@feldera-sync/checkpoint';
import { afterEach, describe, expect, it } from 'vitest';
import { StorageBuilder, removeDir, tempDir } from '../test/support/storage-builder.js';
import { SimulatedClock } from '@feldera-sync/clock';
import { createSynchronizer } from './synchronizer.js';

/**
 * Every periodic tick ends by scheduling the next one; a tick does real file I/O, so after each
 * timer the test lets real work run (no simulated time passes, no fixed sleep) until it has.
 */
function tickDone(clock: SimulatedClock): { afterEachTimer: () => Promise<void> } {
  return { afterEachTimer: () => clock.runUntil(() => clock.pendingTimers > 0) };
}

const dirs: string[] = [];
afterEach(async () => {
  for (const d of dirs.splice(0)) await removeDir(d);
});

describe('periodic push', () => {
  it('pushes only unsynced checkpoints, every interval after the last success, backing off on failure', async () => {
    const dir = await tempDir();
    dirs.push(dir);
    const b = new StorageBuilder(dir);
    const clock = new SimulatedClock(1_700_000_000_000);
    const memory = createMemoryObjectStore();
    let failing = false;
    const store: ObjectStore = {
      ...memory,
      getSmall: (k, o) =>
        failing ? Promise.reject(new Error('network down')) : memory.getSmall(k, o),
    };
    const s = createSynchronizer({
      storageDir: dir,
      store,
      pipeline: { systemName: 'pipeline-x', givenName: 'x' },
      clock,
    });
    const c1 = await b.checkpoint([await b.batch(1024)]);
    s.startPeriodic({ intervalMs: 60_000 });
    expect(clock.pendingDelays()).toEqual([60_000]);
    await clock.advance(59_999, tickDone(clock));
    expect(s.status().periodic).toBeNull();
    await clock.advance(1, tickDone(clock));
    expect(s.status()).toMatchObject({ periodic: c1, lastSynced: c1 });
    const putsAfterFirst = memory.calls.putSmall;

    await clock.advance(60_000, tickDone(clock));
    expect(memory.calls.putSmall).toBe(putsAfterFirst);

    const c2 = await b.checkpoint([await b.batch(1024)]);
    failing = true;
    await clock.advance(60_000, tickDone(clock));
    expect(s.status().periodicFailure).toMatchObject({ uuid: c2, consecutive: 1 });
    expect(clock.pendingDelays()).toEqual([5_000]);
    await clock.advance(5_000, tickDone(clock));
    expect(s.status().periodicFailure).toMatchObject({ consecutive: 2 });
    expect(clock.pendingDelays()).toEqual([10_000]);
    failing = false;
    await clock.advance(10_000, tickDone(clock));
    expect(s.status()).toMatchObject({ periodic: c2, periodicFailure: null });
    expect(clock.pendingDelays()).toEqual([60_000]);
    s.stopPeriodic();
    expect(clock.pendingDelays()).toEqual([]);
    await s.close();
  });

  it('close cancels a periodic push still running after cancelAfterMs', async () => {
    const dir = await tempDir();
    dirs.push(dir);
    const b = new StorageBuilder(dir);
    const memory = createMemoryObjectStore();
    let uploadStarted = false;
    // An upload that only ends when its signal fires, like a transfer to a store that stopped answering.
    const store: ObjectStore = {
      ...memory,
      uploadFiles: (_dir, _files, _prefix, o) =>
        new Promise((_resolve, reject) => {
          uploadStarted = true;
          o?.signal?.addEventListener('abort', () => reject(new Error('upload cancelled')), {
            once: true,
          });
        }),
    };
    const clock = new SimulatedClock(1_700_000_000_000);
    const s = createSynchronizer({
      storageDir: dir,
      store,
      pipeline: { systemName: 'pipeline-x', givenName: 'x' },
      clock,
    });
    await b.checkpoint([await b.batch(1024)]);
    s.startPeriodic({ intervalMs: 10 });
    await clock.advance(10, { afterEachTimer: () => clock.runUntil(() => uploadStarted) });
    let closed = false;
    const closing = s.close({ cancelAfterMs: 50 }).then(() => (closed = true));
    await clock.advance(49);
    expect(closed).toBe(false);
    // The cancel timer fires at 50 ms of simulated time and aborts the stuck upload.
    await clock.advance(1, { afterEachTimer: () => clock.runUntil(() => closed) });
    await closing;
    expect(clock.pendingTimers).toBe(0);
    expect(s.status().periodic).toBeNull();
    expect(memory.objects.has('checkpoints.feldera')).toBe(false);
  });
});
