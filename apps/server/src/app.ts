import { timingSafeEqual, createHash } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import swagger from '@fastify/swagger';
import Fastify from 'fastify';
import type { RawServerDefault, FastifyBaseLogger, FastifyInstance, FastifyRequest } from 'fastify';
import { apiError, toApiError } from './api-errors.js';
import type { IngressChange, InitialMode, PipelineService } from './pipeline-service.js';
import { PIPELINE_NAME_PATTERN } from './pipeline-registry.js';

/** What `buildApp` needs; it never listens, so tests drive it with `inject()`. */
export interface AppOptions {
  pipelines: PipelineService;
  /** When set, every route but `/healthz` needs `Authorization: Bearer <apiKey>`. */
  apiKey?: string | undefined;
  /** Largest accepted request body, bytes. */
  bodyLimit?: number | undefined;
  logger?: FastifyBaseLogger | false | undefined;
  /** Extra Prometheus text appended to `/metrics` (process metrics, for example). */
  extraMetrics?: (() => string) | undefined;
}

const nameParam = {
  type: 'object',
  required: ['name'],
  properties: { name: { type: 'string', pattern: PIPELINE_NAME_PATTERN.source } },
} as const;
const tableParams = {
  type: 'object',
  required: ['name', 'table'],
  properties: {
    name: { type: 'string', pattern: PIPELINE_NAME_PATTERN.source },
    table: { type: 'string', pattern: '^[A-Za-z_][A-Za-z0-9_]{0,99}$' },
  },
} as const;
const incarnationQuery = {
  type: 'object',
  properties: { incarnation_uuid: { type: 'string', format: 'uuid' } },
  additionalProperties: false,
} as const;
const errorBody = {
  type: 'object',
  properties: {
    message: { type: 'string' },
    error_code: { type: 'string' },
    details: { type: ['object', 'null'], additionalProperties: true },
  },
} as const;

function digest(value: string): Buffer {
  return createHash('sha256').update(value).digest();
}

