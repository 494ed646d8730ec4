// Acceptance scenarios 19-22: `read_bucket` seeding and the resolution order local -> bucket ->
// read_bucket. The seed location is written only by its own pipeline; the listing check proves the
// new pipelines never write it.
import { describe, expect, it } from 'vitest';
import type { Snapshot } from './support.js';
import {
  UNREACHABLE_ENDPOINT,
  checkpoint,
  ingest,
  listing,
  remoteUuids,
  runtimeConfig,
  snapshot,
  startAndWait,
  stop,
  stopAndClear,
  useSuite,
  waitForPull,
} from './support.js';
import type { Client, Suite } from './support.js';

/** Source pipeline `name` syncs rounds to `location`: each round ingests, checkpoints and syncs. */
async function sourceRound(
  c: Client,
  name: string,
  tag: string,
  from: number,
  to: number,
): Promise<{ uuid: string; state: Snapshot }> {
  await ingest(c, name, tag, from, to);
  const uuid = await checkpoint(c, name);
  const state = await snapshot(c, name);
  expect((await c.syncAndWait(name)).uuid).toBe(uuid);
  return { uuid, state };
}

/** A source pipeline on its own location with two synced checkpoints; stopped afterwards. */
async function seedSource(
  s: Suite,
  name: string,
  location: string,
): Promise<{ s1: { uuid: string; state: Snapshot }; s2: { uuid: string; state: Snapshot } }> {
  await s.put(name, runtimeConfig(location, { sync: { start_from_checkpoint: undefined } }));
  await startAndWait(s.c, name, 'running', 'Running');
  const s1 = await sourceRound(s.c, name, 'src1', 0, 20);
  const s2 = await sourceRound(s.c, name, 'src2', 20, 35);
  await stop(s.c, name);
  return { s1, s2 };
}

