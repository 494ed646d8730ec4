import { createMemoryObjectStore } from '@feldera-sync/checkpoint';
import { MAX_TIMER_DELAY_MS } from '@feldera-sync/config';
import { afterEach, describe, expect, it } from 'vitest';
import { removeDir, tempDir } from '../test/support/storage-builder.js';
import { SimulatedClock } from '@feldera-sync/clock';
import { createSynchronizer } from './synchronizer.js';

const dirs: string[] = [];
afterEach(async () => {
  for (const d of dirs.splice(0)) await removeDir(d);
});

describe('periodic push timers', () => {
  it('never hand a Node timer a delay above 2^31-1 ms, which it would fire after 1 ms', async () => {
    const dir = await tempDir();
    dirs.push(dir);
    const clock = new SimulatedClock(1_700_000_000_000);
    const s = createSynchronizer({
      storageDir: dir,
      store: createMemoryObjectStore(),
      pipeline: { systemName: 'pipeline-x', givenName: 'x' },
      clock,
    });
    // SimulatedClock, like Node, would fire a longer delay after 1 ms: the delays must arrive bounded.
    s.startPeriodic({ intervalMs: 30 * 86_400_000 });
    expect(clock.pendingDelays()).toEqual([MAX_TIMER_DELAY_MS]);
    s.startPeriodic({ intervalMs: Number.POSITIVE_INFINITY });
    expect(clock.pendingDelays()).toEqual([MAX_TIMER_DELAY_MS]);
    const closing = s.close({ cancelAfterMs: 2 ** 40 });
    expect(clock.pendingDelays()).toEqual([MAX_TIMER_DELAY_MS]);
    await closing;
    expect(clock.pendingTimers).toBe(0);
  });
});
