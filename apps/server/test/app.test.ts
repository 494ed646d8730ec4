import { Writable } from 'node:stream';
import pino from 'pino';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { makeTempDir, startS3rver } from '@feldera-sync/test-utils';
import type { S3Server, TempDir, TestBucket } from '@feldera-sync/test-utils';
import { API_ERRORS, buildApp } from '../src/index.js';
import { PipelineManager } from '../src/pipeline-manager.js';
import { PipelineRegistry } from '../src/pipeline-registry.js';

const SECRET = 'sEcReT-value-that-must-never-leak-1234';

interface Harness {
  app: Awaited<ReturnType<typeof buildApp>>;
  manager: PipelineManager;
  logs: string[];
  dir: TempDir;
}

async function makeHarness(apiKey?: string): Promise<Harness> {
  const dir = await makeTempDir('feldera-sync-server-test-');
  const logs: string[] = [];
  const logger = pino(
    { level: 'debug' },
    new Writable({
      write(chunk: Buffer, _enc, cb) {
        logs.push(chunk.toString());
        cb();
      },
    }),
  );
  const registry = await PipelineRegistry.open(dir.path);
  const manager = new PipelineManager({ registry, logger, rcloneBinary: 'rclone' });
  const app = await buildApp({ pipelines: manager, apiKey, logger });
  return { app, manager, logs, dir };
}

async function closeHarness(h: Harness): Promise<void> {
  await h.app.close();
  await h.manager.shutdown(5_000);
  await h.dir.cleanup();
}

const plainConfig = { fault_tolerance: { model: 'none' } };

function syncConfig(
  bucket: TestBucket,
  extra: Record<string, unknown> = {},
): Record<string, unknown> {
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
            ...extra,
          },
        },
      },
    },
  };
}

async function waitForStatus(
  h: Harness,
  name: string,
  want: string,
): Promise<Record<string, unknown>> {
  for (let i = 0; i < 300; i++) {
    const res = await h.app.inject({ method: 'GET', url: `/v0/pipelines/${name}/status` });
    const body = res.json<Record<string, unknown>>();
    if (body.runtime_status === want) return body;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`${name} never reached ${want}`);
}

