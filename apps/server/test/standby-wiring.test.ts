// The server's standby runs on the shared wiring (`createStandbyHandlers` of @feldera-sync/sync) and
// lets the machine decide what `/activate` accepts. Each test here failed before that: the server
// answered 400 where the machine accepts, read Standby as the desired status of an activated
// pipeline after a restart, went back to standby after a kill between takeover and marker, and
// answered InternalError for a final pull whose root cause was the object store.
import { readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import pino from 'pino';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ACTIVATION_INTENT_FILE } from '@feldera-sync/checkpoint';
import { makeTempDir, startS3rver } from '@feldera-sync/test-utils';
import type { S3Server, TempDir, TestBucket } from '@feldera-sync/test-utils';
import { buildApp } from '../src/index.js';
import { PipelineManager } from '../src/pipeline-manager.js';
import { PipelineRegistry } from '../src/pipeline-registry.js';

interface Harness {
  app: Awaited<ReturnType<typeof buildApp>>;
  manager: PipelineManager;
  registry: PipelineRegistry;
  dir: TempDir;
}

async function makeHarness(): Promise<Harness> {
  const dir = await makeTempDir('feldera-sync-standby-wiring-');
  const logger = pino({ level: 'warn' }, new Writable({ write: (_c, _e, cb) => cb() }));
  const registry = await PipelineRegistry.open(dir.path);
  const manager = new PipelineManager({ registry, logger, rcloneBinary: 'rclone' });
  const app = await buildApp({ pipelines: manager, logger });
  return { app, manager, registry, dir };
}

async function closeHarness(h: Harness): Promise<void> {
  await h.app.close();
  await h.manager.shutdown(5_000);
  await h.dir.cleanup();
}

function syncConfig(bucket: TestBucket, extra: Record<string, unknown> = {}) {
  return {
    storage: {
      backend: {
        name: 'file',
        config: {
          sync: {
            endpoint: bucket.endpoint,
            bucket: `${bucket.bucket}/p`,
            provider: bucket.provider,
            access_key: bucket.accessKey,
            secret_key: bucket.secretKey,
            pull_interval: 1,
            ...extra,
          },
        },
      },
    },
  };
}

type Status = Record<string, unknown> & { runtime_status: string };

async function status(h: Harness, name: string): Promise<Status> {
  return (await h.app.inject(`/v0/pipelines/${name}/status`)).json<Status>();
}

async function waitFor(
  h: Harness,
  name: string,
  ok: (s: Status) => boolean,
  what: string,
): Promise<Status> {
  let last: Status | null = null;
  for (let i = 0; i < 600; i++) {
    last = await status(h, name);
    if (ok(last)) return last;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`${name} never reached ${what}: ${JSON.stringify(last)}`);
}

const post = (h: Harness, url: string) => h.app.inject({ method: 'POST', url });

/** A primary `a` that pushed one checkpoint and a standby `b` that pulled it. */
async function primaryAndStandby(h: Harness, bucket: TestBucket) {
  await h.app.inject({
    method: 'PUT',
    url: '/v0/pipelines/a',
    payload: { runtime_config: syncConfig(bucket) },
  });
  await post(h, '/v0/pipelines/a/start');
  await waitFor(h, 'a', (s) => s.runtime_status === 'Running', 'Running');
  await h.app.inject({
    method: 'POST',
    url: '/v0/pipelines/a/ingress/t',
    payload: [{ insert: { id: 1 } }],
  });
  await post(h, '/v0/pipelines/a/checkpoint');
  const { checkpoint_uuid: uuid } = (await post(h, '/v0/pipelines/a/checkpoint/sync')).json<{
    checkpoint_uuid: string;
  }>();
  for (let i = 0; i < 600; i++) {
    const st = (await h.app.inject('/v0/pipelines/a/checkpoint/sync_status')).json<{
      success: string | null;
    }>();
    if (st.success === uuid) break;
    await new Promise((r) => setTimeout(r, 50));
  }
  await h.app.inject({
    method: 'PUT',
    url: '/v0/pipelines/b',
    payload: {
      runtime_config: syncConfig(bucket, { start_from_checkpoint: 'latest', standby: true }),
    },
  });
  await post(h, '/v0/pipelines/b/start');
  await waitFor(
    h,
    'b',
    (s) =>
      (s.standby as { last_pulled_checkpoint?: string } | null)?.last_pulled_checkpoint === uuid,
    'a pulled checkpoint',
  );
  const systemName = (name: string) => h.registry.list().find((d) => d.name === name)!.system_name;
  const storageOf = (name: string) =>
    h.registry.storageDir(h.registry.list().find((d) => d.name === name)!);
  return { uuid, systemName, storageOf };
}

