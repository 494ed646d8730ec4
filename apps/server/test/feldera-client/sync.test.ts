// Feldera's Python client against server processes (dist/main.js) and Ceph RGW on 127.0.0.1:
// checkpoint sync, restore, the failures Feldera's checkpoint-sync tests assert, standby and the
// failover story. Every call is a replay of the client (replay.ts); table contents are read
// through GET .../tables/{table}, the one request the client does not make (it reads data with SQL).
import { randomUUID } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { CEPH_S3, createTestBucket, makeTempDir } from '@feldera-sync/test-utils';
import type { TempDir, TestBucket } from '@feldera-sync/test-utils';
import { startServerProcess } from '../harness.js';
import type { ServerProcess } from '../harness.js';
import { FelderaAPIError, FelderaClientReplay, RuntimeError } from './replay.js';
import { SQL, clientRuntimeConfig, clientStorageConfig } from './support.js';

const WRONG_SECRET = 'wrongsecretkey00000000000000000000000000';

/** `storage_cfg(...)` on the test bucket, in `RuntimeConfig(...).to_dict()`. */
function config(
  location: string,
  sync: Partial<Parameters<typeof clientStorageConfig>[0]> = {},
): Record<string, unknown> {
  return clientRuntimeConfig({
    checkpointIntervalSecs: 60,
    storage: clientStorageConfig({
      bucket: location,
      endpoint: CEPH_S3.endpoint,
      access_key: CEPH_S3.accessKey,
      secret_key: CEPH_S3.secretKey,
      ...sync,
    }),
  });
}

/** Rows and hash of a table (the suite's one non-client read). */
async function table(
  url: string,
  name: string,
  t = 't0',
): Promise<{ hash: string; count: number }> {
  const res = await fetch(`${url}/v0/pipelines/${name}/tables/${t}`);
  const body = (await res.json()) as { rows: unknown[]; hash: string };
  expect(res.status, JSON.stringify(body)).toBe(200);
  return { hash: body.hash, count: body.rows.length };
}

const rows = (from: number, to: number, tag: string): { c0: number; c1: string }[] =>
  Array.from({ length: to - from }, (_, i) => ({ c0: from + i, c1: `${tag}-${from + i}` }));

/** Reads the standby's log (the client's `logs()`) until a pull of `uuid`; bounded. */
async function waitForPullOf(
  client: FelderaClientReplay,
  name: string,
  uuid: string,
  timeoutS = 60,
): Promise<string> {
  const stream = await client.logs(name);
  const timer = setTimeout(() => stream.close(), timeoutS * 1000);
  try {
    for await (const line of stream.lines) {
      if (line.includes('checkpoint pulled successfully') && line.includes(uuid)) return line;
    }
  } catch {
    // closed by the timer
  } finally {
    clearTimeout(timer);
    stream.close();
  }
  throw new Error(`${name} did not log a pull of ${uuid} within ${timeoutS} s`);
}

