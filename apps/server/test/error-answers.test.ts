// Issue 19: one error catalog per package, and the server's answer table built from them with an
// exhaustiveness check; fastify's own errors answer through the same table.
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, expectTypeOf, it } from 'vitest';
import { CheckpointErrorCodes, StoreErrorCodes } from '@feldera-sync/checkpoint';
import { ConfigErrorCodes } from '@feldera-sync/config';
import { EngineErrorCodes } from '@feldera-sync/engine';
import { CommonErrorCodes, SyncError } from '@feldera-sync/errors';
import { RcloneErrorCodes, createRcloneStore } from '@feldera-sync/rclone';
import { StandbyErrorCodes } from '@feldera-sync/standby';
import { SyncErrorCodes } from '@feldera-sync/sync';
import { CEPH_S3, createTestBucket, makeTempDir } from '@feldera-sync/test-utils';
import type { TempDir, TestBucket } from '@feldera-sync/test-utils';
import {
  API_ERRORS,
  API_ERROR_STATUS,
  ApiErrorCodes,
  ERROR_ANSWERS,
  FastifyErrorCodes,
  ServerErrorCodes,
  buildApp,
  toApiError,
} from '../src/index.js';
import type { ApiErrorCode, ServerKnownErrorCode } from '../src/index.js';
import { apiError } from '../src/api-errors.js';
import { PipelineManager } from '../src/pipeline-manager.js';
import { PipelineRegistry } from '../src/pipeline-registry.js';

const CATALOGS = {
  CommonErrorCodes,
  ConfigErrorCodes,
  CheckpointErrorCodes,
  StoreErrorCodes,
  RcloneErrorCodes,
  SyncErrorCodes,
  StandbyErrorCodes,
  EngineErrorCodes,
  ServerErrorCodes,
  FastifyErrorCodes,
};

describe('the answer table is exhaustive over every catalog', () => {
  it('is a compile error to leave a code out or to add one without an answer', () => {
    // The table's keys are exactly the union of the catalogs' codes.
    expectTypeOf<keyof typeof ERROR_ANSWERS>().toEqualTypeOf<ServerKnownErrorCode>();
    expectTypeOf<(typeof SyncErrorCodes)['invalidRemote']>().toExtend<ServerKnownErrorCode>();
    const { [SyncErrorCodes.invalidRemote]: dropped, ...withoutInvalidRemote } = ERROR_ANSWERS;
    expect(dropped).toBe(ApiErrorCodes.IntegrityError);
    // @ts-expect-error ERR_SYNC_INVALID_REMOTE has no answer in this table
    void (withoutInvalidRemote satisfies Record<ServerKnownErrorCode, ApiErrorCode>);
    // A code added to a catalog is in the union: the table lacks it until it is given an answer.
    // @ts-expect-error ERR_SYNC_SOMETHING_NEW is not in the table
    void (ERROR_ANSWERS satisfies Record<
      ServerKnownErrorCode | 'ERR_SYNC_SOMETHING_NEW',
      ApiErrorCode
    >);
  });

  it('names every code of every catalog at run time too, each with a 4xx or 5xx status', () => {
    const missing = Object.entries(CATALOGS).flatMap(([catalog, codes]) =>
      Object.values(codes as Record<string, string>)
        .filter((code) => !Object.hasOwn(ERROR_ANSWERS, code))
        .map((code) => `${catalog}: ${code}`),
    );
    expect(missing).toEqual([]);
    const all = Object.values(CATALOGS).flatMap((c) => Object.values(c as Record<string, string>));
    expect(new Set(all)).toEqual(new Set(Object.keys(ERROR_ANSWERS)));
    for (const [code, answer] of Object.entries(ERROR_ANSWERS)) {
      expect(Object.values(ApiErrorCodes), code).toContain(answer);
      expect(API_ERROR_STATUS[answer], code).toBeGreaterThanOrEqual(400);
      expect(API_ERROR_STATUS[answer], code).toBeLessThan(600);
    }
  });

  it('answers each code with its table entry, or 500 when its entry is InternalError', () => {
    for (const [code, answer] of Object.entries(ERROR_ANSWERS) as [
      ServerKnownErrorCode,
      ApiErrorCode,
    ][]) {
      const { status, body } = toApiError(new SyncError(code, `failed with ${code}`));
      expect(body.error_code, code).toBe(answer);
      expect(status, code).toBe(API_ERROR_STATUS[answer]);
      expect(body.details, code).toMatchObject({ code });
    }
  });

  it('apiError(answer) throws a code that answers with that error_code', () => {
    for (const answer of Object.values(ApiErrorCodes)) {
      if (answer === ApiErrorCodes.InternalError) continue;
      const err = apiError(answer, 'x');
      expect(toApiError(err).body.error_code, answer).toBe(answer);
      expect(API_ERRORS[answer].codes, answer).toContain(err.code);
    }
  });
});

