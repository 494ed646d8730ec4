// Acceptance scenarios 1-6, 18 and 23: checkpoint, sync and restore through the server, on Ceph RGW.
// "Restart" = stop and clear local storage unless a scenario says otherwise; "identical" = equal
// table hashes (and row counts).
import { describe, expect, it } from 'vitest';
import {
  UNREACHABLE_ENDPOINT,
  WRONG_SECRET,
  checkpoint,
  eventually,
  ingest,
  localCatalog,
  remoteUuids,
  runtimeConfig,
  snapshot,
  startAndWait,
  stop,
  stopAndClear,
  useSuite,
} from './support.js';

describe('acceptance: checkpoint, sync, restore', () => {
  const s = useSuite();

  // Scenario 1
  // | step | pipeline                                    |
  // | 1    | start (latest, empty bucket) -> empty       |
  // | 2    | ingest rows into orders and users           |
  // | 3    | checkpoint                                  |
  // | 4    | sync, wait for success                      |
  // | 5    | stop, clear storage, start from latest      |
  // | 6    | tables identical to step 3                  |
  it('scenario 1: ingest, checkpoint, sync, restart from latest -> identical', async () => {
    const { c } = s;
    const bucket = await s.bucket();
    await s.put('s01', runtimeConfig(`${bucket}/s01`));
    const first = await startAndWait(c, 's01', 'running', 'Running');
    expect(first.restored_from?.source ?? 'none').toBe('none');
    await ingest(c, 's01', 'a', 0, 50);
    await ingest(c, 's01', 'b', 50, 60, [{ id: 3, name: 'a-orders-3', n: (3 * 7919) % 1000 }]);
    const uuid = await checkpoint(c, 's01');
    const before = await snapshot(c, 's01');
    expect(before.orders?.count).toBe(59);
    const synced = await c.syncAndWait('s01');
    expect(synced.uuid).toBe(uuid);
    expect(await remoteUuids(c, 's01')).toEqual([uuid]);

    await stopAndClear(c, 's01');
    const status = await startAndWait(c, 's01', 'running', 'Running');
    expect(status.restored_from).toEqual({ uuid, source: 'bucket' });
    expect(await snapshot(c, 's01')).toEqual(before);
  });

  // Scenario 2
  // | step | pipeline                                          |
  // | 1    | start, ingest, checkpoint 1, sync 1               |
  // | 2    | ingest more, checkpoint 2, sync 2                 |
  // | 3    | stop, clear, set start_from_checkpoint = uuid 1   |
  // | 4    | start: tables identical to checkpoint 1           |
  it('scenario 2: restart from the synced UUID -> identical', async () => {
    const { c } = s;
    const bucket = await s.bucket();
    await s.put('s02', runtimeConfig(`${bucket}/s02`));
    await startAndWait(c, 's02', 'running', 'Running');
    await ingest(c, 's02', 'a', 0, 40);
    const uuid1 = await checkpoint(c, 's02');
    const at1 = await snapshot(c, 's02');
    expect((await c.syncAndWait('s02')).uuid).toBe(uuid1);
    await ingest(c, 's02', 'b', 40, 80);
    const uuid2 = await checkpoint(c, 's02');
    expect(await snapshot(c, 's02')).not.toEqual(at1);
    expect((await c.syncAndWait('s02')).uuid).toBe(uuid2);

    await stopAndClear(c, 's02');
    await s.put(
      's02',
      runtimeConfig(`${bucket}/s02`, {
        sync: { start_from_checkpoint: uuid1, fail_if_no_checkpoint: true },
      }),
    );
    const status = await startAndWait(c, 's02', 'running', 'Running');
    expect(status.restored_from).toEqual({ uuid: uuid1, source: 'bucket' });
    expect(await snapshot(c, 's02')).toEqual(at1);
  });

  // Scenario 3
  // | step | pipeline                                                              |
  // | 1    | start, ingest, checkpoint, sync                                       |
  // | 2    | stop (storage kept)                                                   |
  // | 3    | config: wrong secret_key, endpoint http://127.0.0.1:1 (unreachable)   |
  // | 4    | start from latest: Running, restored_from.source = local, identical   |
  it('scenario 3: restart keeping local storage -> identical, no object-store request', async () => {
    const { c } = s;
    const bucket = await s.bucket();
    await s.put('s03', runtimeConfig(`${bucket}/s03`));
    await startAndWait(c, 's03', 'running', 'Running');
    await ingest(c, 's03', 'a', 0, 30);
    const uuid = await checkpoint(c, 's03');
    const before = await snapshot(c, 's03');
    await c.syncAndWait('s03');
    await stop(c, 's03');

    await s.put(
      's03',
      runtimeConfig(`${bucket}/s03`, {
        sync: {
          secret_key: WRONG_SECRET,
          endpoint: UNREACHABLE_ENDPOINT,
          fail_if_no_checkpoint: true,
        },
      }),
    );
    const status = await startAndWait(c, 's03', 'running', ['Running', 'Failed']);
    expect(status.runtime_status, JSON.stringify(status)).toBe('Running');
    expect(status.restored_from).toEqual({ uuid, source: 'local' });
    expect(await snapshot(c, 's03')).toEqual(before);
  });

  // Scenario 4
  // | step | pipeline                                                          |
  // | 1    | start with checkpoint_interval_secs = 1                           |
  // | 2    | ingest; wait until a periodic checkpoint covers the last step     |
  // | 3    | manual sync (pushes the newest checkpoint)                        |
  // | 4    | stop, clear, start from latest: identical                         |
  it('scenario 4: periodic checkpoints, manual sync of the newest, restore -> identical', async () => {
    const { c } = s;
    const bucket = await s.bucket();
    await s.put('s04', runtimeConfig(`${bucket}/s04`, { checkpointIntervalSecs: 1 }));
    await startAndWait(c, 's04', 'running', 'Running');
    await ingest(c, 's04', 'a', 0, 20);
    await ingest(c, 's04', 'b', 20, 45);
    const steps = (await c.status('s04')).body.steps as number;
    expect(steps).toBeGreaterThan(0);
    const newest = await eventually('a periodic checkpoint of the last step', 15_000, async () => {
      const last = (await localCatalog(c, 's04')).at(-1);
      return last && last.steps === steps ? last.uuid : undefined;
    });
    const before = await snapshot(c, 's04');
    expect((await c.syncAndWait('s04')).uuid).toBe(newest);

    await stopAndClear(c, 's04');
    const status = await startAndWait(c, 's04', 'running', 'Running');
    expect(status.restored_from).toEqual({ uuid: newest, source: 'bucket' });
    expect(await snapshot(c, 's04')).toEqual(before);
  });

  // Scenario 5
  // | step | pipeline                                                              |
  // | 1    | start with checkpoint_interval_secs = 1, push_interval = 1            |
  // | 2    | ingest; wait for a periodic checkpoint of the last step               |
  // | 3    | sync_status.periodic reaches that checkpoint (no manual sync)         |
  // | 4    | stop, clear, start from latest: identical                             |
  it('scenario 5: periodic checkpoints plus push_interval -> sync_status.periodic reaches the newest, restore identical', async () => {
    const { c } = s;
    const bucket = await s.bucket();
    await s.put(
      's05',
      runtimeConfig(`${bucket}/s05`, { checkpointIntervalSecs: 1, sync: { push_interval: 1 } }),
    );
    await startAndWait(c, 's05', 'running', 'Running');
    await ingest(c, 's05', 'a', 0, 25);
    await ingest(c, 's05', 'b', 25, 30);
    const steps = (await c.status('s05')).body.steps as number;
    const newest = await eventually('a periodic checkpoint of the last step', 15_000, async () => {
      const last = (await localCatalog(c, 's05')).at(-1);
      return last && last.steps === steps ? last.uuid : undefined;
    });
    const before = await snapshot(c, 's05');
    await eventually(
      `sync_status.periodic = ${newest}`,
      20_000,
      async () => (await c.syncStatus('s05')).body.periodic === newest,
    );
    expect((await c.syncStatus('s05')).body.success).toBeNull();
    expect((await remoteUuids(c, 's05')).at(-1)).toBe(newest);

    await stopAndClear(c, 's05');
    const status = await startAndWait(c, 's05', 'running', 'Running');
    expect(status.restored_from).toEqual({ uuid: newest, source: 'bucket' });
    expect(await snapshot(c, 's05')).toEqual(before);
  });

  // Scenario 6
  // | step | pipeline                                                      |
  // | 1    | start with push_interval = 1, no periodic checkpoints         |
  // | 2    | ingest, manual checkpoint                                     |
  // | 3    | the periodic push covers it: sync_status.periodic = its UUID  |
  // | 4    | stop, clear, start from latest: identical                     |
  it('scenario 6: manual checkpoint, the periodic push covers it -> identical after restore', async () => {
    const { c } = s;
    const bucket = await s.bucket();
    await s.put('s06', runtimeConfig(`${bucket}/s06`, { sync: { push_interval: 1 } }));
    await startAndWait(c, 's06', 'running', 'Running');
    await ingest(c, 's06', 'a', 0, 35);
    const uuid = await checkpoint(c, 's06');
    const before = await snapshot(c, 's06');
    await eventually(
      `sync_status.periodic = ${uuid}`,
      20_000,
      async () => (await c.syncStatus('s06')).body.periodic === uuid,
    );
    expect(await remoteUuids(c, 's06')).toEqual([uuid]);

    await stopAndClear(c, 's06');
    const status = await startAndWait(c, 's06', 'running', 'Running');
    expect(status.restored_from).toEqual({ uuid, source: 'bucket' });
    expect(await snapshot(c, 's06')).toEqual(before);
  });

  // Scenario 18
  // | step | pipeline                                                          |
  // | 1    | start, ingest A, checkpoint A, sync A                             |
  // | 2    | ingest B, checkpoint B (local only, not synced)                   |
  // | 3    | stop (storage kept), start from latest                            |
  // | 4    | restored from local checkpoint B: state is A+B                    |
  it('scenario 18: local priority -> sync A, checkpoint B locally, restart keeping storage gives A+B', async () => {
    const { c } = s;
    const bucket = await s.bucket();
    await s.put('s18', runtimeConfig(`${bucket}/s18`));
    await startAndWait(c, 's18', 'running', 'Running');
    await ingest(c, 's18', 'a', 0, 20);
    const uuidA = await checkpoint(c, 's18');
    const atA = await snapshot(c, 's18');
    await c.syncAndWait('s18');
    await ingest(c, 's18', 'b', 20, 45);
    const uuidB = await checkpoint(c, 's18');
    const atB = await snapshot(c, 's18');
    expect(atB).not.toEqual(atA);
    expect(atB.users?.count).toBe(45);
    expect(await remoteUuids(c, 's18')).toEqual([uuidA]);

    await stop(c, 's18');
    const status = await startAndWait(c, 's18', 'running', 'Running');
    expect(status.restored_from).toEqual({ uuid: uuidB, source: 'local' });
    expect(await snapshot(c, 's18')).toEqual(atB);
  });

  // Scenario 23
  // | step | pipeline                                                      |
  // | 1    | start with retention_min_count = 2                            |
  // | 2    | ingest, checkpoint 1, sync 1                                  |
  // | 3    | ingest, checkpoint 2, sync 2                                  |
  // | 4    | GET .../checkpoints/remote lists both, oldest first           |
  // | 5    | restore from each listed UUID gives that checkpoint's state   |
  it('scenario 23: GET checkpoints/remote lists both of two consecutive syncs (retention_min_count 2)', async () => {
    const { c } = s;
    const bucket = await s.bucket();
    await s.put('s23', runtimeConfig(`${bucket}/s23`, { sync: { retention_min_count: 2 } }));
    await startAndWait(c, 's23', 'running', 'Running');
    await ingest(c, 's23', 'a', 0, 10);
    const uuid1 = await checkpoint(c, 's23');
    const at1 = await snapshot(c, 's23');
    await c.syncAndWait('s23');
    await ingest(c, 's23', 'b', 10, 20);
    const uuid2 = await checkpoint(c, 's23');
    const at2 = await snapshot(c, 's23');
    await c.syncAndWait('s23');
    expect(await remoteUuids(c, 's23')).toEqual([uuid1, uuid2]);

    for (const [uuid, state] of [
      [uuid1, at1],
      [uuid2, at2],
    ] as const) {
      await stopAndClear(c, 's23');
      await s.put(
        's23',
        runtimeConfig(`${bucket}/s23`, {
          sync: {
            retention_min_count: 2,
            start_from_checkpoint: uuid,
            fail_if_no_checkpoint: true,
          },
        }),
      );
      const status = await startAndWait(c, 's23', 'running', 'Running');
      expect(status.restored_from).toEqual({ uuid, source: 'bucket' });
      expect(await snapshot(c, 's23')).toEqual(state);
    }
  });
});
