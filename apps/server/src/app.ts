import { timingSafeEqual, createHash } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { PassThrough } from 'node:stream';
import swagger from '@fastify/swagger';
import Fastify from 'fastify';
import type {
  RawServerDefault,
  FastifyBaseLogger,
  FastifyInstance,
  FastifyReply,
  FastifyRequest,
} from 'fastify';
import { consoleAssetsDir } from '@feldera-sync/console';
import { SyncError } from '@feldera-sync/errors';
import {
  ApiErrorCodes,
  FastifyErrorCodes,
  ServerErrorCodes,
  apiError,
  frameworkError,
  toApiError,
} from './api-errors.js';
import { isConsoleRoute, registerConsoleRoutes } from './console-assets.js';
import { DEFINITION_BODY_LIMIT } from './definition-limits.js';
import type { BootstrapPolicy } from './feldera-view.js';
import type {
  IngressChange,
  InitialMode,
  PipelineInput,
  PipelinePatch,
  PipelineService,
} from './pipeline-service.js';
import { assertJsonDepth } from './json-limits.js';
import { PIPELINE_NAME_PATTERN } from './pipeline-registry.js';
import { registerRecoveryRoutes } from './recovery-routes.js';
import { SERVER_VERSION } from './version.js';

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
  /** The console's built files, served under `/` and `/ui/`; false serves no console. */
  consoleDir?: string | false | undefined;
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
const selectorQuery = {
  type: 'object',
  properties: {
    selector: {
      type: 'string',
      enum: ['all', 'status', 'status_with_connectors'],
      description: 'Accepted for Feldera clients; every selector answers every field',
    },
  },
} as const;
const nullableString = { type: ['string', 'null'] } as const;
const nullableObject = { type: ['object', 'null'], additionalProperties: true } as const;
const tagsSchema = { type: ['array', 'null'], items: { type: 'string' }, maxItems: 1000 } as const;
/** Feldera's `PostPutPipeline` (create and full update), plus this server's `runtime_config`-only body. */
const pipelineInputBody = {
  type: 'object',
  properties: {
    name: { type: 'string' },
    runtime_config: nullableObject,
    program_code: nullableString,
    udf_rust: nullableString,
    udf_toml: nullableString,
    program_config: nullableObject,
    description: nullableString,
    tags: tagsSchema,
  },
} as const;
/** Feldera's `PatchPipeline`: null or missing fields are left as they are. */
const pipelinePatchBody = {
  type: 'object',
  properties: {
    name: { type: ['string', 'null'], pattern: PIPELINE_NAME_PATTERN.source },
    runtime_config: nullableObject,
    program_code: nullableString,
    udf_rust: nullableString,
    udf_toml: nullableString,
    program_config: nullableObject,
    description: nullableString,
    tags: tagsSchema,
  },
  additionalProperties: false,
} as const;
const deploymentErrorSchema = {
  type: ['object', 'null'],
  properties: errorBody.properties,
  additionalProperties: true,
} as const;
/** The pipeline object: this server's fields and the fields of Feldera's `PipelineSelectedInfo`. */
const pipelineObject = {
  type: 'object',
  properties: {
    name: { type: 'string' },
    system_name: { type: 'string', description: '`pipeline-<id>`; never changes' },
    id: { type: 'string', description: "Feldera's pipeline id (the UUID of `system_name`)" },
    description: { type: 'string' },
    tags: { type: 'array', items: { type: 'string' } },
    created_at: { type: 'string' },
    updated_at: { type: 'string' },
    version: { type: 'integer' },
    refresh_version: { type: 'integer' },
    platform_version: { type: 'string' },
    runtime_config: { type: 'object', additionalProperties: true },
    warnings: { type: 'array', items: { type: 'string' } },
    program_code: { type: 'string' },
    udf_rust: { type: 'string' },
    udf_toml: { type: 'string' },
    program_config: { type: 'object', additionalProperties: true },
    program_version: { type: 'integer' },
    program_status: {
      type: 'string',
      description: 'Always `Success`: there is no SQL program to compile here',
    },
    program_status_since: { type: 'string' },
    program_error: { type: 'object', additionalProperties: true },
    program_info: { type: ['object', 'null'], additionalProperties: true },
    deployment_status: {
      type: 'string',
      enum: ['Stopped', 'Initializing', 'Standby', 'Paused', 'Running', 'Stopping'],
    },
    deployment_status_since: { type: 'string' },
    deployment_desired_status: {
      type: 'string',
      enum: ['Stopped', 'Standby', 'Paused', 'Running'],
    },
    deployment_desired_status_since: { type: 'string' },
    deployment_error: deploymentErrorSchema,
    deployment_id: nullableString,
    deployment_initial: { type: ['string', 'null'], enum: ['Standby', 'Paused', 'Running', null] },
    deployment_resources_status: { type: 'string', enum: ['Stopped', 'Provisioned', 'Stopping'] },
    deployment_resources_status_since: { type: 'string' },
    deployment_resources_desired_status: { type: 'string', enum: ['Stopped', 'Provisioned'] },
    deployment_resources_desired_status_since: { type: 'string' },
    deployment_runtime_status: {
      type: ['string', 'null'],
      enum: ['Standby', 'Initializing', 'Paused', 'Running', null],
    },
    deployment_runtime_status_details: nullableObject,
    deployment_runtime_status_since: nullableString,
    deployment_runtime_desired_status: {
      type: ['string', 'null'],
      enum: ['Standby', 'Paused', 'Running', null],
    },
    deployment_runtime_desired_status_since: nullableString,
    storage_status: { type: 'string', enum: ['Cleared', 'InUse'] },
    storage_status_details: { type: 'null' },
    bootstrap_policy: {
      type: ['string', 'null'],
      enum: ['allow', 'reject', 'await_approval', null],
    },
    silent_bootstrap: { type: 'boolean' },
    concurrent_bootstrap: { type: 'boolean' },
  },
  additionalProperties: true,
} as const;