describe('acceptance: read_bucket', () => {
  const s = useSuite();

  // Scenario 19
  // | step | source S (bucket X)            | new pipelines N1..N4 (own bucket Y/nK, read_bucket X)            |
  // | 1    | round 1, round 2 (synced), stop| list X                                                           |
  // | 2    |                                | N1 latest: Running, state = round 2; checkpoint + sync goes to Y |
  // | 3    |                                | N2 uuid round 1: Running, state = round 1                        |
  // | 4    |                                | N3 standby latest: pulls round 2; activate: state = round 2      |
  // | 5    |                                | N4 standby uuid round 1: pulls it; activate: state = round 1     |
  // | 6    | X listing unchanged            |                                                                  |
  it("scenario 19: read_bucket seeding (latest, UUID, standby, standby with UUID) -> the source's state; the source bucket is unmodified", async () => {
    const { c, server } = s;
    const x = `${await s.bucket()}/src`;
    const y = await s.bucket();
    const { s1, s2 } = await seedSource(s, 's19-src', x);
    const before = await listing(x);
    expect(before.length).toBeGreaterThan(0);

    const seeded = (n: string, sync: Record<string, unknown>): Record<string, unknown> =>
      runtimeConfig(`${y}/${n}`, {
        sync: { read_bucket: x, fail_if_no_checkpoint: true, ...sync },
      });

    await s.put('s19-n1', seeded('n1', {}));
    const n1 = await startAndWait(c, 's19-n1', 'running', 'Running');
    expect(n1.restored_from).toEqual({ uuid: s2.uuid, source: 'read_bucket' });
    expect(await snapshot(c, 's19-n1')).toEqual(s2.state);
    await ingest(c, 's19-n1', 'n1', 100, 105);
    const n1c = await checkpoint(c, 's19-n1');
    await c.syncAndWait('s19-n1');
    expect(await remoteUuids(c, 's19-n1')).toEqual([n1c]);

    await s.put('s19-n2', seeded('n2', { start_from_checkpoint: s1.uuid }));
    const n2 = await startAndWait(c, 's19-n2', 'running', 'Running');
    expect(n2.restored_from).toEqual({ uuid: s1.uuid, source: 'read_bucket' });
    expect(await snapshot(c, 's19-n2')).toEqual(s1.state);

    for (const [name, spec, want] of [
      ['s19-n3', 'latest', s2],
      ['s19-n4', s1.uuid, s1],
    ] as const) {
      await s.put(name, seeded(name.slice(4), { standby: true, start_from_checkpoint: spec }));
      await startAndWait(c, name, 'standby', 'Standby');
      await waitForPull(server, name, want.uuid);
      expect((await c.activate(name)).status).toBe(202);
      const running = (await c.waitForStatus(name, 'Running', 30_000)).body;
      expect(running.restored_from).toEqual({ uuid: want.uuid, source: 'read_bucket' });
      expect(await snapshot(c, name)).toEqual(want.state);
    }

    expect(await listing(x)).toEqual(before);
  }, 120000);

  // Scenario 20
  // | step | source S (bucket X)        | pipeline N (bucket Y, read_bucket X)                                 |
  // | 1    | round s1 synced            |                                                                      |
  // | 2    |                            | start latest: seeded with s1 from X; sync s1 to Y                    |
  // | 3    |                            | ingest, checkpoint n1, sync n1 to Y                                  |
  // | 4    | round s2 synced (newest)   |                                                                      |
  // | 5    |                            | stop, clear, start latest: n1 from bucket Y (not the newer s2)        |
  // | 6    |                            | stop, clear, start uuid s1 (in both): from bucket Y, state = s1       |
  it('scenario 20: own bucket preferred over read_bucket when both hold checkpoints (latest and UUID)', async () => {
    const { c } = s;
    const x = `${await s.bucket()}/src`;
    const y = `${await s.bucket()}/own`;
    await s.put('s20-src', runtimeConfig(x, { sync: { start_from_checkpoint: undefined } }));
    await startAndWait(c, 's20-src', 'running', 'Running');
    const s1 = await sourceRound(c, 's20-src', 'src1', 0, 20);

    await s.put('s20-n', runtimeConfig(y, { sync: { read_bucket: x } }));
    const seeded = await startAndWait(c, 's20-n', 'running', 'Running');
    expect(seeded.restored_from).toEqual({ uuid: s1.uuid, source: 'read_bucket' });
    expect((await c.syncAndWait('s20-n')).uuid).toBe(s1.uuid);
    await ingest(c, 's20-n', 'n', 200, 230);
    const n1 = await checkpoint(c, 's20-n');
    const atN1 = await snapshot(c, 's20-n');
    await c.syncAndWait('s20-n');
    expect(await remoteUuids(c, 's20-n')).toEqual([s1.uuid, n1]);

    const s2 = await sourceRound(c, 's20-src', 'src2', 20, 40);
    expect(s2.uuid > n1).toBe(true);
    await stop(c, 's20-src');

    await stopAndClear(c, 's20-n');
    const latest = await startAndWait(c, 's20-n', 'running', 'Running');
    expect(latest.restored_from).toEqual({ uuid: n1, source: 'bucket' });
    expect(await snapshot(c, 's20-n')).toEqual(atN1);

    await stopAndClear(c, 's20-n');
    await s.put(
      's20-n',
      runtimeConfig(y, {
        sync: { read_bucket: x, start_from_checkpoint: s1.uuid, fail_if_no_checkpoint: true },
      }),
    );
    const byUuid = await startAndWait(c, 's20-n', 'running', 'Running');
    expect(byUuid.restored_from).toEqual({ uuid: s1.uuid, source: 'bucket' });
    expect(await snapshot(c, 's20-n')).toEqual(s1.state);
  }, 120000);

  // Scenario 21
  // | step | source S (bucket X) | primary P (bucket Y)        | standby B (bucket Y, read_bucket X, latest)   |
  // | 1    | round s1 synced     |                             | start in standby: pulls s1 from X             |
  // | 2    |                     | start, ingest, checkpoint, sync p1 to Y |                                   |
  // | 3    |                     |                             | next pull: p1 from Y                          |
  // | 4    |                     | stop                        | activate: P's state, restored_from bucket     |
  it("scenario 21: a standby that first pulled from read_bucket switches to its own bucket once the primary pushes there; activate -> the primary's newest state", async () => {
    const { c, server } = s;
    const x = `${await s.bucket()}/src`;
    const y = `${await s.bucket()}/own`;
    await s.put('s21-src', runtimeConfig(x, { sync: { start_from_checkpoint: undefined } }));
    await startAndWait(c, 's21-src', 'running', 'Running');
    const s1 = await sourceRound(c, 's21-src', 'src1', 0, 20);
    await stop(c, 's21-src');

    await s.put('s21-b', runtimeConfig(y, { sync: { read_bucket: x, standby: true } }));
    await startAndWait(c, 's21-b', 'standby', 'Standby');
    await waitForPull(server, 's21-b', s1.uuid);

    await s.put('s21-p', runtimeConfig(y, { sync: { start_from_checkpoint: undefined } }));
    await startAndWait(c, 's21-p', 'running', 'Running');
    await ingest(c, 's21-p', 'p', 300, 340);
    const p1 = await checkpoint(c, 's21-p');
    const atP1 = await snapshot(c, 's21-p');
    await c.syncAndWait('s21-p');
    await waitForPull(server, 's21-b', p1);
    await ingest(c, 's21-p', 'p', 340, 350);
    const p2 = await checkpoint(c, 's21-p');
    const atP2 = await snapshot(c, 's21-p');
    expect(atP2).not.toEqual(atP1);
    await c.syncAndWait('s21-p');
    await waitForPull(server, 's21-b', p2);
    await stop(c, 's21-p');

    expect((await c.activate('s21-b')).status).toBe(202);
    const running = (await c.waitForStatus('s21-b', 'Running', 30_000)).body;
    expect(running.restored_from).toEqual({ uuid: p2, source: 'bucket' });
    const state = await snapshot(c, 's21-b');
    expect(state).toEqual(atP2);
    expect(state).not.toEqual(s1.state);
  }, 120000);

  // Scenario 22
  // | step | source S (bucket X)   | pipeline N (bucket Y, read_bucket X)                                     |
  // | 1    | round s1 synced       | start latest: seeded with s1 from X                                      |
  // | 2    |                       | ingest, checkpoint n1 (local only)                                       |
  // | 3    | round s2 synced       |                                                                          |
  // | 4    |                       | stop (storage kept); endpoint unreachable; start latest: n1 from local   |
  // | 5    |                       | stop; start uuid s1 (local and in X): s1 from local                      |
  it('scenario 22: local checkpoint preferred over read_bucket (latest and UUID)', async () => {
    const { c } = s;
    const x = `${await s.bucket()}/src`;
    const y = `${await s.bucket()}/own`;
    await s.put('s22-src', runtimeConfig(x, { sync: { start_from_checkpoint: undefined } }));
    await startAndWait(c, 's22-src', 'running', 'Running');
    const s1 = await sourceRound(c, 's22-src', 'src1', 0, 20);

    await s.put('s22-n', runtimeConfig(y, { sync: { read_bucket: x } }));
    const seeded = await startAndWait(c, 's22-n', 'running', 'Running');
    expect(seeded.restored_from).toEqual({ uuid: s1.uuid, source: 'read_bucket' });
    await ingest(c, 's22-n', 'n', 500, 520);
    const n1 = await checkpoint(c, 's22-n');
    const atN1 = await snapshot(c, 's22-n');
    const s2 = await sourceRound(c, 's22-src', 'src2', 20, 30);
    expect(s2.uuid > n1).toBe(true);
    await stop(c, 's22-src');

    await stop(c, 's22-n');
    await s.put(
      's22-n',
      runtimeConfig(y, {
        sync: { read_bucket: x, endpoint: UNREACHABLE_ENDPOINT, fail_if_no_checkpoint: true },
      }),
    );
    const latest = await startAndWait(c, 's22-n', 'running', ['Running', 'Failed']);
    expect(latest.runtime_status, JSON.stringify(latest)).toBe('Running');
    expect(latest.restored_from).toEqual({ uuid: n1, source: 'local' });
    expect(await snapshot(c, 's22-n')).toEqual(atN1);

    await stop(c, 's22-n');
    await s.put(
      's22-n',
      runtimeConfig(y, {
        sync: {
          read_bucket: x,
          endpoint: UNREACHABLE_ENDPOINT,
          fail_if_no_checkpoint: true,
          start_from_checkpoint: s1.uuid,
        },
      }),
    );
    const byUuid = await startAndWait(c, 's22-n', 'running', ['Running', 'Failed']);
    expect(byUuid.runtime_status, JSON.stringify(byUuid)).toBe('Running');
    expect(byUuid.restored_from).toEqual({ uuid: s1.uuid, source: 'local' });
    expect(await snapshot(c, 's22-n')).toEqual(s1.state);
  });
});
