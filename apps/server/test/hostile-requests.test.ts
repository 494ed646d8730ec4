// Issue 16, the server's part: hostile request bodies and paths answer a coded
// `{message, error_code, details}` 4xx, never a 500 or fastify's own error shape, and a
// definition body cannot make the registry store whatever it carries.
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import pino from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { makeTempDir } from '@feldera-sync/test-utils';
import type { TempDir } from '@feldera-sync/test-utils';
import { buildApp } from '../src/index.js';
import { PipelineManager } from '../src/pipeline-manager.js';
import { PipelineRegistry } from '../src/pipeline-registry.js';

interface Harness {
  app: Awaited<ReturnType<typeof buildApp>>;
  manager: PipelineManager;
  dir: TempDir;
}

async function harness(): Promise<Harness> {
  const dir = await makeTempDir('feldera-sync-hostile-');
  const registry = await PipelineRegistry.open(dir.path);
  const manager = new PipelineManager({
    registry,
    logger: pino({ level: 'silent' }),
    rcloneBinary: 'rclone',
  });
  const app = await buildApp({ pipelines: manager });
  return { app, manager, dir };
}

/** The error body every API answer has, with exactly these keys. */
function expectApiError(body: string, code: string): Record<string, unknown> {
  const parsed = JSON.parse(body) as Record<string, unknown>;
  expect(Object.keys(parsed).sort()).toEqual(['details', 'error_code', 'message']);
  expect(parsed.error_code).toBe(code);
  expect(typeof parsed.message).toBe('string');
  return parsed;
}

const nested = (depth: number, open: string, close: string, inner = '1'): string =>
  open.repeat(depth) + inner + close.repeat(depth);

