import { createMemoryObjectStore, parseOwner } from '@feldera-sync/checkpoint';
import { hasErrorCode } from '@feldera-sync/errors';
import { describe, expect, it } from 'vitest';
import { storagePerTest } from '../test/support/storage-builder.js';
import { systemClock } from '@feldera-sync/clock';
import { SyncErrorCodes } from './errors.js';
import { silentLogger } from './logger.js';
import { ensureOwner, takeOverOwnership } from './ownership.js';
import { createSynchronizer } from './synchronizer.js';

const A = { systemName: 'pipeline-00000000-0000-4000-8000-00000000000a', givenName: 'primary' };
const B = { systemName: 'pipeline-00000000-0000-4000-8000-00000000000b', givenName: 'standby' };
const storage = storagePerTest();
const ownerOf = (store: ReturnType<typeof createMemoryObjectStore>) =>
  parseOwner(new TextDecoder().decode(store.objects.get('owner.json')), 'owner.json');

describe('takeOverOwnership (failover)', () => {
  it('makes owner.json name the activated standby and fences the old primary', async () => {
    const a = await storage();
    const store = createMemoryObjectStore();
    const primary = createSynchronizer({ storageDir: a.dir, store, pipeline: A });
    const first = await a.checkpoint([await a.batch(1024)]);
    await primary.push(first);

    const report = await takeOverOwnership(store, B, systemClock, silentLogger);
    expect(report).toMatchObject({ tookOver: true, previous: { pipeline_name: A.systemName } });
    expect(ownerOf(store)).toMatchObject({
      pipeline_name: B.systemName,
      given_name: 'standby',
      previous_owner: { pipeline_name: A.systemName },
    });

    const second = await a.checkpoint([await a.batch(1024)]);
    const catalogBefore = store.objects.get('checkpoints.feldera');
    const refused = await primary.push(second).catch((e: unknown) => e);
    expect(hasErrorCode(refused, SyncErrorCodes.ownerMismatch)).toBe(true);
    expect(store.objects.get('checkpoints.feldera')).toEqual(catalogBefore);
    await expect(ensureOwner(store, B, systemClock, silentLogger)).resolves.toMatchObject({
      pipeline_name: B.systemName,
    });
    await primary.close();
  });

  it('writes nothing when the bucket has no owner or already names this pipeline', async () => {
    const store = createMemoryObjectStore();
    expect(await takeOverOwnership(store, B, systemClock, silentLogger)).toEqual({
      previous: null,
      tookOver: false,
    });
    expect(store.objects.has('owner.json')).toBe(false);
    await ensureOwner(store, B, systemClock, silentLogger);
    const puts = store.calls.putSmall;
    expect(await takeOverOwnership(store, B, systemClock, silentLogger)).toMatchObject({
      tookOver: false,
    });
    expect(store.calls.putSmall).toBe(puts);
  });
});