/** Bytes a log follower may leave unread before it is dropped. */
const LOG_FOLLOWER_BUFFER = 8 * 1024 * 1024;

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
    // Errors raised before a route runs (a bad URL, a path segment over 100 characters) answer
    // the API's error body too.
    frameworkErrors: (err, _req, reply) => {
      const { status, body } = frameworkError(err);
      void (reply as FastifyReply).status(status).send(body);
    },
  });
  const definitionBodyLimit = Math.min(DEFINITION_BODY_LIMIT, options.bodyLimit ?? Infinity);
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
  // Feldera's Python client sends `Content-Type: application/json` on every request, with no body
  // on start, stop, clear, checkpoint, DELETE...: an empty JSON body is no body.
  const defaultJsonParser = app.getDefaultJsonParser('error', 'error');
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (req, body, done) => {
    const text = typeof body === 'string' ? body : body.toString('utf8');
    if (text.trim() === '') {
      done(null, undefined);
      return;
    }
    try {
      assertJsonDepth(text);
    } catch (err) {
      done(err as Error, undefined);
      return;
    }
    void defaultJsonParser(req, text, done);
  });

  // Streaming log answers stay open until their client leaves; end them when the app closes.
  const logStreams = new Set<PassThrough>();
  app.addHook('preClose', (done) => {
    for (const stream of logStreams) stream.end();
    done();
  });

  if (options.apiKey) {
    const expected = digest(options.apiKey);
    app.addHook('onRequest', (req: FastifyRequest, _reply, done) => {
      // The console's files are code without data; the page asks for the key before any API call.
      if (req.url === '/healthz' || isConsoleRoute(req.routeOptions.url)) return done();
      const header = req.headers.authorization ?? '';
      const match = /^Bearer (.+)$/.exec(header);
      // Compare digests so the comparison is constant-time whatever the length.
      if (!match?.[1] || !timingSafeEqual(digest(match[1]), expected)) {
        return done(
          apiError(ApiErrorCodes.Unauthorized, 'missing or wrong API key', {
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
      ({ status, body } = frameworkError({ ...fastifyErr, code: FastifyErrorCodes.validation }));
    } else if (typeof fastifyErr.code === 'string' && fastifyErr.code.startsWith('FST_')) {
      ({ status, body } = frameworkError(fastifyErr));
    } else if (
      !('code' in (err as object)) &&
      fastifyErr.statusCode !== undefined &&
      fastifyErr.statusCode >= 400 &&
      fastifyErr.statusCode < 500
    ) {
      // A body parser's own 4xx (a JSON body with a forbidden `__proto__` key, say).
      ({ status, body } = frameworkError({ ...fastifyErr, code: FastifyErrorCodes.invalidBody }));
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
    const { status, body } = toApiError(
      new SyncError(
        ServerErrorCodes.routeNotFound,
        `no route ${req.method} ${req.url.split('?')[0] ?? ''}`,
      ),
    );
    void reply.status(status).send(body);
  });

  app.get('/healthz', { schema: { hide: true } }, () => ({ status: 'ok' }));
  app.get('/metrics', { schema: { hide: true } }, (_req, reply) => {
    void reply
      .type('text/plain; version=0.0.4')
      .send(svc.metrics() + (options.extraMetrics?.() ?? ''));
  });
  app.get('/openapi.json', { schema: { hide: true } }, () => app.swagger());
  if (options.consoleDir !== false)
    registerConsoleRoutes(app, options.consoleDir ?? consoleAssetsDir);
  registerRecoveryRoutes(app, svc);

  app.get(
    '/v0/config',
    {
      schema: {
        summary: 'Server configuration (Feldera `GET /v0/config`)',
        description:
          'What a Feldera client reads first: `version` and `edition`. The edition is `Enterprise` because this server implements the enterprise features the client gates on it (checkpoint sync, standby, `stop?force=false`).',
        response: {
          200: {
            type: 'object',
            properties: {
              server: { type: 'string' },
              edition: { type: 'string', enum: ['Enterprise', 'Open source'] },
              version: { type: 'string' },
              revision: { type: 'string' },
              runtime_revision: { type: 'string' },
              changelog_url: { type: 'string' },
              unstable_features: nullableString,
              license_validity: { type: 'null' },
              update_info: { type: 'null' },
            },
            additionalProperties: true,
          },
        },
      },
    },
    () => ({
      server: 'feldera-sync',
      edition: 'Enterprise',
      version: SERVER_VERSION,
      revision: '',
      runtime_revision: '',
      changelog_url: '',
      unstable_features: null,
      license_validity: null,
      update_info: null,
    }),
  );

  // Feldera's client probes this after a 502 answer: healthy means the 502 was the answer itself
  // (an object store's error), so it retries at once instead of waiting 90 s for an upgrade.
  const startedAt = new Date().toISOString();
  app.get(
    '/v0/cluster_healthz',
    {
      schema: {
        summary: 'Health of the server (Feldera `GET /v0/cluster_healthz`)',
        response: {
          200: {
            type: 'object',
            properties: { all_healthy: { type: 'boolean' } },
            additionalProperties: true,
          },
        },
      },
    },
    () => {
      const service = {
        healthy: true,
        message: 'feldera-sync server is running',
        unchanged_since: startedAt,
        checked_at: new Date().toISOString(),
      };
      return { all_healthy: true, api: service, compiler: service, runner: service };
    },
  );

  const P = '/v0/pipelines/:name';
  type NameRoute = { Params: { name: string } };

  app.get(
    '/v0/pipelines',
    {
      schema: {
        summary: 'List pipelines',
        querystring: selectorQuery,
        response: { 200: { type: 'array', items: pipelineObject } },
      },
    },
    () => svc.list(),
  );
  app.post<{ Body: PipelineInput }>(
    '/v0/pipelines',
    {
      bodyLimit: definitionBodyLimit,
      schema: {
        summary:
          'Create a pipeline (Feldera `POST /v0/pipelines`); 409 `DuplicateName` when it exists',
        body: { ...pipelineInputBody, required: ['name'] },
        response: { 201: pipelineObject, 400: errorBody, 409: errorBody },
      },
    },
    async (req, reply) => reply.status(201).send(await svc.create(req.body)),
  );
  app.get<NameRoute>(
    P,
    {
      schema: {
        summary: 'Get a pipeline (secrets redacted)',
        params: nameParam,
        querystring: selectorQuery,
        response: { 200: pipelineObject, 404: errorBody },
      },
    },
    (req) => svc.get(req.params.name),
  );
  app.put<{ Params: { name: string }; Body: PipelineInput }>(
    P,
    {
      bodyLimit: definitionBodyLimit,
      schema: {
        summary: 'Create or replace a pipeline',
        description:
          "Feldera's full update: fields left out get their empty values. A `name` other than the path's renames the pipeline.",
        params: nameParam,
        // This server's own clients send `runtime_config` alone; Feldera's always send `program_code`.
        body: {
          ...pipelineInputBody,
          anyOf: [{ required: ['runtime_config'] }, { required: ['program_code'] }],
        },
        response: { 200: pipelineObject, 201: pipelineObject, 400: errorBody },
      },
    },
    async (req, reply) => {
      const { descriptor, created } = await svc.put(req.params.name, req.body);
      return reply.status(created ? 201 : 200).send(descriptor);
    },
  );
  app.patch<{ Params: { name: string }; Body: PipelinePatch }>(
    P,
    {
      bodyLimit: definitionBodyLimit,
      schema: {
        summary: 'Rename a pipeline or change some of its fields',
        description: 'A null or missing field is left as it is (Feldera `PATCH`).',
        params: nameParam,
        body: pipelinePatchBody,
        response: { 200: pipelineObject },
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

  app.post<{
    Params: { name: string };
    Querystring: {
      initial?: InitialMode;
      dismiss_error?: boolean;
      bootstrap_policy?: BootstrapPolicy;
      silent_bootstrap?: boolean;
      concurrent_bootstrap?: boolean;
    };
  }>(
    `${P}/start`,
    {
      schema: {
        summary: 'Start a pipeline',
        description:
          "`dismiss_error=false` refuses to start while a deployment error is set (Feldera's default is true). The bootstrap parameters are accepted and recorded: there is no program change to bootstrap here.",
        params: nameParam,
        querystring: {
          type: 'object',
          properties: {
            initial: { type: 'string', enum: ['running', 'paused', 'standby'] },
            dismiss_error: { type: 'boolean' },
            bootstrap_policy: { type: 'string', enum: ['allow', 'reject', 'await_approval'] },
            silent_bootstrap: { type: 'boolean' },
            concurrent_bootstrap: { type: 'boolean' },
          },
          additionalProperties: false,
        },
      },
    },
    async (req, reply) => {
      const q = req.query;
      const status = await svc.start(req.params.name, q.initial ?? 'running', {
        dismissError: q.dismiss_error ?? true,
        bootstrap: {
          bootstrap_policy: q.bootstrap_policy ?? 'await_approval',
          silent_bootstrap: q.silent_bootstrap ?? false,
          concurrent_bootstrap: q.concurrent_bootstrap ?? false,
        },
      });
      return reply.status(202).send(status);
    },
  );
  app.post<{ Params: { name: string }; Querystring: { force?: boolean } }>(
    `${P}/stop`,
    {
      schema: {
        summary: 'Stop a pipeline',
        description:
          '`force=false` takes a checkpoint first (the pipeline keeps running when that fails); `force=true` stops at once. Without `force` the pipeline stops at once, as this server always did.',
        params: nameParam,
        querystring: {
          type: 'object',
          properties: { force: { type: 'boolean' } },
          additionalProperties: false,
        },
      },
    },
    async (req, reply) =>
      reply.status(202).send(await svc.stop(req.params.name, { force: req.query.force })),
  );
  app.post<NameRoute>(
    `${P}/pause`,
    {
      schema: {
        summary: 'Pause a running pipeline (a paused one stays paused)',
        params: nameParam,
      },
    },
    async (req, reply) => reply.status(202).send(await svc.pause(req.params.name)),
  );
  app.post<NameRoute>(
    `${P}/resume`,
    {
      schema: {
        summary: 'Resume a paused pipeline (a running one keeps running)',
        params: nameParam,
      },
    },
    async (req, reply) => reply.status(202).send(await svc.resume(req.params.name)),
  );
  app.post<NameRoute>(
    `${P}/dismiss_error`,
    {
      schema: {
        summary: "Dismiss a stopped pipeline's deployment error",
        params: nameParam,
        response: { 200: { type: 'string' } },
      },
    },
    (req, reply) => {
      svc.dismissError(req.params.name);
      // A JSON string, as Feldera answers (a bare string would go out as text/plain).
      return reply
        .type('application/json; charset=utf-8')
        .send(JSON.stringify('Pipeline deployment error has been dismissed'));
    },
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
  app.get<NameRoute>(
    `${P}/stats`,
    {
      schema: {
        summary: "A running pipeline's counters (the parts of Feldera's `/stats` that apply)",
        params: nameParam,
        response: {
          200: {
            type: 'object',
            properties: {
              global_metrics: { type: 'object', additionalProperties: true },
              suspend_error: { type: 'null' },
              permanent_checkpoint_errors: { type: 'null' },
              inputs: { type: 'array', items: {} },
              outputs: { type: 'array', items: {} },
            },
            additionalProperties: true,
          },
        },
      },
    },
    (req) => svc.stats(req.params.name),
  );
  app.get<NameRoute>(
    `${P}/logs`,
    {
      schema: {
        summary: "The pipeline's log: buffered lines, then new ones until the client disconnects",
        params: nameParam,
        produces: ['text/plain'],
      },
    },
    (req, reply) => {
      const stream = new PassThrough();
      const { backlog, unsubscribe } = svc.followLogs(req.params.name, (line) => {
        if (line === null) {
          stream.end('Logs have ended\n');
        } else if (!stream.write(line + '\n') && stream.writableLength > LOG_FOLLOWER_BUFFER) {
          // A follower that does not read is dropped rather than buffered without bound.
          stream.end();
        }
      });
      logStreams.add(stream);
      stream.once('close', () => {
        unsubscribe();
        logStreams.delete(stream);
      });
      stream.write(backlog.map((line) => line + '\n').join(''));
      return reply
        .type('text/plain; charset=utf-8')
        .header('x-content-type-options', 'nosniff')
        .header('cache-control', 'no-cache')
        .send(stream);
    },
  );

  app.post<{
    Params: { name: string; table: string };
    Querystring: { update_format?: string; array?: boolean };
  }>(
    `${P}/ingress/:table`,
    {
      schema: {
        summary: 'Insert or delete rows (Feldera insert_delete or raw format)',
        description:
          'Answers once the rows are applied, with a completion `token` (complete at once).',
        params: tableParams,
        querystring: {
          type: 'object',
          properties: {
            format: { type: 'string', enum: ['json'] },
            update_format: { type: 'string', enum: ['insert_delete', 'raw'] },
            array: { type: 'boolean' },
            force: { type: 'boolean' },
            json_flavor: { type: 'string', enum: ['default', 'pandas'] },
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
  app.get<{ Params: { name: string }; Querystring: { token: string } }>(
    `${P}/completion_status`,
    {
      schema: {
        summary: 'Whether the input a completion token stands for is processed',
        params: nameParam,
        querystring: {
          type: 'object',
          required: ['token'],
          properties: { token: { type: 'string', maxLength: 200 } },
          additionalProperties: false,
        },
        response: {
          200: {
            type: 'object',
            properties: {
              status: { type: 'string', enum: ['complete', 'inprogress'] },
              step: { type: ['integer', 'null'] },
            },
          },
        },
      },
    },
    (req) => svc.completionStatus(req.params.name, req.query.token),
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
  if (typeof body === 'string') assertJsonDepth(body);
  let items: unknown[];
  if (typeof body === 'string' && /^\s*\[/.test(body)) {
    try {
      items = JSON.parse(body) as unknown[];
    } catch {
      throw apiError(
        ApiErrorCodes.InvalidRequest,
        'the body starts like a JSON array but is not valid JSON',
      );
    }
  } else if (typeof body === 'string') {
    items = [];
    for (const [i, line] of body.split('\n').entries()) {
      if (line.trim() === '') continue;
      try {
        items.push(JSON.parse(line));
      } catch {
        throw apiError(ApiErrorCodes.InvalidRequest, `line ${i + 1} of the body is not JSON`);
      }
    }
  } else if (Array.isArray(body)) {
    items = body;
  } else if (body !== null && typeof body === 'object') {
    items = [body];
  } else {
    throw apiError(
      ApiErrorCodes.InvalidRequest,
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
          ApiErrorCodes.InvalidRequest,
          `change ${i} must have exactly one of "insert" or "delete"`,
        );
      }
    }
    // A bare object is an insert (Feldera's raw format).
    return { insert: item };
  });
}
