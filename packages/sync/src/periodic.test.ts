import { createMemoryObjectStore } from '@feldera-sync/checkpoint';
import type { ObjectStore } from '@feldera-sync/checkpoint';
import { afterEach, describe, expect, it } from 'vitest';
import { StorageBuilder, removeDir, tempDir } from '../test/support/storage-builder.js';
import type { Clock } from '@feldera-sync/clock';
import { createSynchronizer } from './synchronizer.js';

/** A simulated clock: time moves only when the test says so. */
class SimulatedClock implements Clock {
  #now = 1_700_000_000_000;
  #timers = new Map<number, { at: number; fn: () => void }>();
  #next = 1;
  now(): number {
    return this.#now;
  }
  setTimeout(fn: () => void, ms: number): number {
    const id = this.#next++;
    this.#timers.set(id, { at: this.#now + ms, fn });
    return id;
  }
  clearTimeout(handle: unknown): void {
    this.#timers.delete(handle as number);
  }
  /** Pending timer delays from now. */
  pending(): number[] {
    return [...this.#timers.values()].map((t) => t.at - this.#now);
  }
  /** Advances time, firing due timers, and lets the async work they start settle. */
  async advance(ms: number): Promise<void> {
    const target = this.#now + ms;
    for (;;) {
      const due = [...this.#timers.entries()]
        .filter(([, t]) => t.at <= target)
        .sort((a, b) => a[1].at - b[1].at)[0];
      if (!due) break;
      this.#timers.delete(due[0]);
      this.#now = due[1].at;
      due[1].fn();
      // A periodic tick always ends by scheduling the next one: wait for that, not for a fixed time.
      await until(() => this.#timers.size > 0);
      await settle();
    }
    this.#now = target;
    await settle();
  }
}

async function until(done: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!done() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
}

async function settle(): Promise<void> {
  for (let i = 0; i < 20; i++) await new Promise((r) => setImmediate(r));
  await new Promise((r) => setTimeout(r, 30));
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
    const clock = new SimulatedClock();
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
    expect(clock.pending()).toEqual([60_000]);
    await clock.advance(59_999);
    expect(s.status().periodic).toBeNull();
    await clock.advance(1);
    await settle();
    expect(s.status()).toMatchObject({ periodic: c1, lastSynced: c1 });
    const putsAfterFirst = memory.calls.putSmall;

    await clock.advance(60_000);
    expect(memory.calls.putSmall).toBe(putsAfterFirst);

    const c2 = await b.checkpoint([await b.batch(1024)]);
    failing = true;
    await clock.advance(60_000);
    expect(s.status().periodicFailure).toMatchObject({ uuid: c2, consecutive: 1 });
    expect(clock.pending()).toEqual([5_000]);
    await clock.advance(5_000);
    expect(s.status().periodicFailure).toMatchObject({ consecutive: 2 });
    expect(clock.pending()).toEqual([10_000]);
    failing = false;
    await clock.advance(10_000);
    expect(s.status()).toMatchObject({ periodic: c2, periodicFailure: null });
    expect(clock.pending()).toEqual([60_000]);
    s.stopPeriodic();
    expect(clock.pending()).toEqual([]);
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
    const s = createSynchronizer({
      storageDir: dir,
      store,
      pipeline: { systemName: 'pipeline-x', givenName: 'x' },
    });
    await b.checkpoint([await b.batch(1024)]);
    s.startPeriodic({ intervalMs: 10 });
    await until(() => uploadStarted);
    expect(uploadStarted).toBe(true);
    const started = Date.now();
    await s.close({ cancelAfterMs: 50 });
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(s.status().periodic).toBeNull();
    expect(memory.objects.has('checkpoints.feldera')).toBe(false);
  });
});
