// Concurrent requests on one pipeline, through a real server process and Ceph RGW: syncs fired
// while the engine writes its first checkpoint never see its commit window (no 500), and 50 sync
// requests interleaved with 50 checkpoints all succeed although each names a checkpoint that the
// engine's GC (newest two kept) would have deleted before its turn.
import { describe, expect, it } from 'vitest';
import { eventually, ingest, runtimeConfig, startAndWait, useSuite } from './support.js';

describe('acceptance: concurrent checkpoint and sync requests', () => {
  const s = useSuite();

  it('50 syncs during the first checkpoint: only 202 or 400 NoCheckpointToSync, never a 500', async () => {
    const { c } = s;
    const bucket = await s.bucket();
    await s.put('cc1', runtimeConfig(`${bucket}/cc1`));
    await startAndWait(c, 'cc1', 'running', 'Running');
    await ingest(c, 'cc1', 'a', 0, 2000);
    // Syncs keep coming, five at a time, for as long as the first checkpoint is being written.
    let writing = true;
    const first = c.checkpoint('cc1').finally(() => (writing = false));
    const syncs: Awaited<ReturnType<typeof c.sync>>[] = [];
    while (syncs.length < 50 || (writing && syncs.length < 400))
      syncs.push(...(await Promise.all(Array.from({ length: 5 }, () => c.sync('cc1')))));
    expect((await first).status).toBe(200);
    const statuses = syncs.map((r) => `${r.status} ${String(r.body?.error_code ?? '')}`.trim());
    for (const st of statuses) expect(['202', '400 NoCheckpointToSync']).toContain(st);
    const accepted = syncs.filter((r) => r.status === 202);
    console.info(
      `[concurrency] ${accepted.length} of ${syncs.length} syncs around the first checkpoint got 202`,
    );
    await eventually('the accepted syncs to finish without a failure', 60_000, async () => {
      const st = await c.syncStatus('cc1');
      expect(st.body.failure).toBeNull();
      expect(st.body.success).toBe(accepted[0]?.body.checkpoint_uuid ?? null);
      return true;
    });
  }, 120_000);

  it('50 syncs interleaved with 50 checkpoints: every queued sync succeeds, none finds its checkpoint gone', async () => {
    const { c } = s;
    const bucket = await s.bucket();
    await s.put('cc2', runtimeConfig(`${bucket}/cc2`, { sync: { retention_min_count: 100 } }));
    await startAndWait(c, 'cc2', 'running', 'Running');
    await ingest(c, 'cc2', 'a', 0, 500);
    expect((await c.checkpoint('cc2')).status).toBe(200);
    const answers = await Promise.all(
      Array.from({ length: 50 }, async (_, i) => {
        await ingest(c, 'cc2', `s${i}`, 1000 + i * 10, 1010 + i * 10);
        const [cp, sync] = await Promise.all([c.checkpoint('cc2'), c.sync('cc2')]);
        return { cp, sync };
      }),
    );
    for (const { cp, sync } of answers) {
      expect(cp.status, JSON.stringify(cp.body)).toBe(200);
      expect(sync.status, JSON.stringify(sync.body)).toBe(202);
    }
    const asked = new Set(answers.map((a) => String(a.sync.body.checkpoint_uuid)));
    // Every checkpoint a sync named reaches the bucket; no sync failed.
    await eventually('every named checkpoint in the bucket', 120_000, async () => {
      const st = await c.syncStatus('cc2');
      expect(st.body.failure).toBeNull();
      const remote = (await c.remoteCheckpoints('cc2')).body as { uuid: string }[];
      const there = new Set(remote.map((e) => e.uuid));
      for (const uuid of asked) expect(there.has(uuid), uuid).toBe(true);
      return true;
    });
  }, 240_000);
});
