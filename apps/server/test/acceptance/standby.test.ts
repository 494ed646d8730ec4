// Acceptance scenarios 13, 14, 16 and 17: standby pipelines that pull a primary's checkpoints from
// the shared bucket, then activate. Both pipelines run in one server; scenario 26 (failover.test.ts)
// does the same across two server processes with a SIGKILL.
import { describe, expect, it } from 'vitest';
import type { Snapshot } from './support.js';
import {
  checkpoint,
  ingest,
  runtimeConfig,
  snapshot,
  startAndWait,
  stop,
  useSuite,
  waitForPull,
} from './support.js';
import type { Client } from './support.js';

/** One primary round: ingest, checkpoint, read state, sync. */
async function round(
  c: Client,
  name: string,
  tag: string,
  from: number,
  to: number,
): Promise<{ uuid: string; state: Snapshot }> {
  await ingest(
    c,
    name,
    tag,
    from,
    to,
    from > 0 ? [{ id: from - 1, name: `${tag}-prev`, n: 0 }] : [],
  );
  const uuid = await checkpoint(c, name);
  const state = await snapshot(c, name);
  expect((await c.syncAndWait(name)).uuid).toBe(uuid);
  return { uuid, state };
}

describe('acceptance: standby', () => {
  const s = useSuite();

  // Scenario 13
  // | step | primary P                            | standby B (start_from_checkpoint latest)         |
  // | 1    | start, ingest, checkpoint, sync      |                                                  |
  // | 2    |                                      | start in standby                                 |
  // | 3    |                                      | logs "checkpoint pulled successfully"; Standby   |
  // | 4    |                                      | activate: Running, tables identical to P's       |
  it('scenario 13: standby from latest -> pulled, status standby; activate -> running, identical', async () => {
    const { c, server } = s;
    const bucket = await s.bucket();
    const location = `${bucket}/s13`;
    await s.put('s13-p', runtimeConfig(location));
    await s.put('s13-b', runtimeConfig(location, { sync: { standby: true } }));
    await startAndWait(c, 's13-p', 'running', 'Running');
    const r1 = await round(c, 's13-p', 'a', 0, 30);

    await startAndWait(c, 's13-b', 'standby', 'Standby');
    const pulled = await waitForPull(server, 's13-b', r1.uuid);
    expect(pulled.checkpoint).toBe(r1.uuid);
    const standby = (await c.status('s13-b')).body;
    expect(standby.runtime_status).toBe('Standby');
    expect(standby.standby?.last_pulled_checkpoint).toBe(r1.uuid);
    expect((await c.table('s13-b', 'orders')).status).toBeGreaterThanOrEqual(400);

    expect((await c.activate('s13-b')).status).toBe(202);
    await c.waitForStatus('s13-b', 'Running', 30_000);
    expect(await snapshot(c, 's13-b')).toEqual(r1.state);
  });

  // Scenario 14
  // | step | primary P                            | standby B (start_from_checkpoint = uuid 1)       |
  // | 1    | start, round 1 (checkpoint + sync)   |                                                  |
  // | 2    |                                      | start in standby, pulls uuid 1; Standby          |
  // | 3    |                                      | activate: Running, tables identical to round 1   |
  it('scenario 14: standby from an explicit UUID -> pulled, status standby; activate -> running, identical', async () => {
    const { c, server } = s;
    const bucket = await s.bucket();
    const location = `${bucket}/s14`;
    await s.put('s14-p', runtimeConfig(location));
    await startAndWait(c, 's14-p', 'running', 'Running');
    const r1 = await round(c, 's14-p', 'a', 0, 20);
    await s.put(
      's14-b',
      runtimeConfig(location, {
        sync: { standby: true, start_from_checkpoint: r1.uuid, fail_if_no_checkpoint: true },
      }),
    );

    await startAndWait(c, 's14-b', 'standby', 'Standby');
    await waitForPull(server, 's14-b', r1.uuid);
    expect((await c.status('s14-b')).body.runtime_status).toBe('Standby');
    expect((await c.activate('s14-b')).status).toBe(202);
    await c.waitForStatus('s14-b', 'Running', 30_000);
    expect(await snapshot(c, 's14-b')).toEqual(r1.state);
  });

  // Scenario 16
  // | step | primary P                               | standby B (standby: true, latest, pull 2 s)        |
  // | 1    | start, round 1                          | start in standby, pulls round 1                    |
  // | 2-4  | rounds 2..4 (checkpoint + sync each)    | pulls each round's checkpoint                      |
  // | 5    | round 5, stop (B not waited for)        |                                                    |
  // | 7    |                                         | activate (final catch-up pull): tables equal P's   |
  // |      |                                         | last synced state (round 5)                        |
  // | 8    |                                         | stop (storage kept), start: auto-activates from    |
  // |      |                                         | local (activated.feldera), identical               |
  it("scenario 16: standby fallback -> after 4 more primary rounds and a primary stop, activation gives the primary's last synced state; a later restart resumes locally", async () => {
    const { c, server } = s;
    const bucket = await s.bucket();
    const location = `${bucket}/s16`;
    await s.put('s16-p', runtimeConfig(location));
    await s.put('s16-b', runtimeConfig(location, { sync: { standby: true, pull_interval: 2 } }));
    await startAndWait(c, 's16-p', 'running', 'Running');
    let last = await round(c, 's16-p', 'r1', 0, 10);
    await startAndWait(c, 's16-b', 'running', 'Standby');
    await waitForPull(server, 's16-b', last.uuid);
    for (let i = 2; i <= 4; i++) {
      last = await round(c, 's16-p', `r${i}`, (i - 1) * 10, i * 10);
      await waitForPull(server, 's16-b', last.uuid);
    }
    // Round 5 is synced but B is activated at once, without waiting for its pull: activation's
    // final catch-up pull must bring it (docs/standby.md, "Activation").
    last = await round(c, 's16-p', 'r5', 40, 50);
    await stop(c, 's16-p');

    expect((await c.activate('s16-b')).status).toBe(202);
    const running = (await c.waitForStatus('s16-b', 'Running', 30_000)).body;
    expect(running.restored_from).toEqual({ uuid: last.uuid, source: 'bucket' });
    expect(await snapshot(c, 's16-b')).toEqual(last.state);

    // A normal restart of the activated standby (config still says standby: true, storage kept).
    await stop(c, 's16-b');
    const before = server.logs.length;
    const restarted = await startAndWait(c, 's16-b', 'running', ['Running', 'Failed', 'Standby']);
    expect(restarted.runtime_status, JSON.stringify(restarted)).toBe('Running');
    expect(restarted.restored_from).toEqual({ uuid: last.uuid, source: 'local' });
    expect(
      server.logs
        .slice(before)
        .some((l) => typeof l.msg === 'string' && l.msg.includes('activated.feldera present')),
    ).toBe(true);
    expect(await snapshot(c, 's16-b')).toEqual(last.state);
  }, 120000);

  // Scenario 17
  // | step | primary P                               | standby B (start_from_checkpoint = uuid 1)        |
  // | 1    | start, round 1                          | start in standby, pulls uuid 1                    |
  // | 2-4  | rounds 2..4                             | keeps pulling uuid 1 only                         |
  // | 5    | stop                                    | activate: tables equal round 1's state            |
  it('scenario 17: standby pinned to the first UUID -> after activation, state equals that first checkpoint', async () => {
    const { c, server } = s;
    const bucket = await s.bucket();
    const location = `${bucket}/s17`;
    await s.put('s17-p', runtimeConfig(location));
    await startAndWait(c, 's17-p', 'running', 'Running');
    const first = await round(c, 's17-p', 'r1', 0, 15);
    await s.put(
      's17-b',
      runtimeConfig(location, {
        sync: { start_from_checkpoint: first.uuid, fail_if_no_checkpoint: true },
      }),
    );
    await startAndWait(c, 's17-b', 'standby', 'Standby');
    await waitForPull(server, 's17-b', first.uuid);
    let last = first;
    for (let i = 2; i <= 4; i++) last = await round(c, 's17-p', `r${i}`, (i - 1) * 15, i * 15);
    const from = server.logs.length;
    await waitForPull(server, 's17-b', null, 10_000, from);
    await stop(c, 's17-p');
    expect(last.state).not.toEqual(first.state);
    expect(
      server.logs
        .filter((l) => l.msg === 'checkpoint pulled successfully' && l.pipeline === 's17-b')
        .every((l) => l.checkpoint === first.uuid),
    ).toBe(true);

    expect((await c.activate('s17-b')).status).toBe(202);
    await c.waitForStatus('s17-b', 'Running', 30_000);
    expect(await snapshot(c, 's17-b')).toEqual(first.state);
    const local = (await c.checkpoints('s17-b')).body as { uuid: string }[];
    expect(local.map((e) => e.uuid)).toEqual([first.uuid]);
  }, 120000);
});
