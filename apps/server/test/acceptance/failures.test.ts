// Acceptance scenarios 7, 8, 11, 12, 15 and 24: starts and pushes that must fail (or must not), and
// how the failure shows. Ceph RGW checks signatures, so a wrong secret is a real auth failure.
import { describe, expect, it } from 'vitest';
import {
  WRONG_SECRET,
  checkpoint,
  eventually,
  ingest,
  remoteUuids,
  runtimeConfig,
  sleep,
  snapshot,
  startAndWait,
  startExpectFailure,
  stop,
  stopAndClear,
  useSuite,
} from './support.js';
import type { Client, Snapshot } from './support.js';

/** A UUIDv7 that no pipeline ever wrote. */
const NOWHERE = '01890000-0000-7000-8000-000000000000';

/** Syncs one checkpoint of fresh data so the bucket holds a good checkpoint. */
async function seedGoodSync(c: Client, name: string): Promise<{ uuid: string; state: Snapshot }> {
  await startAndWait(c, name, 'running', 'Running');
  await ingest(c, name, 'good', 0, 15);
  const uuid = await checkpoint(c, name);
  const state = await snapshot(c, name);
  await c.syncAndWait(name);
  expect(await remoteUuids(c, name)).toEqual([uuid]);
  return { uuid, state };
}