describe('activate: the machine decides what is accepted', () => {
  let h: Harness;
  beforeEach(async () => {
    h = await makeHarness();
  });
  afterEach(async () => closeHarness(h));

  it('answers 202 for a paused pipeline (already activated), as the machine accepts it', async () => {
    await h.app.inject({
      method: 'PUT',
      url: '/v0/pipelines/p',
      payload: { runtime_config: { fault_tolerance: { model: 'none' } } },
    });
    await post(h, '/v0/pipelines/p/start?initial=paused');
    await waitFor(h, 'p', (s) => s.runtime_status === 'Paused', 'Paused');
    const res = await post(h, '/v0/pipelines/p/activate');
    expect(res.statusCode, res.body).toBe(202);
    expect((await status(h, 'p')).runtime_status).toBe('Paused');
  });
});

describe('standby through the shared wiring (s3rver)', () => {
  let s3: S3Server;
  let bucket: TestBucket;
  let h: Harness;
  beforeAll(async () => {
    s3 = await startS3rver();
  });
  afterAll(async () => s3.close());
  beforeEach(async () => {
    bucket = await s3.createBucket();
    h = await makeHarness();
  });
  afterEach(async () => {
    await closeHarness(h);
    await bucket.remove();
  });

  it('an activated pipeline restarted reads runtime_desired_status Running, not Standby', async () => {
    const { uuid, systemName } = await primaryAndStandby(h, bucket);
    expect((await post(h, '/v0/pipelines/b/activate')).statusCode).toBe(202);
    const running = await waitFor(h, 'b', (s) => s.runtime_status === 'Running', 'Running');
    expect(running).toMatchObject({
      runtime_desired_status: 'Running',
      took_over_from: systemName('a'),
    });
    await post(h, '/v0/pipelines/b/stop');
    await waitFor(h, 'b', (s) => s.runtime_status === 'Stopped', 'Stopped');
    await post(h, '/v0/pipelines/b/start');
    const again = await waitFor(h, 'b', (s) => s.runtime_status === 'Running', 'Running again');
    expect(again.runtime_desired_status).toBe('Running');
    expect(again.restored_from).toMatchObject({ uuid });
    // Feldera's own pipeline object agrees.
    const pipeline = (await h.app.inject('/v0/pipelines/b')).json<Record<string, unknown>>();
    expect(pipeline.deployment_runtime_desired_status).toBe('Running');
  });

  it('a standby stopped after recording its activation intent completes the activation on restart', async () => {
    const { uuid, systemName, storageOf } = await primaryAndStandby(h, bucket);
    await post(h, '/v0/pipelines/b/stop');
    await waitFor(h, 'b', (s) => s.runtime_status === 'Stopped', 'Stopped');
    // What a kill after the intent (before or after the takeover, before the marker) leaves.
    const dir = storageOf('b');
    await writeFile(join(dir, ACTIVATION_INTENT_FILE), `{"checkpoint":"${uuid}"}`);
    await post(h, '/v0/pipelines/b/start');
    const running = await waitFor(h, 'b', (s) => s.runtime_status === 'Running', 'Running');
    expect(running).toMatchObject({
      runtime_desired_status: 'Running',
      took_over_from: systemName('a'),
      restored_from: { uuid },
    });
    const files = await readdir(dir);
    expect(files).toContain('activated.feldera');
    expect(files).not.toContain(ACTIVATION_INTENT_FILE);
    // owner.json names b now: the old primary is fenced, its next push is refused.
    await post(h, '/v0/pipelines/a/checkpoint');
    await post(h, '/v0/pipelines/a/checkpoint/sync');
    let failure: unknown = null;
    for (let i = 0; i < 600 && failure === null; i++) {
      failure = (await h.app.inject('/v0/pipelines/a/checkpoint/sync_status')).json<{
        failure: unknown;
      }>().failure;
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(JSON.stringify(failure)).toMatch(/already owned by b/);
  });
});

describe('a failed final pull answers with its root cause', () => {
  it('deployment_error.error_code is ObjectStoreUnavailable, not InternalError, when the store went away', async () => {
    const s3 = await startS3rver();
    const bucket = await s3.createBucket();
    const h = await makeHarness();
    try {
      await primaryAndStandby(h, bucket);
      await s3.close();
      expect((await post(h, '/v0/pipelines/b/activate')).statusCode).toBe(202);
      const pipeline = await (async () => {
        for (let i = 0; i < 1200; i++) {
          const p = (await h.app.inject('/v0/pipelines/b')).json<{
            deployment_error: { error_code: string; message: string; details: unknown } | null;
          }>();
          if (p.deployment_error) return p;
          await new Promise((r) => setTimeout(r, 50));
        }
        throw new Error('activation never failed');
      })();
      expect(pipeline.deployment_error).toMatchObject({
        error_code: 'ObjectStoreUnavailable',
        details: { code: 'ERR_STANDBY_FINAL_PULL_FAILED', causeCode: 'ERR_STORE_NETWORK' },
      });
      expect(pipeline.deployment_error?.message).toMatch(/final catch-up pull failed/);
    } finally {
      await closeHarness(h);
    }
  }, 120_000);
});