describe('hostile requests', () => {
  let h: Harness;
  beforeEach(async () => {
    h = await harness();
  });
  afterEach(async () => {
    await h.app.close();
    await h.manager.shutdown(5_000);
    await h.dir.cleanup();
  });

  it('a 50,000-deep JSON body answers 400, not a 500 from a stack overflow', async () => {
    const deepObject = nested(50_000, '{"a":', '}');
    for (const [method, url, payload] of [
      ['PUT', '/v0/pipelines/deep', `{"runtime_config":${deepObject}}`],
      ['PUT', '/v0/pipelines/deep', `{"runtime_config":{"storage":${deepObject}}}`],
      ['POST', '/v0/pipelines', `{"name":"deep","runtime_config":${deepObject}}`],
      ['PATCH', '/v0/pipelines/deep', `{"runtime_config":${deepObject}}`],
      ['POST', '/v0/pipelines/deep/ingress/t', nested(50_000, '[', ']', '')],
    ] as const) {
      const res = await h.app.inject({
        method,
        url,
        headers: { 'content-type': 'application/json' },
        payload,
      });
      expect(res.statusCode, `${method} ${url}`).toBe(400);
      const body = expectApiError(res.body, 'InvalidRequest');
      expect(String(body.message)).toMatch(/nested deeper than \d+ levels/);
    }
    // The same nesting as newline-delimited ingress text.
    await h.app.inject({
      method: 'PUT',
      url: '/v0/pipelines/rows',
      payload: { runtime_config: {} },
    });
    await h.app.inject({ method: 'POST', url: '/v0/pipelines/rows/start' });
    for (let i = 0; i < 100; i++) {
      const st = (await h.app.inject('/v0/pipelines/rows/status')).json<{
        runtime_status: string;
      }>();
      if (st.runtime_status === 'Running') break;
      await new Promise((r) => setTimeout(r, 50));
    }
    const text = await h.app.inject({
      method: 'POST',
      url: '/v0/pipelines/rows/ingress/t',
      headers: { 'content-type': 'text/plain' },
      payload: `{"insert":${deepObject}}\n`,
    });
    expect(text.statusCode).toBe(400);
    expectApiError(text.body, 'InvalidRequest');
    // Reasonable nesting still goes through.
    const ok = await h.app.inject({
      method: 'POST',
      url: '/v0/pipelines/rows/ingress/t',
      payload: [{ insert: JSON.parse(nested(50, '{"a":', '}')) as unknown }],
    });
    expect(ok.statusCode, ok.body).toBe(200);
  });

  it('a 101-character name answers {message, error_code, details}, not fastify’s own shape', async () => {
    const name = 'a'.repeat(101);
    for (const [method, url] of [
      ['GET', `/v0/pipelines/${name}`],
      ['PUT', `/v0/pipelines/${name}`],
      ['DELETE', `/v0/pipelines/${name}`],
      ['POST', `/v0/pipelines/${name}/start`],
      ['GET', `/v0/pipelines/${name}/status`],
      ['GET', `/v0/pipelines/ok/tables/${'t'.repeat(101)}`],
    ] as const) {
      const res = await h.app.inject({
        method,
        url,
        ...(method === 'PUT' ? { payload: { runtime_config: {} } } : {}),
      });
      expect(res.statusCode, `${method} ${url}`).toBe(400);
      const body = expectApiError(res.body, 'InvalidRequest');
      expect(body.details).toMatchObject({ code: 'FST_ERR_MAX_PARAM_LENGTH' });
    }
  });

  it('folds every fastify error into the API error body', async () => {
    const cases: {
      url: string;
      method?: 'GET' | 'POST' | 'PUT';
      headers?: Record<string, string>;
      payload?: string;
      status: number;
      code: string;
      fst: string;
    }[] = [
      {
        url: '/v0/pipelines/%E0%A4%A',
        status: 400,
        code: 'InvalidRequest',
        fst: 'FST_ERR_BAD_URL',
      },
      {
        url: '/v0/pipelines/x',
        method: 'PUT',
        headers: { 'content-type': 'application/json' },
        payload: '{"runtime_config": ',
        status: 400,
        code: 'InvalidRequest',
        fst: 'FST_ERR_CTP_INVALID_JSON_BODY',
      },
      {
        url: '/v0/pipelines/x',
        method: 'PUT',
        headers: { 'content-type': 'application/json' },
        payload: '{"runtime_config": {}, "__proto__": {"x": 1}}',
        status: 400,
        code: 'InvalidRequest',
        fst: '',
      },
      {
        url: '/v0/pipelines/x',
        method: 'PUT',
        headers: { 'content-type': 'application/json', 'content-length': '5' },
        payload: '{}',
        status: 400,
        code: 'InvalidRequest',
        fst: '',
      },
    ];
    for (const c of cases) {
      const res = await h.app.inject({
        method: c.method ?? 'GET',
        url: c.url,
        ...(c.headers ? { headers: c.headers } : {}),
        ...(c.payload === undefined ? {} : { payload: c.payload }),
      });
      expect(res.statusCode, c.url).toBe(c.status);
      const body = expectApiError(res.body, c.code);
      if (c.fst) expect(body.details, c.url).toMatchObject({ code: c.fst });
    }
  });

  it('a definition cannot make the registry store megabytes: 50 MiB of unknown keys is refused', async () => {
    const registryFile = join(h.dir.path, 'pipelines.json');
    await h.app.inject({
      method: 'PUT',
      url: '/v0/pipelines/small',
      payload: { runtime_config: {} },
    });
    const before = (await stat(registryFile)).size;
    const junk: Record<string, string> = {};
    for (let i = 0; i < 51 * 1024; i++) junk[`unknown_key_${i}`] = 'x'.repeat(1000);
    const huge = JSON.stringify({ runtime_config: junk });
    expect(huge.length).toBeGreaterThan(50 * 1024 * 1024);
    for (const [method, url] of [
      ['PUT', '/v0/pipelines/big'],
      ['PATCH', '/v0/pipelines/small'],
      ['POST', '/v0/pipelines'],
    ] as const) {
      const res = await h.app.inject({
        method,
        url,
        headers: { 'content-type': 'application/json' },
        payload: method === 'POST' ? huge.replace('{', '{"name":"big",') : huge,
      });
      expect(res.statusCode, `${method} ${url}`).toBe(413);
      expectApiError(res.body, 'PayloadTooLarge');
    }
    expect((await stat(registryFile)).size).toBe(before);
    expect((await h.app.inject('/v0/pipelines/big')).statusCode).toBe(404);
  });

  it('bounds each stored field of a definition, below the body limit too', async () => {
    const registryFile = join(h.dir.path, 'pipelines.json');
    const config: Record<string, string> = {};
    for (let i = 0; i < 400; i++) config[`k${i}`] = 'x'.repeat(1000);
    for (const payload of [
      { runtime_config: config },
      { program_code: 'x'.repeat(3 * 1024 * 1024) },
      { runtime_config: {}, description: 'd'.repeat(100_000) },
      { runtime_config: {}, tags: Array.from({ length: 1001 }, (_, i) => `t${i}`) },
      { runtime_config: {}, tags: ['t'.repeat(1000)] },
      { runtime_config: {}, udf_toml: 'u'.repeat(200_000) },
      { runtime_config: {}, program_config: config },
    ]) {
      const res = await h.app.inject({ method: 'PUT', url: '/v0/pipelines/bounded', payload });
      expect(res.statusCode, Object.keys(payload).join()).toBeGreaterThanOrEqual(400);
      expect(res.statusCode).toBeLessThan(500);
      const body = JSON.parse(res.body) as { error_code: string };
      expect(['PayloadTooLarge', 'InvalidRequest']).toContain(body.error_code);
    }
    expect((await h.app.inject('/v0/pipelines/bounded')).statusCode).toBe(404);
    await stat(registryFile).then(
      (st) => expect(st.size).toBeLessThan(64 * 1024),
      () => undefined,
    );
    // A realistic definition still fits.
    const fine = await h.app.inject({
      method: 'PUT',
      url: '/v0/pipelines/bounded',
      payload: {
        name: 'bounded',
        program_code: 'CREATE TABLE t (x INT);\n'.repeat(10_000),
        runtime_config: { workers: 4, storage: { backend: { name: 'file' } } },
        description: 'a pipeline',
        tags: ['team:a', 'env:b'],
      },
    });
    expect(fine.statusCode, fine.body).toBe(201);
  });
});
