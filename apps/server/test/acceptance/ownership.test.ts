// Acceptance scenarios 9 and 10: bucket ownership (owner.json names the pipeline's system name).
import { describe, expect, it } from 'vitest';
import {
  checkpoint,
  ingest,
  inspect,
  remoteUuids,
  runtimeConfig,
  snapshot,
  startAndWait,
  stop,
  stopAndClear,
  useSuite,
} from './support.js';

describe('acceptance: bucket ownership', () => {
  const s = useSuite();

  // Scenario 9
  // | step | pipeline A (owner)                | pipeline B (same bucket location)                  |
  // | 1    | start, ingest, checkpoint, sync   |                                                    |
  // | 2    |                                   | start from latest (restores A's checkpoint)        |
  // | 3    |                                   | ingest, checkpoint, sync: fails, ownership message |
  // | 4    | ingest, checkpoint, sync: success | remote catalog holds only A's checkpoints          |
  // | 5    | stop, clear, start: identical     |                                                    |
  it('scenario 9: a second pipeline syncing to an owned bucket fails with the ownership message; the owner still syncs', async () => {
    const { c } = s;
    const bucket = await s.bucket();
    const location = `${bucket}/s09`;
    const a = (await s.put('s09-a', runtimeConfig(location))).body;
    const b = (await s.put('s09-b', runtimeConfig(location))).body;
    await startAndWait(c, 's09-a', 'running', 'Running');
    await ingest(c, 's09-a', 'a', 0, 20);
    const a1 = await checkpoint(c, 's09-a');
    const aAt1 = await snapshot(c, 's09-a');
    await c.syncAndWait('s09-a');

    const bStatus = await startAndWait(c, 's09-b', 'running', 'Running');
    expect(bStatus.restored_from).toEqual({ uuid: a1, source: 'bucket' });
    expect(await snapshot(c, 's09-b')).toEqual(aAt1);
    await ingest(c, 's09-b', 'b', 100, 110);
    const b1 = await checkpoint(c, 's09-b');
    await expect(c.syncAndWait('s09-b')).rejects.toThrow(
      `S3 checkpoint bucket is already owned by s09-a (id: ${a.system_name}). Current pipeline is s09-b (id: ${b.system_name}). Refusing to write checkpoint data`,
    );
    const failure = (await c.syncStatus('s09-b')).body.failure;
    expect(failure.uuid).toBe(b1);
    expect(await remoteUuids(c, 's09-a')).toEqual([a1]);

    await ingest(c, 's09-a', 'a', 20, 30);
    const a2 = await checkpoint(c, 's09-a');
    const aAt2 = await snapshot(c, 's09-a');
    expect((await c.syncAndWait('s09-a')).uuid).toBe(a2);
    expect(await remoteUuids(c, 's09-a')).toEqual([a1, a2]);
    await stopAndClear(c, 's09-a');
    const restored = await startAndWait(c, 's09-a', 'running', 'Running');
    expect(restored.restored_from).toEqual({ uuid: a2, source: 'bucket' });
    expect(await snapshot(c, 's09-a')).toEqual(aAt2);
  });

  // Scenario 10
  // | step | pipeline                                                            |
  // | 1    | start "s10-old", ingest, checkpoint, sync; read owner.json          |
  // | 2    | stop, rename to "s10-new" (PATCH), clear storage                    |
  // | 3    | start from latest: identical                                        |
  // | 4    | ingest, checkpoint, sync: succeeds                                  |
  // | 5    | owner.json byte-for-byte unchanged; names the system name           |
  it('scenario 10: rename the owning pipeline, restart from latest -> identical; a further sync succeeds; owner.json unchanged', async () => {
    const { c } = s;
    const bucket = await s.bucket();
    const location = `${bucket}/s10`;
    const def = (await s.put('s10-old', runtimeConfig(location))).body;
    s.track('s10-new');
    await startAndWait(c, 's10-old', 'running', 'Running');
    await ingest(c, 's10-old', 'a', 0, 25);
    const u1 = await checkpoint(c, 's10-old');
    const before = await snapshot(c, 's10-old');
    await c.syncAndWait('s10-old');
    const store = inspect(location);
    const ownerBefore = Buffer.from(
      (await store.getSmall('owner.json')) ?? new Uint8Array(),
    ).toString('utf8');
    expect(JSON.parse(ownerBefore)).toMatchObject({
      pipeline_name: def.system_name,
      given_name: 's10-old',
    });

    await stop(c, 's10-old');
    const renamed = await c.rename('s10-old', 's10-new');
    expect(renamed.status, JSON.stringify(renamed.body)).toBe(200);
    expect(renamed.body.system_name).toBe(def.system_name);
    expect((await c.status('s10-old')).status).toBe(404);
    expect((await c.clear('s10-new')).status).toBe(202);
    const status = await startAndWait(c, 's10-new', 'running', 'Running');
    expect(status.restored_from).toEqual({ uuid: u1, source: 'bucket' });
    expect(await snapshot(c, 's10-new')).toEqual(before);

    await ingest(c, 's10-new', 'b', 25, 30);
    const u2 = await checkpoint(c, 's10-new');
    expect((await c.syncAndWait('s10-new')).uuid).toBe(u2);
    expect(await remoteUuids(c, 's10-new')).toEqual([u1, u2]);
    const ownerAfter = Buffer.from(
      (await store.getSmall('owner.json')) ?? new Uint8Array(),
    ).toString('utf8');
    expect(ownerAfter).toBe(ownerBefore);
  });
});
