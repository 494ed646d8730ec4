// Acceptance scenario 26 (and issue 8's end-to-end failover test): the failover story of docs/standby.md, the seed page's
// failover table, with two server processes on loopback sharing one bucket on Ceph RGW, and the
// primary's server killed with SIGKILL.
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { CEPH_S3, createTestBucket, makeTempDir } from '@feldera-sync/test-utils';
import type { TempDir, TestBucket } from '@feldera-sync/test-utils';
import { client, startServerProcess } from '../harness.js';
import type { ServerProcess } from '../harness.js';
import {
  checkpoint,
  ingest,
  runtimeConfig,
  snapshot,
  startAndWait,
  waitForPull,
} from './support.js';

describe('acceptance: failover across two servers', () => {
  const cleanups: (() => Promise<unknown>)[] = [];
  afterEach(async () => {
    // Kill both servers (the primary is usually dead already) and remove the bucket.
    while (cleanups.length > 0)
      await cleanups
        .pop()?.()
        .catch(() => undefined);
  });
  afterAll(async () => {
    while (cleanups.length > 0)
      await cleanups
        .pop()?.()
        .catch(() => undefined);
  });

  // Scenario 26: the failover story (docs/standby.md), step by step.
  // | step | pipeline A (primary, server 1)     | pipeline B (standby, server 2)                          |
  // | 1    | start                              | start in standby                                        |
  // | 2    | processing (ingest)                | standby                                                 |
  // | 3    | checkpoint 1                       | standby                                                 |
  // | 4    | sync 1 to the object store         | standby                                                 |
  // | 5    | processing                         | pulls checkpoint 1                                      |
  // | 6    | checkpoint 2                       | standby                                                 |
  // | 7    | sync 2 to the object store         | standby                                                 |
  // | 8    | processing (not checkpointed)      | pulls checkpoint 2                                      |
  // | 9    | fails: server 1 gets SIGKILL       | standby                                                 |
  // | 10   |                                    | activated                                               |
  // | 11   |                                    | running from checkpoint 2, exactly A's state there;     |
  // |      |                                    | accepts new input                                       |
  it("scenario 26: the seed page's failover table with a SIGKILL of the primary -> B runs from checkpoint 2 with exactly A's state", async () => {
    const bucket: TestBucket = await createTestBucket(CEPH_S3);
    cleanups.push(() => bucket.remove());
    const dirA: TempDir = await makeTempDir('feldera-sync-failover-a-');
    const dirB: TempDir = await makeTempDir('feldera-sync-failover-b-');
    cleanups.push(
      () => dirA.cleanup(),
      () => dirB.cleanup(),
    );
    const serverA: ServerProcess = await startServerProcess({ dataDir: dirA.path });
    cleanups.push(() => serverA.kill());
    const serverB: ServerProcess = await startServerProcess({ dataDir: dirB.path });
    cleanups.push(() => serverB.stop());
    const a = client(serverA.url);
    const b = client(serverB.url);
    const location = `${bucket.bucket}/failover`;
    const putA = await a.put(
      'orders',
      runtimeConfig(location, { sync: { start_from_checkpoint: undefined } }),
    );
    expect(putA.status).toBe(201);
    const systemA = String(putA.body.system_name);
    expect(
      (
        await b.put(
          'orders',
          runtimeConfig(location, { sync: { standby: true, pull_interval: 1 } }),
        )
      ).status,
    ).toBe(201);

    // Step 1
    await startAndWait(a, 'orders', 'running', 'Running');
    await startAndWait(b, 'orders', 'standby', 'Standby');
    // Step 2
    await ingest(a, 'orders', 'step2', 0, 40);
    expect((await b.status('orders')).body.runtime_status).toBe('Standby');
    // Step 3
    const uuid1 = await checkpoint(a, 'orders');
    const state1 = await snapshot(a, 'orders');
    // Step 4
    expect((await a.syncAndWait('orders')).uuid).toBe(uuid1);
    // Step 5
    await ingest(a, 'orders', 'step5', 40, 70, [
      { id: 5, name: 'step2-orders-5', n: (5 * 7919) % 1000 },
    ]);
    await waitForPull(serverB, 'orders', uuid1);
    expect((await b.status('orders')).body).toMatchObject({
      runtime_status: 'Standby',
      standby: { last_pulled_checkpoint: uuid1 },
    });
    // Step 6
    const uuid2 = await checkpoint(a, 'orders');
    const state2 = await snapshot(a, 'orders');
    expect(state2).not.toEqual(state1);
    expect((await b.status('orders')).body.runtime_status).toBe('Standby');
    // Step 7
    expect((await a.syncAndWait('orders')).uuid).toBe(uuid2);
    // Step 8
    await ingest(a, 'orders', 'step8', 70, 90);
    const aLast = await snapshot(a, 'orders');
    expect(aLast).not.toEqual(state2);
    await waitForPull(serverB, 'orders', uuid2);
    // Step 9: the primary's whole server dies.
    await serverA.kill();
    await expect(a.status('orders')).rejects.toThrow();
    expect((await b.status('orders')).body.runtime_status).toBe('Standby');
    // Step 10
    const activated = await b.activate('orders');
    expect(activated.status, JSON.stringify(activated.body)).toBe(202);
    // Step 11
    const running = (await b.waitForStatus('orders', 'Running', 30_000)).body;
    expect(running.restored_from).toEqual({ uuid: uuid2, source: 'bucket' });
    expect(await snapshot(b, 'orders')).toEqual(state2);
    // B accepts new input and checkpoints it.
    await ingest(b, 'orders', 'after', 1000, 1010);
    const after = await snapshot(b, 'orders');
    expect(after.orders?.count).toBe((state2.orders?.count ?? 0) + 10);
    expect(after.users?.count).toBe((state2.users?.count ?? 0) + 10);
    const uuid3 = await checkpoint(b, 'orders');
    expect(uuid3 > uuid2).toBe(true);
    // B took the bucket over on activation: it syncs there, and the old primary is fenced.
    expect(running.took_over_from).toBe(systemA);
    expect((await b.syncAndWait('orders')).uuid).toBe(uuid3);
    const remote = (await b.remoteCheckpoints('orders')).body as { uuid: string }[];
    expect(remote.map((e) => e.uuid)).toEqual([uuid1, uuid2, uuid3]);
    const revived = await startServerProcess({ dataDir: dirA.path });
    cleanups.push(() => revived.stop());
    const a2 = client(revived.url);
    await a2.waitForStatus('orders', 'Running', 30_000);
    await ingest(a2, 'orders', 'zombie', 2000, 2005);
    await checkpoint(a2, 'orders');
    const refused = await a2.sync('orders');
    expect(refused.status).toBe(202);
    let failure: { error?: string } | null = null;
    for (let i = 0; i < 200 && !failure; i++) {
      failure = (await a2.syncStatus('orders')).body.failure;
      if (!failure) await new Promise((r) => setTimeout(r, 100));
    }
    expect(failure?.error).toContain('S3 checkpoint bucket is already owned by orders');
    expect(
      ((await b.remoteCheckpoints('orders')).body as { uuid: string }[]).map((e) => e.uuid),
    ).toEqual([uuid1, uuid2, uuid3]);
  }, 180000);
});