describe('ERR_SYNC_INVALID_REMOTE', () => {
  it('answers 502 IntegrityError: the bucket holds what fails its checks, the request is fine', () => {
    const layout = new SyncError(CheckpointErrorCodes.catalogCorrupt, 'checkpoints.feldera: bad');
    const invalid = new SyncError(SyncErrorCodes.invalidRemote, 'bad catalog', { cause: layout });
    expect(toApiError(invalid)).toMatchObject({
      status: 502,
      body: { error_code: 'IntegrityError' },
    });
    // Under a wrapper, through the cause or a recorded causeCode.
    const wrapped = new SyncError(StandbyErrorCodes.finalPullFailed, 'final pull', {
      cause: invalid,
    });
    expect(toApiError(wrapped).status).toBe(502);
    const recorded = new SyncError(StandbyErrorCodes.restoreFailed, 'restore', {
      details: { causeCode: SyncErrorCodes.invalidRemote },
    });
    expect(toApiError(recorded)).toMatchObject({
      status: 502,
      body: { error_code: 'IntegrityError' },
    });
  });
});

interface Harness {
  app: Awaited<ReturnType<typeof buildApp>>;
  manager: PipelineManager;
  dir: TempDir;
}

async function harness(bodyLimit?: number): Promise<Harness> {
  const dir = await makeTempDir('feldera-sync-answers-');
  const registry = await PipelineRegistry.open(dir.path);
  const manager = new PipelineManager({
    registry,
    logger: pino({ level: 'silent' }),
    rcloneBinary: 'rclone',
  });
  const app = await buildApp({ pipelines: manager, ...(bodyLimit ? { bodyLimit } : {}) });
  return { app, manager, dir };
}

async function close(h: Harness): Promise<void> {
  await h.app.close();
  await h.manager.shutdown(5_000);
  await h.dir.cleanup();
}

/** The API error body, with exactly its three keys. */
function expectAnswer(
  res: { statusCode: number; body: string },
  status: number,
  errorCode: ApiErrorCode,
  code: string,
): Record<string, unknown> {
  expect(res.statusCode, res.body).toBe(status);
  const body = JSON.parse(res.body) as Record<string, unknown>;
  expect(Object.keys(body).sort()).toEqual(['details', 'error_code', 'message']);
  expect(body.error_code).toBe(errorCode);
  expect(typeof body.message).toBe('string');
  expect(body.details).toMatchObject({ code });
  return body;
}

