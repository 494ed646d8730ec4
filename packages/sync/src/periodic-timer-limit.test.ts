import { createMemoryObjectStore } from '@feldera-sync/checkpoint';
import { MAX_TIMER_DELAY_MS } from '@feldera-sync/config';
import { afterEach, describe, expect, it } from 'vitest';
import { removeDir, tempDir } from '../test/support/storage-builder.js';
import type { Clock } from '@feldera-sync/clock';
import { createSynchronizer } from './synchronizer.js';

/** Records every delay handed to the clock; never fires. */
class RecordingClock implements Clock {
  readonly delays: number[] = [];
  now(): number {
    return 1_700_000_000_000;
  }
  setTimeout(_callback: () => void, ms: number): number {
    this.delays.push(ms);
    return this.delays.length;
  }
  clearTimeout(): void {}
}

const dirs: string[] = [];
afterEach(async () => {
  for (const d of dirs.splice(0)) await removeDir(d);
});

describe('periodic push timers', () => {
  it('never hand a Node timer a delay above 2^31-1 ms, which it would fire after 1 ms', async () => {
    const dir = await tempDir();
    dirs.push(dir);
    const clock = new RecordingClock();
    const s = createSynchronizer({
      storageDir: dir,
      store: createMemoryObjectStore(),
      pipeline: { systemName: 'pipeline-x', givenName: 'x' },
      clock,
    });
    s.startPeriodic({ intervalMs: 30 * 86_400_000 });
    s.startPeriodic({ intervalMs: Number.POSITIVE_INFINITY });
    await s.close({ cancelAfterMs: 2 ** 40 });
    expect(clock.delays).toHaveLength(3);
    for (const delay of clock.delays) expect(delay).toBe(MAX_TIMER_DELAY_MS);
  });
});
