// The recovery routes end to end: a primary and its standby on one Ceph RGW bucket, through the
// real synchroniser and rclone; the console's files served without the key and holding no data.
import { readFile } from 'node:fs/promises';
import { request } from 'node:http';
import { Writable } from 'node:stream';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { consoleAssetsDir } from '@feldera-sync/console';
import { CEPH_S3, createTestBucket, makeTempDir } from '@feldera-sync/test-utils';
import type { TempDir, TestBucket } from '@feldera-sync/test-utils';
import { buildApp } from '../src/index.js';
import type { RecoveryEvent, RecoverySummary } from '../src/index.js';
import { PipelineManager } from '../src/pipeline-manager.js';
import { PipelineRegistry } from '../src/pipeline-registry.js';

interface Harness {
  app: Awaited<ReturnType<typeof buildApp>>;
  manager: PipelineManager;
  dir: TempDir;
}

async function harness(apiKey?: string): Promise<Harness> {
  const dir = await makeTempDir('feldera-sync-recovery-');
  const logger = pino({ level: 'info' }, new Writable({ write: (_c, _e, cb) => cb() }));
  const registry = await PipelineRegistry.open(dir.path);
  // Every recovery read refreshes the bucket reading, so the test sees pushes at once.
  const manager = new PipelineManager({
    registry,
    logger,
    rcloneBinary: 'rclone',
    bucketStaleMs: 0,
  });
  const app = await buildApp({ pipelines: manager, apiKey, logger });
  return { app, manager, dir };
}

function config(location: string, sync: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    storage: {
      backend: {
        name: 'file',
        config: {
          sync: {
            endpoint: CEPH_S3.endpoint,
            bucket: location,
            provider: 'Ceph',
            access_key: CEPH_S3.accessKey,
            secret_key: CEPH_S3.secretKey,
            start_from_checkpoint: 'latest',
            ...sync,
          },
        },
      },
    },
  };
}