describe("fastify's own errors answer through the same table", () => {
  let h: Harness;
  beforeAll(async () => {
    h = await harness(4096);
  });
  afterAll(async () => close(h));

  it('a route that does not exist: 404 NotFound, ERR_SERVER_ROUTE_NOT_FOUND', async () => {
    const res = await h.app.inject('/v0/nothing-here?x=1');
    const body = expectAnswer(res, 404, 'NotFound', ServerErrorCodes.routeNotFound);
    expect(body.message).toBe('no route GET /v0/nothing-here');
  });

  it('a schema validation failure: 400 InvalidRequest, FST_ERR_VALIDATION with where', async () => {
    await h.app.inject({ method: 'PUT', url: '/v0/pipelines/v', payload: { runtime_config: {} } });
    const res = await h.app.inject({
      method: 'POST',
      url: '/v0/pipelines/v/start?initial=sideways',
    });
    const body = expectAnswer(res, 400, 'InvalidRequest', FastifyErrorCodes.validation);
    expect(body.message).toMatch(/^invalid request: /);
    expect((body.details as { validation: unknown[] }).validation.length).toBeGreaterThan(0);
  });

  it('a body over the limit: 413 PayloadTooLarge, FST_ERR_CTP_BODY_TOO_LARGE', async () => {
    const res = await h.app.inject({
      method: 'PUT',
      url: '/v0/pipelines/big',
      payload: { runtime_config: { pad: 'x'.repeat(8192) } },
    });
    expectAnswer(res, 413, 'PayloadTooLarge', FastifyErrorCodes.bodyTooLarge);
  });

  it('a body that is not JSON: 400 InvalidRequest, FST_ERR_CTP_INVALID_JSON_BODY', async () => {
    const res = await h.app.inject({
      method: 'PUT',
      url: '/v0/pipelines/x',
      headers: { 'content-type': 'application/json' },
      payload: '{"runtime_config": ',
    });
    expectAnswer(res, 400, 'InvalidRequest', FastifyErrorCodes.invalidJsonBody);
  });

  it('the same answers over a real socket on 127.0.0.1', async () => {
    const real = await harness();
    const app = real.app;
    try {
      await app.listen({ host: '127.0.0.1', port: 0 });
      const address = app.server.address();
      if (address === null || typeof address === 'string') throw new Error('no port');
      const base = `http://127.0.0.1:${address.port}`;
      const signal = AbortSignal.timeout(10_000);
      const notFound = await fetch(`${base}/v0/nope`, { signal });
      expectAnswer(
        { statusCode: notFound.status, body: await notFound.text() },
        404,
        'NotFound',
        ServerErrorCodes.routeNotFound,
      );
      const badJson = await fetch(`${base}/v0/pipelines/x`, {
        method: 'PUT',
        headers: { 'content-type': 'application/json' },
        body: '{',
        signal,
      });
      expectAnswer(
        { statusCode: badJson.status, body: await badJson.text() },
        400,
        'InvalidRequest',
        FastifyErrorCodes.invalidJsonBody,
      );
      const badUrl = await fetch(`${base}/v0/pipelines/%E0%A4%A`, { signal });
      expectAnswer(
        { statusCode: badUrl.status, body: await badUrl.text() },
        400,
        'InvalidRequest',
        FastifyErrorCodes.badUrl,
      );
    } finally {
      await close(real);
    }
  });
});

describe('a damaged catalog in the bucket over HTTP (Ceph RGW)', () => {
  let h: Harness;
  let bucket: TestBucket;
  beforeAll(async () => {
    bucket = await createTestBucket(CEPH_S3);
    h = await harness();
  });
  afterAll(async () => {
    await close(h);
    await bucket.remove();
  });

  it('GET .../checkpoints/remote answers 502 IntegrityError with ERR_SYNC_INVALID_REMOTE, not a 500', async () => {
    const store = createRcloneStore({
      binary: 'rclone',
      remote: {
        provider: 'Ceph',
        endpoint: CEPH_S3.endpoint,
        accessKey: CEPH_S3.accessKey,
        secretKey: CEPH_S3.secretKey,
        bucket: `${bucket.bucket}/p`,
      },
    });
    await store.putSmall('checkpoints.feldera', '{"not": "a catalog"');
    const put = await h.app.inject({
      method: 'PUT',
      url: '/v0/pipelines/damaged',
      payload: {
        runtime_config: {
          storage: {
            backend: {
              name: 'file',
              config: {
                sync: {
                  endpoint: CEPH_S3.endpoint,
                  bucket: `${bucket.bucket}/p`,
                  provider: 'Ceph',
                  access_key: CEPH_S3.accessKey,
                  secret_key: CEPH_S3.secretKey,
                },
              },
            },
          },
        },
      },
    });
    expect(put.statusCode, put.body).toBeLessThan(300);
    const res = await h.app.inject('/v0/pipelines/damaged/checkpoints/remote');
    const body = expectAnswer(res, 502, 'IntegrityError', SyncErrorCodes.invalidRemote);
    expect(body.details).toMatchObject({ layoutCode: CheckpointErrorCodes.catalogCorrupt });
    expect(res.body).not.toContain(CEPH_S3.secretKey);
  });
});