describe('Feldera Python client: checkpoint sync on Ceph RGW', () => {
  let dir: TempDir;
  let server: ServerProcess;
  let client: FelderaClientReplay;
  let buckets: TestBucket[] = [];
  let pipelines: string[] = [];
  beforeAll(async () => {
    dir = await makeTempDir('feldera-sync-client-sync-');
    server = await startServerProcess({ dataDir: dir.path });
    client = await FelderaClientReplay.connect(server.url);
  });
  afterEach(async () => {
    await Promise.allSettled(pipelines.map((p) => client.stopPipeline(p, true, 30)));
    pipelines = [];
    await Promise.allSettled(buckets.map((b) => b.remove()));
    buckets = [];
  });
  afterAll(async () => {
    client?.close();
    await server?.stop();
    await dir?.cleanup();
  });
  const bucket = async (prefix: string): Promise<string> => {
    const b = await createTestBucket(CEPH_S3);
    buckets.push(b);
    return `${b.bucket}/${prefix}`;
  };
  const create = async (name: string): Promise<void> => {
    pipelines.push(name);
    await client.builderCreateOrReplace({ name, sql: SQL, runtime_config: clientRuntimeConfig() });
  };

  // test_checkpoint_sync: configure, insert, checkpoint(wait), sync_checkpoint(wait), stop(force),
  // clear_storage, restart from "latest": the same rows.
  it('syncs a checkpoint and restores it after clear_storage (test_checkpoint_sync)', async () => {
    const name = 'synced';
    const location = await bucket(name);
    await create(name);
    await client.setRuntimeConfig(name, config(location));
    expect(await client.start(name)).toBe('RUNNING');
    await client.inputJson(name, 't0', rows(1, 15, 'a'));
    await client.waitForCompletion(name);
    expect((await client.stats(name)).total_processed_records).toBe(14);
    const before = await table(server.url, name);

    await client.checkpoint(name, { wait: true, timeout_s: 30 });
    const resp = await client.syncCheckpoint(name, { wait: true, timeout_s: 60 });
    const uuid = String(resp.checkpoint_uuid);
    expect(await client.lastSuccessfulCheckpointSync(name)).toBe(uuid);
    expect((await client.remoteCheckpoints(name)).map((c) => c.uuid)).toEqual([uuid]);
    const polls = client.sent.filter((r) => r.id === 'sync_checkpoint_status');
    expect(polls.at(-2)!.path).toContain(`incarnation_uuid=${String(resp.incarnation_uuid)}`);

    await client.stopPipeline(name, true, 30);
    await client.clearStorage(name, 30);
    expect(await client.checkpoints(name)).toEqual([]);
    await client.setRuntimeConfig(name, config(location, { start_from_checkpoint: 'latest' }));
    expect(await client.start(name)).toBe('RUNNING');
    expect(await table(server.url, name)).toEqual(before);
    expect((await client.stats(name)).total_processed_records).toBe(14);
    expect((await client.checkpoints(name)).map((c) => c.uuid)).toContain(uuid);

    // sync_checkpoint(wait=True) across a restart: IncarnationUuidMismatch, sync again.
    await client.inputJson(name, 't0', rows(100, 105, 'b'));
    await client.checkpoint(name, { wait: true, timeout_s: 30 });
    const first = await client.syncCheckpointResponse(name);
    const again = await client.syncCheckpoint(name, {
      wait: true,
      timeout_s: 60,
      after: async () => {
        await client.stopPipeline(name, true, 30);
        await client.start(name);
      },
    });
    expect(again.incarnation_uuid).not.toBe(
      (first as { incarnation_uuid: string }).incarnation_uuid,
    );
    expect(await client.lastSuccessfulCheckpointSync(name)).toBe(String(again.checkpoint_uuid));
  }, 180_000);

  // test_nonexistent_checkpoint_fail / test_nonexistent_checkpoint.
  it('a start from an unknown checkpoint with fail_if_no_checkpoint raises "were not found in source"; without it starts empty', async () => {
    const name = 'missing';
    const location = await bucket(name);
    await create(name);
    await client.setRuntimeConfig(name, config(location));
    await client.start(name);
    await client.inputJson(name, 't0', rows(1, 5, 'a'));
    await client.checkpoint(name, { wait: true, timeout_s: 30 });
    await client.syncCheckpoint(name, { wait: true, timeout_s: 60 });
    await client.stopPipeline(name, true, 30);
    await client.clearStorage(name, 30);

    const unknown = randomUUID();
    await client.setRuntimeConfig(
      name,
      config(location, { start_from_checkpoint: unknown, fail_if_no_checkpoint: true }),
    );
    const err = await client.start(name, 60).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RuntimeError);
    const message = String((err as Error).message);
    expect(message).toMatch(/were not found in source/);
    expect(message).toContain(unknown);
    expect(message).toContain('local storage');
    expect(message).toMatch(/source local storage, bucket \S+/);
    expect(message).toContain(location);
    expect((await client.getPipeline(name, 'status')).deployment_error).toMatchObject({
      error_code: 'CheckpointNotFound',
    });

    await client.setRuntimeConfig(name, config(location, { start_from_checkpoint: unknown }));
    expect(await client.start(name)).toBe('RUNNING');
    expect(await table(server.url, name)).toMatchObject({ count: 0 });
  }, 180_000);

  // test_autherr_fail, and the retry policy on a 502 answer.
  it('a wrong secret fails the start with SignatureDoesNotMatch; remote_checkpoints answers 502 after the client retries', async () => {
    const name = 'autherr';
    const location = await bucket(name);
    await create(name);
    await client.setRuntimeConfig(name, config(location));
    await client.start(name);
    await client.inputJson(name, 't0', rows(1, 5, 'a'));
    await client.checkpoint(name, { wait: true, timeout_s: 30 });
    await client.syncCheckpoint(name, { wait: true, timeout_s: 60 });
    await client.stopPipeline(name, true, 30);
    await client.clearStorage(name, 30);
    await client.setRuntimeConfig(
      name,
      config(location, {
        start_from_checkpoint: 'latest',
        fail_if_no_checkpoint: true,
        secret_key: WRONG_SECRET,
      }),
    );
    const err = await client.start(name, 60).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RuntimeError);
    expect(String((err as Error).message)).toMatch(/SignatureDoesNotMatch|Forbidden/);

    const sentBefore = client.sent.length;
    const remote = await client.remoteCheckpoints(name).catch((e: unknown) => e);
    expect(remote).toBeInstanceOf(FelderaAPIError);
    expect(remote).toMatchObject({ status_code: 502, error_code: 'ObjectStoreAuth' });
    // The client probed /cluster_healthz after each 502, found it healthy and retried at once.
    const ids = client.sent.slice(sentBefore).map((r) => r.id);
    expect(ids).toEqual([
      'remote_checkpoints',
      'cluster_healthz',
      'remote_checkpoints',
      'cluster_healthz',
      'remote_checkpoints',
      'cluster_healthz',
      'remote_checkpoints',
    ]);
    expect(JSON.stringify(remote)).not.toContain(WRONG_SECRET);
  }, 180_000);

  // test_bucket_owner_lock_rejects_other_pipeline.
  it('a second pipeline syncing to an owned bucket raises the ownership message', async () => {
    const location = await bucket('owned');
    await create('owner');
    await create('intruder');
    await client.setRuntimeConfig('owner', config(location));
    await client.setRuntimeConfig('intruder', config(location));
    await client.start('owner');
    await client.inputJson('owner', 't0', rows(1, 6, 'owner'));
    await client.waitForCompletion('owner');
    await client.checkpoint('owner', { wait: true, timeout_s: 30 });
    await client.syncCheckpoint('owner', { wait: true, timeout_s: 60 });

    await client.start('intruder');
    await client.inputJson('intruder', 't0', rows(6, 11, 'intruder'));
    await client.checkpoint('intruder', { wait: true, timeout_s: 30 });
    const err = await client
      .syncCheckpoint('intruder', { wait: true, timeout_s: 60 })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RuntimeError);
    expect(String((err as Error).message)).toMatch(
      /S3 checkpoint bucket is already owned by [\s\S]*id: pipeline-[^,)]+[\s\S]*Current pipeline is [\s\S]*id: pipeline-[^,)]+[\s\S]*Refusing to write checkpoint data/,
    );
    // The owner keeps syncing.
    await client.inputJson('owner', 't0', rows(11, 16, 'owner-again'));
    await client.checkpoint('owner', { wait: true, timeout_s: 30 });
    await client.syncCheckpoint('owner', { wait: true, timeout_s: 60 });
  }, 180_000);
});