/** Builds the fastify app with every route; `main` listens, tests `inject()`. */
export async function buildApp(
  options: AppOptions,
): Promise<FastifyInstance<RawServerDefault, IncomingMessage, ServerResponse, FastifyBaseLogger>> {
  const app = Fastify({
    ...(options.logger ? { loggerInstance: options.logger } : { logger: false }),
    bodyLimit: options.bodyLimit ?? 64 * 1024 * 1024,
    ajv: { customOptions: { allErrors: true, coerceTypes: 'array', removeAdditional: false } },
  });
  const svc = options.pipelines;

  await app.register(swagger, {
    openapi: {
      openapi: '3.0.3',
      info: {
        title: 'feldera-sync',
        version: '0.0.0',
        description: 'Pipelines with Feldera-compatible checkpoint and checkpoint-sync endpoints.',
      },
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
      security: options.apiKey ? [{ bearer: [] }] : [],
    },
  });

  // Bodies that are not declared JSON (curl -d, newline-delimited ingress) arrive as text and are
  // parsed by the route, as Feldera's ingress accepts them whatever the content type.
  app.addContentTypeParser('*', { parseAs: 'string' }, (_req, body, done) => done(null, body));

  if (options.apiKey) {
    const expected = digest(options.apiKey);
    app.addHook('onRequest', (req: FastifyRequest, _reply, done) => {
      if (req.url === '/healthz') return done();
      const header = req.headers.authorization ?? '';
      const match = /^Bearer (.+)$/.exec(header);
      // Compare digests so the comparison is constant-time whatever the length.
      if (!match?.[1] || !timingSafeEqual(digest(match[1]), expected)) {
        return done(
          apiError('Unauthorized', 'missing or wrong API key', {
            hint: 'send Authorization: Bearer <key>',
          }),
        );
      }
      done();
    });
  }

  app.setErrorHandler((err, req, reply) => {
    let status: number;
    let body;
    const fastifyErr = err as {
      validation?: unknown;
      statusCode?: number;
      code?: string;
      message?: string;
    };
    if (fastifyErr.validation) {
      status = 400;
      body = {
        message: `invalid request: ${fastifyErr.message ?? ''}`,
        error_code: 'InvalidRequest',
        details: { validation: fastifyErr.validation },
      };
    } else if (fastifyErr.code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
      status = 413;
      body = { message: 'request body is too large', error_code: 'PayloadTooLarge', details: null };
    } else if (
      fastifyErr.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE' ||
      fastifyErr.code === 'FST_ERR_CTP_EMPTY_JSON_BODY' ||
      (fastifyErr.statusCode === 400 &&
        typeof fastifyErr.code === 'string' &&
        fastifyErr.code.startsWith('FST_'))
    ) {
      status = 400;
      body = {
        message: fastifyErr.message ?? 'bad request',
        error_code: 'InvalidRequest',
        details: null,
      };
    } else {
      ({ status, body } = toApiError(err));
      if (status >= 500)
        req.log.error(
          { err: { message: (err as Error).message, code: (err as { code?: unknown }).code } },
          'request failed',
        );
    }
    void reply.status(status).send(body);
  });
  app.setNotFoundHandler((req, reply) => {
    void reply.status(404).send({
      message: `no route ${req.method} ${req.url.split('?')[0] ?? ''}`,
      error_code: 'NotFound',
      details: null,
    });
  });

  app.get('/healthz', { schema: { hide: true } }, () => ({ status: 'ok' }));
  app.get('/metrics', { schema: { hide: true } }, (_req, reply) => {
    void reply
      .type('text/plain; version=0.0.4')
      .send(svc.metrics() + (options.extraMetrics?.() ?? ''));
  });
  app.get('/openapi.json', { schema: { hide: true } }, () => app.swagger());

  const P = '/v0/pipelines/:name';
  type NameRoute = { Params: { name: string } };

  app.get('/v0/pipelines', { schema: { summary: 'List pipelines' } }, () => svc.list());
  app.get<NameRoute>(
    P,
    {
      schema: {
        summary: 'Get a pipeline (secrets redacted)',
        params: nameParam,
        response: { 404: errorBody },
      },
    },
    (req) => svc.get(req.params.name),
  );
  app.put<{ Params: { name: string }; Body: { runtime_config: unknown } }>(
    P,
    {
      schema: {
        summary: 'Create or replace a pipeline',
        params: nameParam,
        body: {
          type: 'object',
          required: ['runtime_config'],
          properties: {
            runtime_config: { type: 'object', additionalProperties: true },
            name: { type: 'string' },
          },
        },
        response: { 400: errorBody },
      },
    },
    async (req, reply) => {
      const { descriptor, created } = await svc.put(req.params.name, req.body.runtime_config);
      return reply.status(created ? 201 : 200).send(descriptor);
    },
  );
  app.patch<{ Params: { name: string }; Body: { name?: string; runtime_config?: unknown } }>(
    P,
    {
      schema: {
        summary: 'Rename a pipeline or change its runtime config',
        params: nameParam,
        body: {
          type: 'object',
          properties: {
            name: { type: 'string', pattern: PIPELINE_NAME_PATTERN.source },
            runtime_config: { type: 'object', additionalProperties: true },
          },
          additionalProperties: false,
        },
      },
    },
    (req) => svc.patch(req.params.name, req.body),
  );
  app.delete<NameRoute>(
    P,
    { schema: { summary: 'Delete a stopped pipeline', params: nameParam } },
    async (req, reply) => {
      await svc.delete(req.params.name);
      return reply.status(200).send({});
    },
  );

  app.post<{ Params: { name: string }; Querystring: { initial?: InitialMode } }>(
    `${P}/start`,
    {
      schema: {
        summary: 'Start a pipeline',
        params: nameParam,
        querystring: {
          type: 'object',
          properties: { initial: { type: 'string', enum: ['running', 'paused', 'standby'] } },
          additionalProperties: false,
        },
      },
    },
    async (req, reply) =>
      reply.status(202).send(await svc.start(req.params.name, req.query.initial ?? 'running')),
  );
  app.post<NameRoute>(
    `${P}/stop`,
    { schema: { summary: 'Stop a pipeline', params: nameParam } },
    async (req, reply) => reply.status(202).send(await svc.stop(req.params.name)),
  );
  app.post<NameRoute>(
    `${P}/clear`,
    { schema: { summary: "Delete a stopped pipeline's local storage", params: nameParam } },
    async (req, reply) => {
      await svc.clear(req.params.name);
      return reply.status(202).send({});
    },
  );
  app.post<NameRoute>(
    `${P}/activate`,
    {
      schema: {
        summary: 'Leave standby and run from the newest pulled checkpoint',
        params: nameParam,
      },
    },
    async (req, reply) => reply.status(202).send(await svc.activate(req.params.name)),
  );
  app.get<NameRoute>(
    `${P}/status`,
    { schema: { summary: 'Runtime status', params: nameParam } },
    (req) => svc.status(req.params.name),
  );

  app.post<{
    Params: { name: string; table: string };
    Querystring: { update_format?: string; array?: boolean };
  }>(
    `${P}/ingress/:table`,
    {
      schema: {
        summary: 'Insert or delete rows (Feldera insert_delete format)',
        params: tableParams,
        querystring: {
          type: 'object',
          properties: {
            format: { type: 'string', enum: ['json'] },
            update_format: { type: 'string', enum: ['insert_delete', 'raw'] },
            array: { type: 'boolean' },
          },
        },
      },
    },
    async (req) =>
      svc.ingress(
        req.params.name,
        req.params.table,
        parseIngressBody(req.body, req.query.update_format ?? 'insert_delete'),
      ),
  );
  app.get<{ Params: { name: string; table: string } }>(
    `${P}/tables/:table`,
    {
      schema: {
        summary: "A table's rows in a stable order and its content hash",
        params: tableParams,
      },
    },
    (req) => svc.readTable(req.params.name, req.params.table),
  );

  app.post<NameRoute>(
    `${P}/checkpoint`,
    { schema: { summary: 'Take a checkpoint', params: nameParam } },
    async (req) => {
      const { checkpoint_sequence_number, incarnation_uuid } = await svc.checkpoint(
        req.params.name,
      );
      return { checkpoint_sequence_number, incarnation_uuid };
    },
  );
  app.get<{ Params: { name: string }; Querystring: { incarnation_uuid?: string } }>(
    `${P}/checkpoint_status`,
    {
      schema: {
        summary: 'Last checkpoint success and failure',
        params: nameParam,
        querystring: incarnationQuery,
      },
    },
    (req) => svc.checkpointStatus(req.params.name, req.query.incarnation_uuid),
  );
  app.post<NameRoute>(
    `${P}/checkpoint/sync`,
    {
      schema: {
        summary: 'Push the newest local checkpoint to the object store',
        params: nameParam,
      },
    },
    async (req, reply) => reply.status(202).send(await svc.sync(req.params.name)),
  );
  app.get<{ Params: { name: string }; Querystring: { incarnation_uuid?: string } }>(
    `${P}/checkpoint/sync_status`,
    {
      schema: {
        summary: 'Last manual and periodic sync results, and the running sync',
        params: nameParam,
        querystring: incarnationQuery,
      },
    },
    (req) => svc.syncStatus(req.params.name, req.query.incarnation_uuid),
  );
  app.get<NameRoute>(
    `${P}/checkpoints`,
    { schema: { summary: 'The local checkpoint catalog', params: nameParam } },
    async (req, reply) =>
      reply.type('application/json').send(await svc.localCheckpoints(req.params.name)),
  );
  app.get<NameRoute>(
    `${P}/checkpoints/remote`,
    { schema: { summary: 'The remote checkpoint catalog', params: nameParam } },
    async (req, reply) =>
      reply.type('application/json').send(await svc.remoteCheckpoints(req.params.name)),
  );

  return app;
}

