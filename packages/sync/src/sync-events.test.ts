// A host counts pushes from typed events, not from log text: one event per push, with its numbers.
import { createMemoryObjectStore } from '@feldera-sync/checkpoint';
import { describe, expect, it } from 'vitest';
import { storagePerTest } from '../test/support/storage-builder.js';
import { SyncErrorCodes } from './errors.js';
import { silentLogger } from './logger.js';
import type { SyncLogger } from './logger.js';
import type { SyncEvent } from './sync-events.js';
import { createSynchronizer } from './synchronizer.js';

const A = { systemName: 'pipeline-00000000-0000-4000-8000-00000000000a', givenName: 'alpha' };
const B = { systemName: 'pipeline-00000000-0000-4000-8000-00000000000b', givenName: 'beta' };
const storage = storagePerTest();

function recording(): { logger: SyncLogger; events: SyncEvent[] } {
  const events: SyncEvent[] = [];
  return { events, logger: { ...silentLogger, event: (e) => events.push(e) } };
}

describe('sync events', () => {
  it('a push reports one push-succeeded event carrying the report numbers', async () => {
    const a = await storage();
    const c1 = await a.checkpoint([await a.batch(4096), await a.batch(2048)]);
    const { logger, events } = recording();
    const s = createSynchronizer({
      storageDir: a.dir,
      store: createMemoryObjectStore(),
      pipeline: A,
      logger,
    });
    const report = await s.push(c1);
    expect(events).toEqual([
      {
        type: 'push-succeeded',
        uuid: c1,
        bytes: report.bytes,
        objects: report.objects,
        skippedObjects: report.skippedObjects,
        durationMs: report.durationMs,
        alreadySynced: false,
      },
    ]);
    expect(report.bytes).toBeGreaterThan(6144);
    await s.push(c1);
    expect(events.at(-1)).toMatchObject({ type: 'push-succeeded', alreadySynced: true });
    await s.close();
  });

  it('a refused push reports push-failed with its error code', async () => {
    const a = await storage();
    const c1 = await a.checkpoint([await a.batch(1024)]);
    const store = createMemoryObjectStore();
    const first = createSynchronizer({ storageDir: a.dir, store, pipeline: B });
    await first.push(c1);
    await first.close();
    const { logger, events } = recording();
    const s = createSynchronizer({ storageDir: a.dir, store, pipeline: A, logger });
    await expect(s.push(c1)).rejects.toThrow();
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({
      type: 'push-failed',
      uuid: c1,
      code: SyncErrorCodes.ownerMismatch,
    });
    await s.close();
  });
});