describe('routes without an object store', () => {
  let h: Harness;
  beforeEach(async () => {
    h = await makeHarness();
  });
  afterEach(async () => closeHarness(h));

  it('answers /healthz, /metrics and /openapi.json', async () => {
    expect((await h.app.inject('/healthz')).json()).toEqual({ status: 'ok' });
    const metrics = await h.app.inject('/metrics');
    expect(metrics.headers['content-type']).toMatch(/text\/plain/);
    expect(metrics.body).toContain('# TYPE feldera_sync_push_total counter');
    const spec = (await h.app.inject('/openapi.json')).json<{ paths: Record<string, unknown> }>();
    for (const path of [
      '/v0/pipelines/{name}/checkpoint',
      '/v0/pipelines/{name}/checkpoint_status',
      '/v0/pipelines/{name}/checkpoint/sync',
      '/v0/pipelines/{name}/checkpoint/sync_status',
      '/v0/pipelines/{name}/activate',
      '/v0/pipelines/{name}/checkpoints',
      '/v0/pipelines/{name}/checkpoints/remote',
    ]) {
      expect(spec.paths, path).toHaveProperty([path]);
    }
  });

  it('creates, replaces, renames and deletes a pipeline; the system name never changes', async () => {
    const created = await h.app.inject({
      method: 'PUT',
      url: '/v0/pipelines/p1',
      payload: { runtime_config: plainConfig },
    });
    expect(created.statusCode).toBe(201);
    const systemName = created.json<{ system_name: string }>().system_name;
    expect(systemName).toMatch(/^pipeline-[0-9a-f-]{36}$/);
    const replaced = await h.app.inject({
      method: 'PUT',
      url: '/v0/pipelines/p1',
      payload: { runtime_config: plainConfig },
    });
    expect(replaced.statusCode).toBe(200);
    expect(replaced.json<{ system_name: string }>().system_name).toBe(systemName);
    const renamed = await h.app.inject({
      method: 'PATCH',
      url: '/v0/pipelines/p1',
      payload: { name: 'p2' },
    });
    expect(renamed.json()).toMatchObject({ name: 'p2', system_name: systemName });
    expect((await h.app.inject('/v0/pipelines/p1')).statusCode).toBe(404);
    expect((await h.app.inject('/v0/pipelines')).json<unknown[]>()).toHaveLength(1);
    expect((await h.app.inject({ method: 'DELETE', url: '/v0/pipelines/p2' })).statusCode).toBe(
      200,
    );
    expect((await h.app.inject('/v0/pipelines/p2')).json()).toMatchObject({
      error_code: 'UnknownPipelineName',
    });
  });

  it('rejects an invalid runtime config with every problem listed and no secret echoed', async () => {
    const res = await h.app.inject({
      method: 'PUT',
      url: '/v0/pipelines/bad',
      payload: {
        runtime_config: {
          storage: {
            backend: {
              name: 'file',
              config: {
                sync: { bucket: '/x/../y', secret_key: SECRET, provider: 'aws', pull_interval: 0 },
              },
            },
          },
        },
      },
    });
    expect(res.statusCode).toBe(400);
    const body = res.json<{
      error_code: string;
      message: string;
      details: { issues: { path: string }[] };
    }>();
    expect(body.error_code).toBe('InvalidRuntimeConfig');
    const paths = body.details.issues.map((i) => i.path).join(' ');
    expect(paths).toContain('bucket');
    expect(paths).toContain('provider');
    expect(paths).toContain('pull_interval');
    expect(paths).toContain('access_key');
    expect(res.body).not.toContain(SECRET);
  });

  it('warns when the installed rclone does not know the configured provider', async () => {
    const cfg = (provider: string) => ({
      storage: { backend: { name: 'file', config: { sync: { bucket: 'bucket-x', provider } } } },
    });
    const newer = await h.app.inject({
      method: 'PUT',
      url: '/v0/pipelines/gcs',
      payload: { runtime_config: cfg('GCS') },
    });
    expect(newer.statusCode).toBe(201);
    expect(newer.json<{ warnings: string[] }>().warnings.join('\n')).toMatch(
      /installed rclone does not know provider 'GCS'/,
    );
    const known = await h.app.inject({
      method: 'PUT',
      url: '/v0/pipelines/ceph',
      payload: { runtime_config: cfg('Ceph') },
    });
    expect(known.json<{ warnings: string[] }>().warnings.join('\n')).not.toMatch(
      /does not know provider/,
    );
  });

  it('validates path parameters, bodies and query strings', async () => {
    expect((await h.app.inject('/v0/pipelines/..%2Fetc')).json()).toMatchObject({
      error_code: 'InvalidRequest',
    });
    expect(
      (await h.app.inject({ method: 'PUT', url: '/v0/pipelines/x', payload: { nope: 1 } })).json(),
    ).toMatchObject({ error_code: 'InvalidRequest' });
    await h.app.inject({
      method: 'PUT',
      url: '/v0/pipelines/x',
      payload: { runtime_config: plainConfig },
    });
    expect(
      (await h.app.inject({ method: 'POST', url: '/v0/pipelines/x/start?initial=sideways' }))
        .statusCode,
    ).toBe(400);
    expect(
      (await h.app.inject('/v0/pipelines/x/checkpoint_status?incarnation_uuid=not-a-uuid'))
        .statusCode,
    ).toBe(400);
    expect((await h.app.inject('/v0/nothing-here')).json()).toMatchObject({
      error_code: 'NotFound',
    });
  });

  it('runs a pipeline: ingress, tables, checkpoints, incarnation checks, activate and errors', async () => {
    await h.app.inject({
      method: 'PUT',
      url: '/v0/pipelines/run',
      payload: { runtime_config: plainConfig },
    });
    expect(
      (
        await h.app.inject({
          method: 'POST',
          url: '/v0/pipelines/run/ingress/t',
          payload: [{ insert: { a: 1 } }],
        })
      ).json(),
    ).toMatchObject({
      error_code: 'PipelineNotRunning',
    });
    expect(
      (await h.app.inject({ method: 'POST', url: '/v0/pipelines/run/activate' })).json(),
    ).toMatchObject({ error_code: 'InvalidTransition' });
    const started = await h.app.inject({ method: 'POST', url: '/v0/pipelines/run/start' });
    expect(started.statusCode).toBe(202);
    const status = await waitForStatus(h, 'run', 'Running');
    const incarnation = String(status.incarnation_uuid);

    const ing = await h.app.inject({
      method: 'POST',
      url: '/v0/pipelines/run/ingress/users',
      payload: [{ insert: { id: 1 } }, { insert: { id: 2 } }, { id: 3 }, { delete: { id: 2 } }],
    });
    expect(ing.json()).toEqual({ applied: 4, token: expect.any(String) });
    // curl -d sends a form content type; Feldera accepts the body whatever the type.
    await h.app.inject({
      method: 'POST',
      url: '/v0/pipelines/run/ingress/users',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: '[{"insert":{"id":4}}]',
    });
    await h.app.inject({
      method: 'POST',
      url: '/v0/pipelines/run/ingress/users',
      headers: { 'content-type': 'text/plain' },
      payload: '{"insert":{"id":5}}\n{"insert":{"id":6}}\n',
    });
    const table = (await h.app.inject('/v0/pipelines/run/tables/users')).json<{
      rows: unknown[];
      hash: string;
    }>();
    expect(table.rows).toEqual([{ id: 1 }, { id: 3 }, { id: 4 }, { id: 5 }, { id: 6 }]);
    expect(table.hash).toMatch(/^[0-9a-f]{64}$/);
    expect((await h.app.inject('/v0/pipelines/run/tables/nothing')).json()).toMatchObject({
      rows: [],
    });
    expect(
      (
        await h.app.inject({
          method: 'POST',
          url: '/v0/pipelines/run/ingress/users',
          payload: [{ insert: 1, delete: 2 }],
        })
      ).json(),
    ).toMatchObject({
      error_code: 'InvalidRequest',
    });

    const cp = (await h.app.inject({ method: 'POST', url: '/v0/pipelines/run/checkpoint' })).json();
    expect(cp).toEqual({ checkpoint_sequence_number: 1, incarnation_uuid: incarnation });
    expect(
      (
        await h.app.inject(`/v0/pipelines/run/checkpoint_status?incarnation_uuid=${incarnation}`)
      ).json(),
    ).toEqual({ success: 1, failure: null });
    const other = '00000000-0000-4000-8000-000000000000';
    const mismatch = await h.app.inject(
      `/v0/pipelines/run/checkpoint_status?incarnation_uuid=${other}`,
    );
    expect(mismatch.statusCode).toBe(400);
    expect(mismatch.json()).toMatchObject({
      error_code: 'IncarnationUuidMismatch',
      details: { requested: other, expected: incarnation },
    });
    expect(
      (
        await h.app.inject(`/v0/pipelines/run/checkpoint/sync_status?incarnation_uuid=${other}`)
      ).json(),
    ).toMatchObject({ error_code: 'IncarnationUuidMismatch' });
    const local = (await h.app.inject('/v0/pipelines/run/checkpoints')).json<
      { uuid: string; processed_records: number }[]
    >();
    expect(local).toHaveLength(1);
    expect(local[0]!.processed_records).toBe(7); // 6 inserts and 1 delete

    expect(
      (await h.app.inject({ method: 'POST', url: '/v0/pipelines/run/checkpoint/sync' })).json(),
    ).toMatchObject({ error_code: 'SyncNotConfigured' });
    expect((await h.app.inject('/v0/pipelines/run/checkpoints/remote')).json()).toMatchObject({
      error_code: 'SyncNotConfigured',
    });
    expect(
      (await h.app.inject({ method: 'POST', url: '/v0/pipelines/run/activate' })).statusCode,
    ).toBe(202);
    expect(
      (await h.app.inject({ method: 'POST', url: '/v0/pipelines/run/clear' })).json(),
    ).toMatchObject({ error_code: 'PipelineNotStopped' });
    expect(
      (await h.app.inject({ method: 'DELETE', url: '/v0/pipelines/run' })).json(),
    ).toMatchObject({ error_code: 'PipelineNotStopped' });
    expect(
      (await h.app.inject({ method: 'POST', url: '/v0/pipelines/run/start?initial=standby' }))
        .statusCode,
    ).toBe(202);

    await h.app.inject({ method: 'POST', url: '/v0/pipelines/run/stop' });
    await waitForStatus(h, 'run', 'Stopped');
    // Restart without clearing: state comes back from the local checkpoint.
    await h.app.inject({ method: 'POST', url: '/v0/pipelines/run/start' });
    const again = await waitForStatus(h, 'run', 'Running');
    expect(again.incarnation_uuid).not.toBe(incarnation);
    expect((await h.app.inject('/v0/pipelines/run/tables/users')).json()).toEqual(table);
    await h.app.inject({ method: 'POST', url: '/v0/pipelines/run/stop' });
    expect(
      (await h.app.inject({ method: 'POST', url: '/v0/pipelines/run/clear' })).statusCode,
    ).toBe(202);
    expect((await h.app.inject('/v0/pipelines/run/checkpoints')).json()).toEqual([]);
  });

  it('refuses standby without start_from_checkpoint', async () => {
    await h.app.inject({
      method: 'PUT',
      url: '/v0/pipelines/sb',
      payload: { runtime_config: plainConfig },
    });
    const res = await h.app.inject({
      method: 'POST',
      url: '/v0/pipelines/sb/start?initial=standby',
    });
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({ error_code: 'InvalidTransition' });
  });

  it('limits request bodies', async () => {
    const small = await makeHarness();
    const app = await buildApp({ pipelines: small.manager, bodyLimit: 1024 });
    const res = await app.inject({
      method: 'PUT',
      url: '/v0/pipelines/x',
      payload: { runtime_config: { pad: 'x'.repeat(4096) } },
    });
    expect(res.statusCode).toBe(413);
    expect(res.json()).toMatchObject({ error_code: 'PayloadTooLarge' });
    await app.close();
    await closeHarness(small);
  });

  it('maps every API error code to one status', () => {
    for (const [code, entry] of Object.entries(API_ERRORS)) {
      expect(entry.status, code).toBeGreaterThanOrEqual(400);
      expect(entry.status, code).toBeLessThan(600);
    }
    const internal = new Set<string>();
    for (const entry of Object.values(API_ERRORS)) {
      for (const c of entry.codes) {
        expect(internal.has(c), `${c} maps to one API code`).toBe(false);
        internal.add(c);
      }
    }
  });
});