/** Turns an ingress body (JSON array, one object, or newline-delimited text) into changes. */
export function parseIngressBody(body: unknown, updateFormat: string): IngressChange[] {
  let items: unknown[];
  if (typeof body === 'string' && /^\s*\[/.test(body)) {
    try {
      items = JSON.parse(body) as unknown[];
    } catch {
      throw apiError('InvalidRequest', 'the body starts like a JSON array but is not valid JSON');
    }
  } else if (typeof body === 'string') {
    items = [];
    for (const [i, line] of body.split('\n').entries()) {
      if (line.trim() === '') continue;
      try {
        items.push(JSON.parse(line));
      } catch {
        throw apiError('InvalidRequest', `line ${i + 1} of the body is not JSON`);
      }
    }
  } else if (Array.isArray(body)) {
    items = body;
  } else if (body !== null && typeof body === 'object') {
    items = [body];
  } else {
    throw apiError(
      'InvalidRequest',
      'the body must be a JSON array of changes, one change, or newline-delimited JSON',
    );
  }
  return items.map((item, i): IngressChange => {
    if (updateFormat === 'raw') return { insert: item };
    if (item !== null && typeof item === 'object' && !Array.isArray(item)) {
      const keys = Object.keys(item);
      if (keys.length === 1 && keys[0] === 'insert')
        return { insert: (item as { insert: unknown }).insert };
      if (keys.length === 1 && keys[0] === 'delete')
        return { delete: (item as { delete: unknown }).delete };
      if (keys.includes('insert') || keys.includes('delete')) {
        throw apiError(
          'InvalidRequest',
          `change ${i} must have exactly one of "insert" or "delete"`,
        );
      }
    }
    // A bare object is an insert (Feldera's raw format).
    return { insert: item };
  });
}