// The failover story (docs/standby.md) through the client only: A primary, B standby on the same bucket (two servers),
// A's server killed, B activated; B holds A's state at the last pushed checkpoint.
describe('Feldera Python client: failover across two servers on Ceph RGW', () => {
  const cleanups: (() => Promise<unknown>)[] = [];
  afterAll(async () => {
    while (cleanups.length > 0)
      await cleanups
        .pop()?.()
        .catch(() => undefined);
  });

  it('B, activated after A dies, runs from checkpoint 2 with exactly A’s state there', async () => {
    const b0 = await createTestBucket(CEPH_S3);
    cleanups.push(() => b0.remove());
    const dirA = await makeTempDir('feldera-sync-client-failover-a-');
    const dirB = await makeTempDir('feldera-sync-client-failover-b-');
    cleanups.push(
      () => dirA.cleanup(),
      () => dirB.cleanup(),
    );
    const serverA = await startServerProcess({ dataDir: dirA.path });
    cleanups.push(() => serverA.kill());
    const serverB = await startServerProcess({ dataDir: dirB.path });
    cleanups.push(() => serverB.stop());
    const a = await FelderaClientReplay.connect(serverA.url);
    const b = await FelderaClientReplay.connect(serverB.url);
    cleanups.push(() => {
      a.close();
      b.close();
      return Promise.resolve();
    });
    const location = `${b0.bucket}/failover`;
    const name = 'orders';

    // Step 1: A starts; B starts in standby.
    await a.builderCreateOrReplace({
      name,
      sql: SQL,
      runtime_config: config(location, { retention_min_count: 10 }),
    });
    await b.builderCreateOrReplace({
      name,
      sql: SQL,
      runtime_config: config(location, {
        start_from_checkpoint: 'latest',
        pull_interval: 1,
        retention_min_count: 10,
      }),
    });
    expect(await a.start(name)).toBe('RUNNING');
    expect(await b.startStandby(name)).toBe('STANDBY');
    // Steps 2-4: A processes, checkpoints, syncs checkpoint 1.
    await a.inputJson(name, 't0', rows(0, 40, 'step2'));
    await a.checkpoint(name, { wait: true, timeout_s: 30 });
    const uuid1 = String(
      (await a.syncCheckpoint(name, { wait: true, timeout_s: 60 })).checkpoint_uuid,
    );
    // Step 5: A processes more; B pulls checkpoint 1 (its log says so).
    await a.inputJson(name, 't0', rows(40, 70, 'step5'));
    await a.inputJson(name, 't0', [{ delete: { c0: 5, c1: 'step2-5' } }], {
      update_format: 'insert_delete',
    });
    expect(await b.waitForStandbyCheckpointPull(name, 60)).toContain(
      'checkpoint pulled successfully',
    );
    await waitForPullOf(b, name, uuid1);
    expect(await b.status(name)).toBe('STANDBY');
    // Steps 6-7: checkpoint 2, synced.
    await a.checkpoint(name, { wait: true, timeout_s: 30 });
    const state2 = await table(serverA.url, name);
    const processed2 = (await a.stats(name)).total_processed_records;
    const uuid2 = String(
      (await a.syncCheckpoint(name, { wait: true, timeout_s: 60 })).checkpoint_uuid,
    );
    expect(uuid2 > uuid1).toBe(true);
    expect(await a.lastSuccessfulCheckpointSync(name)).toBe(uuid2);
    // Step 8: A processes past checkpoint 2; B pulls checkpoint 2.
    await a.inputJson(name, 't0', rows(70, 90, 'step8'));
    expect(await table(serverA.url, name)).not.toEqual(state2);
    await waitForPullOf(b, name, uuid2);
    // Step 9: A's server dies.
    await serverA.kill();
    await expect(a.status(name)).rejects.toThrow();
    expect(await b.status(name)).toBe('STANDBY');
    // Steps 10-11: B is activated and runs from checkpoint 2 with A's state there.
    expect(await b.activatePipeline(name, 60)).toBe('RUNNING');
    expect(await b.getPipeline(name, 'status')).toMatchObject({
      deployment_status: 'Running',
      deployment_desired_status: 'Running',
      deployment_initial: 'Standby',
    });
    expect(await table(serverB.url, name)).toEqual(state2);
    expect((await b.stats(name)).total_processed_records).toBe(processed2);
    expect((await b.checkpoints(name)).map((c) => c.uuid)).toContain(uuid2);
    // B accepts input, checkpoints and syncs to the bucket it took over.
    await b.inputJson(name, 't0', rows(1000, 1010, 'after'));
    await b.checkpoint(name, { wait: true, timeout_s: 30 });
    const uuid3 = String(
      (await b.syncCheckpoint(name, { wait: true, timeout_s: 60 })).checkpoint_uuid,
    );
    expect((await b.remoteCheckpoints(name)).map((c) => c.uuid)).toEqual([uuid1, uuid2, uuid3]);
    await b.stopPipeline(name, true, 30);
  }, 240_000);
});