describe('API key', () => {
  const KEY = 'k'.repeat(40);
  let h: Harness;
  beforeAll(async () => {
    h = await makeHarness(KEY);
  });
  afterAll(async () => closeHarness(h));

  it('answers 401 on every route without the key, except /healthz', async () => {
    const routes: [string, string][] = [
      ['GET', '/metrics'],
      ['GET', '/openapi.json'],
      ['GET', '/v0/pipelines'],
      ['PUT', '/v0/pipelines/x'],
      ['GET', '/v0/pipelines/x'],
      ['PATCH', '/v0/pipelines/x'],
      ['DELETE', '/v0/pipelines/x'],
      ['POST', '/v0/pipelines/x/start'],
      ['POST', '/v0/pipelines/x/stop'],
      ['POST', '/v0/pipelines/x/clear'],
      ['POST', '/v0/pipelines/x/activate'],
      ['GET', '/v0/pipelines/x/status'],
      ['POST', '/v0/pipelines/x/ingress/t'],
      ['GET', '/v0/pipelines/x/tables/t'],
      ['POST', '/v0/pipelines/x/checkpoint'],
      ['GET', '/v0/pipelines/x/checkpoint_status'],
      ['POST', '/v0/pipelines/x/checkpoint/sync'],
      ['GET', '/v0/pipelines/x/checkpoint/sync_status'],
      ['GET', '/v0/pipelines/x/checkpoints'],
      ['GET', '/v0/pipelines/x/checkpoints/remote'],
    ];
    for (const [method, url] of routes) {
      for (const authorization of [undefined, 'Bearer wrong', `Basic ${KEY}`]) {
        const res = await h.app.inject({
          method: method as 'GET',
          url,
          ...(authorization ? { headers: { authorization } } : {}),
        });
        expect(res.statusCode, `${method} ${url} ${authorization ?? ''}`).toBe(401);
        expect(res.json()).toMatchObject({ error_code: 'Unauthorized' });
      }
    }
    expect((await h.app.inject('/healthz')).statusCode).toBe(200);
    expect(
      (await h.app.inject({ url: '/v0/pipelines', headers: { authorization: `Bearer ${KEY}` } }))
        .statusCode,
    ).toBe(200);
  });
});