/** Polls `GET .../recovery` until `done` holds (at most `ms`). */
async function waitFor(
  h: Harness,
  name: string,
  done: (s: RecoverySummary) => boolean,
  ms = 60_000,
): Promise<RecoverySummary> {
  const until = Date.now() + ms;
  let last: RecoverySummary | undefined;
  while (Date.now() < until) {
    last = (await h.app.inject(`/v0/pipelines/${name}/recovery`)).json<RecoverySummary>();
    if (done(last)) return last;
    await h.manager.bucketReadsSettled();
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${name}: condition not met; last answer ${JSON.stringify(last)}`);
}

async function post(h: Harness, url: string): Promise<Record<string, unknown>> {
  const res = await h.app.inject({ method: 'POST', url });
  expect(res.statusCode, `${url}: ${res.body}`).toBeLessThan(300);
  return res.json();
}

describe('recovery routes (Ceph RGW)', () => {
  let h: Harness;
  let bucket: TestBucket;
  beforeAll(async () => {
    bucket = await createTestBucket(CEPH_S3);
    h = await harness();
  });
  afterAll(async () => {
    await h.app.close();
    await h.manager.shutdown(5_000);
    await h.dir.cleanup();
    await bucket.remove();
  });

  it('shows role, checkpoints, owner, lag, history and takeover of a primary and its standby', async () => {
    const location = `${bucket.bucket}/r`;
    await h.app.inject({
      method: 'PUT',
      url: '/v0/pipelines/p',
      payload: { runtime_config: config(location) },
    });
    await h.app.inject({
      method: 'PUT',
      url: '/v0/pipelines/b',
      // One pull at start, then none for an hour: the standby falls behind on purpose.
      payload: { runtime_config: config(location, { standby: true, pull_interval: 3600 }) },
    });
    expect((await h.app.inject('/v0/pipelines/nope/recovery')).json()).toMatchObject({
      error_code: 'UnknownPipelineName',
    });
    const stopped = (await h.app.inject('/v0/pipelines/p/recovery')).json<RecoverySummary>();
    expect(stopped).toMatchObject({
      role: 'stopped',
      incarnation_uuid: null,
      sync_configured: true,
    });

    await post(h, '/v0/pipelines/p/start');
    await waitFor(h, 'p', (s) => s.runtime_status === 'Running');
    await h.app.inject({
      method: 'POST',
      url: '/v0/pipelines/p/ingress/t',
      payload: [{ insert: { i: 1 } }],
    });
    const c1 = (await post(h, '/v0/pipelines/p/checkpoint')) as {
      checkpoint_sequence_number: number;
    };
    expect(c1.checkpoint_sequence_number).toBe(1);
    const first = String((await post(h, '/v0/pipelines/p/checkpoint/sync')).checkpoint_uuid);
    const primary = await waitFor(
      h,
      'p',
      (s) =>
        s.sync.manual_success === first &&
        s.remote?.newest?.uuid === first &&
        s.remote.owner !== null,
    );
    expect(primary).toMatchObject({
      role: 'primary',
      local: { newest: { uuid: first }, count: 1, error: null },
      remote: { bucket: location, owner: { given_name: 'p' }, owner_is_self: true, error: null },
      sync: { last_push: { kind: 'push', result: 'success', checkpoint_uuid: first } },
      transfer: null,
    });
    expect(primary.local.newest!.age_secs).toBeGreaterThanOrEqual(0);
    expect(primary.sync.last_push!.bytes).toBeGreaterThan(0);
    expect(primary.sync.last_push!.duration_ms).toBeGreaterThan(0);

    await post(h, '/v0/pipelines/b/start?initial=standby');
    const standby = await waitFor(h, 'b', (s) => s.standby?.pulled?.uuid === first);
    expect(standby).toMatchObject({
      role: 'standby',
      runtime_status: 'Standby',
      standby_configured: true,
      standby: { lag_secs: 0, consecutive_pull_failures: 0 },
      remote: { owner: { given_name: 'p' }, owner_is_self: false },
    });

    // A second checkpoint more than a second later: the standby, which does not pull for an
    // hour, is now that far behind the bucket.
    await new Promise((r) => setTimeout(r, 1200));
    await h.app.inject({
      method: 'POST',
      url: '/v0/pipelines/p/ingress/t',
      payload: [{ insert: { i: 2 } }],
    });
    await post(h, '/v0/pipelines/p/checkpoint');
    const second = String((await post(h, '/v0/pipelines/p/checkpoint/sync')).checkpoint_uuid);
    expect(second > first).toBe(true);
    const behind = await waitFor(h, 'b', (s) => s.remote?.newest?.uuid === second);
    expect(behind.standby!.lag_secs).toBeGreaterThanOrEqual(1.2);
    expect(behind.standby!.lag_secs).toBeLessThan(60);

    const history = (await h.app.inject('/v0/pipelines/p/recovery/history')).json<{
      events: RecoveryEvent[];
      last_seq: number;
      capacity: number;
    }>();
    const kinds = history.events.map((e) => `${e.kind}:${e.checkpoint_uuid ?? ''}`);
    expect(kinds).toEqual([
      `checkpoint:${first}`,
      `push:${first}`,
      `checkpoint:${second}`,
      `push:${second}`,
    ]);
    expect(history.last_seq).toBe(4);
    expect(history.capacity).toBe(1000);
    const paged = (await h.app.inject('/v0/pipelines/p/recovery/history?after=2')).json<{
      events: RecoveryEvent[];
    }>();
    expect(paged.events.map((e) => e.seq)).toEqual([3, 4]);
    expect((await h.app.inject('/v0/pipelines/p/recovery/history?after=-1')).statusCode).toBe(400);
    const pulls = (await h.app.inject('/v0/pipelines/b/recovery/history')).json<{
      events: RecoveryEvent[];
    }>().events;
    expect(pulls.filter((e) => e.kind === 'checkpoint')).toEqual([]);
    expect(
      pulls.some((e) => e.kind === 'pull' && e.checkpoint_uuid === first && e.result === 'success'),
    ).toBe(true);

    // Activation: a final pull brings the second checkpoint, the standby takes the bucket over.
    await post(h, '/v0/pipelines/b/activate');
    const active = await waitFor(
      h,
      'b',
      (s) => s.runtime_status === 'Running' && s.remote?.owner_is_self === true,
    );
    expect(active).toMatchObject({
      role: 'primary',
      took_over_from: expect.stringMatching(/^pipeline-/),
    });
    expect(active.sync.last_pull).toMatchObject({ pull_kind: 'final', checkpoint_uuid: second });
    const fenced = await waitFor(h, 'p', (s) => s.remote?.owner_is_self === false);
    expect(fenced.remote!.owner!.given_name).toBe('b');

    const list = (await h.app.inject('/v0/recovery')).json<{
      server_time: string;
      pipelines: RecoverySummary[];
    }>();
    expect(list.pipelines.map((s) => `${s.name}:${s.role}`).sort()).toEqual([
      'b:primary',
      'p:primary',
    ]);
    expect(Date.parse(list.server_time)).not.toBeNaN();
    for (const body of [JSON.stringify(list), JSON.stringify(history)]) {
      expect(body).not.toContain(CEPH_S3.secretKey);
    }
  });

  it('lists the recovery routes in the OpenAPI document', async () => {
    const spec = (await h.app.inject('/openapi.json')).json<{ paths: Record<string, unknown> }>();
    for (const path of [
      '/v0/recovery',
      '/v0/pipelines/{name}/recovery',
      '/v0/pipelines/{name}/recovery/history',
    ]) {
      expect(spec.paths, path).toHaveProperty([path]);
    }
    expect(spec.paths).not.toHaveProperty(['/']);
  });
});

describe('the console files with an API key', () => {
  const KEY = 'console-key-that-never-reaches-the-page-0123';
  let h: Harness;
  beforeAll(async () => {
    h = await harness(KEY);
  });
  afterAll(async () => {
    await h.app.close();
    await h.manager.shutdown(5_000);
    await h.dir.cleanup();
  });

  it('serves the page and its files without the key, and the API only with it', async () => {
    await h.app.inject({
      method: 'PUT',
      url: '/v0/pipelines/secret-named-pipeline',
      headers: { authorization: `Bearer ${KEY}` },
      payload: { runtime_config: config('bucket-x/y', { secret_key: 'canary-secret-0000000000' }) },
    });
    const page = await h.app.inject('/');
    expect(page.statusCode).toBe(200);
    expect(page.headers['content-type']).toMatch(/^text\/html/);
    expect(page.headers['content-security-policy']).toContain("script-src 'self'");
    expect(page.headers['x-frame-options']).toBe('DENY');
    const names =
      (await readFile(`${consoleAssetsDir}index.html`, 'utf8')).match(/\/ui\/[\w.-]+/g) ?? [];
    expect(names).toEqual(expect.arrayContaining(['/ui/app.js', '/ui/app.css']));
    const bodies = [
      page.body,
      (await h.app.inject('/ui/')).body,
      (await h.app.inject('/ui/pipelines/x')).body,
    ];
    for (const name of names) {
      const res = await h.app.inject(name);
      expect(res.statusCode, name).toBe(200);
      expect(res.headers['x-content-type-options']).toBe('nosniff');
      bodies.push(res.body);
    }
    for (const body of bodies) {
      expect(body).not.toContain(KEY);
      expect(body).not.toContain('secret-named-pipeline');
      expect(body).not.toContain('canary-secret');
      expect(body).not.toContain('bucket-x');
    }
    const etag = page.headers.etag as string;
    expect((await h.app.inject({ url: '/', headers: { 'if-none-match': etag } })).statusCode).toBe(
      304,
    );
    expect((await h.app.inject('/ui')).statusCode).toBe(308);
    expect((await h.app.inject('/ui/nope.js')).json()).toMatchObject({ error_code: 'NotFound' });
    expect((await h.app.inject('/ui/../pipelines.json')).statusCode).toBeGreaterThanOrEqual(400);

    for (const url of [
      '/v0/recovery',
      '/v0/pipelines/secret-named-pipeline/recovery',
      '/v0/pipelines/x/recovery/history',
    ]) {
      const res = await h.app.inject(url);
      expect(res.statusCode, url).toBe(401);
      expect(res.body).not.toContain('secret-named-pipeline/');
    }
    // Over a real connection the path is not normalised: no spelling of one reaches the API.
    await h.app.listen({ host: '127.0.0.1', port: 0 });
    const { port } = h.app.server.address() as { port: number };
    const raw = (path: string): Promise<{ status: number; body: string }> =>
      new Promise((resolve, reject) => {
        const req = request({ host: '127.0.0.1', port, path, timeout: 10_000 }, (res) => {
          let body = '';
          res.setEncoding('utf8').on('data', (d: string) => (body += d));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
        });
        req.on('error', reject);
        req.end();
      });
    for (const path of [
      '/ui/../v0/recovery',
      '/ui/%2e%2e/v0/recovery',
      '/ui/..%2f..%2fv0/pipelines',
      '/./v0/recovery',
      '//v0/recovery',
    ]) {
      const res = await raw(path);
      expect(res.body, path).not.toContain('secret-named-pipeline');
      expect(res.body, path).not.toContain('server_time');
      expect(res.status === 401 || res.body.startsWith('<!doctype html>'), path).toBe(true);
    }
    const ok = await h.app.inject({
      url: '/v0/recovery',
      headers: { authorization: `Bearer ${KEY}` },
    });
    expect(ok.statusCode).toBe(200);
    expect(ok.body).not.toContain('canary-secret');
  });
});