describe('acceptance: failing starts and pushes', () => {
  const s = useSuite();

  // Scenario 7
  // | step | pipeline                                                              |
  // | 1    | start, ingest, checkpoint, sync (good credentials)                    |
  // | 2    | stop, clear; config: wrong secret_key, fail_if_no_checkpoint = true   |
  // | 3    | start from latest: Failed, error names SignatureDoesNotMatch          |
  // | 4    | stop: Stopped; good secret again; start: the good checkpoint, identical |
  it('scenario 7: after a good sync, restart with a wrong secret and fail_if_no_checkpoint=true -> start fails with SignatureDoesNotMatch', async () => {
    const { c } = s;
    const bucket = await s.bucket();
    await s.put('s07', runtimeConfig(`${bucket}/s07`));
    const good = await seedGoodSync(c, 's07');
    await stopAndClear(c, 's07');
    await s.put(
      's07',
      runtimeConfig(`${bucket}/s07`, {
        sync: { secret_key: WRONG_SECRET, fail_if_no_checkpoint: true },
      }),
    );
    const message = await startExpectFailure(c, 's07');
    expect(message).toMatch(/SignatureDoesNotMatch/);
    expect(message).not.toContain(WRONG_SECRET);
    expect((await c.status('s07')).body.error).toMatchObject({ error_code: 'ERR_STORE_AUTH' });
    const table = await c.table('s07', 'orders');
    expect(table.status).toBeGreaterThanOrEqual(400);

    // A failed start stops like any other, and the good checkpoint is still there.
    await stopAndClear(c, 's07');
    expect((await c.status('s07')).body).toMatchObject({ runtime_status: 'Stopped', error: null });
    await s.put('s07', runtimeConfig(`${bucket}/s07`, { sync: { fail_if_no_checkpoint: true } }));
    const status = await startAndWait(c, 's07', 'running', 'Running');
    expect(status.restored_from).toEqual({ uuid: good.uuid, source: 'bucket' });
    expect(await snapshot(c, 's07')).toEqual(good.state);
  });

  // Scenario 8
  // | step | pipeline                                                              |
  // | 1    | start, ingest, checkpoint, sync (good credentials)                    |
  // | 2    | stop, clear; config: wrong secret_key, fail_if_no_checkpoint = false  |
  // | 3    | start from latest: still Failed (auth errors never mean "not found")  |
  it('scenario 8: the same with fail_if_no_checkpoint=false -> start still fails', async () => {
    const { c } = s;
    const bucket = await s.bucket();
    await s.put('s08', runtimeConfig(`${bucket}/s08`));
    await seedGoodSync(c, 's08');
    await stopAndClear(c, 's08');
    await s.put(
      's08',
      runtimeConfig(`${bucket}/s08`, {
        sync: { secret_key: WRONG_SECRET, fail_if_no_checkpoint: false },
      }),
    );
    const message = await startExpectFailure(c, 's08');
    expect(message).toMatch(/SignatureDoesNotMatch/);
    const table = await c.table('s08', 'orders');
    expect(table.status).toBeGreaterThanOrEqual(400);
  });

  // Scenario 11
  // | step | pipeline                                                                  |
  // | 1    | bucket holds a good checkpoint                                            |
  // | 2    | stop, clear; start_from_checkpoint = a UUID that exists nowhere, fail=true |
  // | 3    | start: Failed, message says the checkpoint was not found                   |
  it('scenario 11: start from a UUID that exists nowhere with fail_if_no_checkpoint=true -> fails, "not found"', async () => {
    const { c } = s;
    const bucket = await s.bucket();
    await s.put('s11', runtimeConfig(`${bucket}/s11`));
    await seedGoodSync(c, 's11');
    await stopAndClear(c, 's11');
    await s.put(
      's11',
      runtimeConfig(`${bucket}/s11`, {
        sync: { start_from_checkpoint: NOWHERE, fail_if_no_checkpoint: true },
      }),
    );
    const message = await startExpectFailure(c, 's11');
    expect(message).toMatch(/not found/i);
    expect(message).toContain(NOWHERE);
  });

  // Scenario 12
  // | step | pipeline                                                                   |
  // | 1    | bucket holds a good checkpoint                                             |
  // | 2    | stop, clear; start_from_checkpoint = a UUID that exists nowhere, fail=false |
  // | 3    | start: Running from empty state; ingest works from zero                    |
  // | 4    | checkpoint; stop keeping storage; start again (same missing UUID)          |
  // | 5    | empty again: the local checkpoint is not the one asked for                 |
  // | 6    | stop; start_from_checkpoint = latest: the local checkpoint of step 4       |
  it('scenario 12: the same with fail_if_no_checkpoint=false -> starts empty', async () => {
    const { c } = s;
    const bucket = await s.bucket();
    await s.put('s12', runtimeConfig(`${bucket}/s12`));
    await seedGoodSync(c, 's12');
    await stopAndClear(c, 's12');
    await s.put(
      's12',
      runtimeConfig(`${bucket}/s12`, {
        sync: { start_from_checkpoint: NOWHERE, fail_if_no_checkpoint: false },
      }),
    );
    const status = await startAndWait(c, 's12', 'running', ['Running', 'Failed']);
    expect(status.runtime_status, JSON.stringify(status)).toBe('Running');
    expect(status.restored_from?.uuid ?? null).toBeNull();
    expect(status.processed_records ?? 0).toBe(0);
    // Empty: the tables of the good checkpoint are not there.
    const empty = await snapshot(c, 's12');
    expect(empty.orders?.count).toBe(0);
    expect(empty.users?.count).toBe(0);
    await ingest(c, 's12', 'fresh', 0, 3);
    const snap = await snapshot(c, 's12');
    expect(snap.orders?.count).toBe(3);
    expect(snap.users?.count).toBe(3);

    // Storage kept: a local checkpoint that is not the one asked for must not be resumed either.
    const local = await checkpoint(c, 's12');
    await stop(c, 's12');
    const again = await startAndWait(c, 's12', 'running', ['Running', 'Failed']);
    expect(again.runtime_status, JSON.stringify(again)).toBe('Running');
    expect(again.restored_from?.uuid ?? null).toBeNull();
    expect((await snapshot(c, 's12')).orders?.count).toBe(0);
    // The local checkpoint is still there for a start from latest.
    await stop(c, 's12');
    await s.put('s12', runtimeConfig(`${bucket}/s12`));
    const latest = await startAndWait(c, 's12', 'running', 'Running');
    expect(latest.restored_from).toEqual({ uuid: local, source: 'local' });
    expect(await snapshot(c, 's12')).toEqual(snap);
  });

  // Scenario 15
  // | step | pipeline                                                                  |
  // | 1    | start with push_interval = 1 and a wrong secret_key (no start checkpoint)  |
  // | 2    | ingest, checkpoint; wait several push intervals                            |
  // | 3    | sync_status.periodic stays null; periodic_failure names SignatureDoesNotMatch |
  // | 4    | pipeline keeps running and accepts input; metrics count the failures        |
  it('scenario 15: push_interval with a wrong secret -> periodic stays null, pipeline keeps running, failure visible', async () => {
    const { c } = s;
    const bucket = await s.bucket();
    await s.put(
      's15',
      runtimeConfig(`${bucket}/s15`, {
        sync: { secret_key: WRONG_SECRET, push_interval: 1, start_from_checkpoint: undefined },
      }),
    );
    await startAndWait(c, 's15', 'running', 'Running');
    await ingest(c, 's15', 'a', 0, 10);
    const uuid = await checkpoint(c, 's15');
    const failure = await eventually('a periodic push failure in sync_status', 20_000, async () => {
      const body = (await c.syncStatus('s15')).body as {
        periodic_failure: { uuid: string; error: string } | null;
      };
      return body.periodic_failure;
    });
    expect(failure.uuid).toBe(uuid);
    expect(String(failure.error)).toMatch(/SignatureDoesNotMatch/);
    await sleep(2500);
    const st = (await c.syncStatus('s15')).body;
    expect(st.periodic).toBeNull();
    expect(st.success).toBeNull();
    const status = (await c.status('s15')).body;
    expect(status.runtime_status).toBe('Running');
    await ingest(c, 's15', 'b', 10, 12);
    expect((await snapshot(c, 's15')).orders?.count).toBe(12);
    const metrics = await c.call<string>('GET', '/metrics');
    expect(metrics.body).toMatch(/feldera_sync_push_total\{[^}]*result="failure"[^}]*\} [1-9]/);
    // The bucket saw nothing (Ceph refused every request).
    expect(
      s.server.logs.some(
        (l) => l.msg === 'periodic checkpoint sync failed' && l.pipeline === 's15',
      ),
    ).toBe(true);
  });

  // Scenario 24
  // | step | pipeline                                                                   |
  // | 1    | bucket and read_bucket both empty                                          |
  // | 2    | start from latest with fail_if_no_checkpoint = true                        |
  // | 3    | Failed, message says not found                                             |
  it('scenario 24: latest with both buckets empty and fail_if_no_checkpoint=true -> start fails, "not found"', async () => {
    const { c } = s;
    const bucket = await s.bucket();
    const readBucket = await s.bucket();
    await s.put(
      's24',
      runtimeConfig(`${bucket}/s24`, {
        sync: { read_bucket: `${readBucket}/seed`, fail_if_no_checkpoint: true },
      }),
    );
    const message = await startExpectFailure(c, 's24');
    expect(message).toMatch(/not found/i);
  });
});