describe('sync through the server (s3rver)', () => {
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

  it('syncs the newest checkpoint once for 200 concurrent requests and never leaks the secret', async () => {
    const cfg = syncConfig({ ...bucket, accessKey: bucket.accessKey, secretKey: bucket.secretKey });
    const sync = (cfg.storage as { backend: { config: { sync: Record<string, unknown> } } }).backend
      .config.sync;
    // s3rver accepts any key; secrets here are canaries for leaks.
    sync.secret_key = SECRET;
    // s3rver checks the access key id but not signatures, so only the secret can be a canary here.
    await h.app.inject({ method: 'PUT', url: '/v0/pipelines/s', payload: { runtime_config: cfg } });
    expect(
      (await h.app.inject({ method: 'POST', url: '/v0/pipelines/s/checkpoint/sync' })).json(),
    ).toMatchObject({ error_code: 'PipelineNotRunning' });
    await h.app.inject({ method: 'POST', url: '/v0/pipelines/s/start' });
    const status = await waitForStatus(h, 's', 'Running');
    expect(
      (await h.app.inject({ method: 'POST', url: '/v0/pipelines/s/checkpoint/sync' })).json(),
    ).toMatchObject({ error_code: 'NoCheckpointToSync' });
    await h.app.inject({
      method: 'POST',
      url: '/v0/pipelines/s/ingress/t',
      payload: Array.from({ length: 100 }, (_, i) => ({ insert: { i } })),
    });
    await h.app.inject({ method: 'POST', url: '/v0/pipelines/s/checkpoint' });

    const answers = await Promise.all(
      Array.from({ length: 200 }, () =>
        h.app.inject({ method: 'POST', url: '/v0/pipelines/s/checkpoint/sync' }),
      ),
    );
    const uuids = new Set(
      answers.map((a) => a.json<{ checkpoint_uuid: string }>().checkpoint_uuid),
    );
    expect(answers.every((a) => a.statusCode === 202)).toBe(true);
    expect(uuids.size).toBe(1);
    const [uuid] = [...uuids];
    let st: Record<string, unknown> = {};
    for (let i = 0; i < 600 && st.success !== uuid; i++) {
      st = (
        await h.app.inject(
          `/v0/pipelines/s/checkpoint/sync_status?incarnation_uuid=${String(status.incarnation_uuid)}`,
        )
      ).json();
      if (st.failure) throw new Error(JSON.stringify(st.failure));
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(st).toMatchObject({ success: uuid, failure: null });
    const pushed = h.logs.filter((l) => l.includes('"msg":"checkpoint pushed"'));
    expect(pushed).toHaveLength(1);
    const remote = (await h.app.inject('/v0/pipelines/s/checkpoints/remote')).json<
      { uuid: string }[]
    >();
    expect(remote.map((e) => e.uuid)).toEqual([uuid]);
    const metrics = (await h.app.inject('/metrics')).body;
    expect(metrics).toMatch(
      /feldera_sync_push_total\{pipeline="pipeline-[^"]+",result="success"\} 1/,
    );

    const bodies = [
      (await h.app.inject('/v0/pipelines/s')).body,
      (await h.app.inject('/v0/pipelines')).body,
      (await h.app.inject('/v0/pipelines/s/status')).body,
      (await h.app.inject('/v0/pipelines/s/checkpoint/sync_status')).body,
      metrics,
      h.logs.join('\n'),
    ];
    for (const text of bodies) {
      expect(text).not.toContain(SECRET);
    }
  });
});
