/**
 * The recovery routes: every pipeline's recovery state in one answer (what the console polls), one
 * pipeline's, and its recent checkpoint, push and pull events. Public API like every other route:
 * same auth, same error body, in the OpenAPI document.
 */
import type { FastifyInstance } from 'fastify';
import { HISTORY_CAPACITY } from './recovery-history.js';
import type { PipelineService } from './pipeline-service.js';
import { PIPELINE_NAME_PATTERN } from './pipeline-registry.js';

const nameParam = {
  type: 'object',
  required: ['name'],
  properties: { name: { type: 'string', pattern: PIPELINE_NAME_PATTERN.source } },
} as const;
const str = { type: 'string' } as const;
const nstr = { type: ['string', 'null'] } as const;
const nnum = { type: ['number', 'null'] } as const;
const apiError = {
  type: ['object', 'null'],
  properties: { message: str, error_code: str },
} as const;
const syncFailure = {
  type: ['object', 'null'],
  properties: { uuid: str, error: str },
} as const;
const checkpointRef = {
  type: ['object', 'null'],
  description: 'A checkpoint: its UUID, when it was taken (its UUIDv7 time) and its age',
  properties: {
    uuid: str,
    taken_at: nstr,
    age_secs: nnum,
    size: nnum,
    steps: nnum,
  },
} as const;
const recoveryEvent = {
  type: 'object',
  properties: {
    seq: { type: 'integer' },
    kind: { type: 'string', enum: ['checkpoint', 'push', 'pull'] },
    result: { type: 'string', enum: ['success', 'failure'] },
    at: { type: 'string', description: 'When it ended' },
    checkpoint_uuid: nstr,
    checkpoint_time: nstr,
    bytes: nnum,
    duration_ms: nnum,
    pull_kind: { type: ['string', 'null'], enum: ['standby', 'final', 'restore', null] },
    error: nstr,
  },
} as const;
const nullableEvent = { ...recoveryEvent, type: ['object', 'null'] } as const;

/** `RecoverySummary` (recovery-view.ts). */
export const recoverySummarySchema = {
  type: 'object',
  properties: {
    name: str,
    system_name: str,
    role: {
      type: 'string',
      enum: ['primary', 'standby', 'stopped', 'failed'],
      description:
        'primary: running or paused (or starting to); standby: standing by (or activating); stopped; failed',
    },
    runtime_status: str,
    runtime_desired_status: str,
    incarnation_uuid: nstr,
    error: apiError,
    sync_configured: { type: 'boolean' },
    standby_configured: { type: 'boolean' },
    pull_interval_secs: nnum,
    push_interval_secs: nnum,
    local: {
      type: 'object',
      properties: { newest: checkpointRef, count: { type: 'integer' }, error: nstr },
    },
    remote: {
      type: ['object', 'null'],
      description:
        "What this server last read from the pipeline's `bucket` (read in the background at most every 15 s; null without sync)",
      properties: {
        bucket: str,
        newest: checkpointRef,
        count: nnum,
        owner: {
          type: ['object', 'null'],
          description: "The bucket's owner.json",
          properties: { pipeline_name: str, given_name: str, created_at: nstr },
        },
        owner_is_self: { type: ['boolean', 'null'] },
        checked_at: nstr,
        error: apiError,
      },
    },
    standby: {
      type: ['object', 'null'],
      properties: {
        last_pull_at: nstr,
        pulled: checkpointRef,
        lag_secs: {
          type: ['number', 'null'],
          description: "How much older the pulled checkpoint is than the bucket's newest",
        },
        consecutive_pull_failures: { type: 'integer' },
        last_pull_error: nstr,
      },
    },
    sync: {
      type: 'object',
      properties: {
        manual_success: nstr,
        manual_failure: syncFailure,
        periodic_success: nstr,
        periodic_failure: syncFailure,
        last_success_at: nstr,
        last_push: nullableEvent,
        last_pull: nullableEvent,
      },
    },
    transfer: {
      type: ['object', 'null'],
      description: 'The running push or pull',
      properties: {
        operation: { type: 'string', enum: ['push', 'pull', 'verify'] },
        uuid: str,
        phase: str,
        bytes_done: { type: 'number' },
        bytes_total: { type: 'number' },
        objects_done: { type: 'number' },
        objects_total: { type: 'number' },
        speed_bytes_per_sec: { type: 'number' },
        eta_secs: nnum,
      },
    },
    restored_from: {
      type: ['object', 'null'],
      properties: { uuid: nstr, source: str },
    },
    took_over_from: nstr,
    history_seq: {
      type: 'integer',
      description: 'The newest `seq` of `.../recovery/history`: fetch it again when this changed',
    },
  },
} as const;

const errorBody = {
  type: 'object',
  properties: {
    message: str,
    error_code: str,
    details: { type: ['object', 'null'], additionalProperties: true },
  },
} as const;

/** Registers `GET /v0/recovery`, `GET .../recovery` and `GET .../recovery/history`. */
export function registerRecoveryRoutes(app: FastifyInstance, svc: PipelineService): void {
  app.get(
    '/v0/recovery',
    {
      schema: {
        summary: "Every pipeline's recovery state at a glance",
        description:
          'Role, runtime status, incarnation, newest local and bucket checkpoints with their age, the bucket owner, a standby lag, the last syncs and pulls, the running transfer. One request for every pipeline: what the console polls.',
        response: {
          200: {
            type: 'object',
            properties: {
              server_time: str,
              pipelines: { type: 'array', items: recoverySummarySchema },
            },
          },
        },
      },
    },
    async () => ({ server_time: new Date().toISOString(), pipelines: await svc.recoveryList() }),
  );
  app.get<{ Params: { name: string } }>(
    '/v0/pipelines/:name/recovery',
    {
      schema: {
        summary: "One pipeline's recovery state",
        params: nameParam,
        response: { 200: recoverySummarySchema, 404: errorBody },
      },
    },
    (req) => svc.recovery(req.params.name),
  );
  app.get<{ Params: { name: string }; Querystring: { after?: number; limit?: number } }>(
    '/v0/pipelines/:name/recovery/history',
    {
      schema: {
        summary: 'Recent checkpoints taken, pushes and pulls, oldest first',
        description: `Kept in memory by this server (the newest ${HISTORY_CAPACITY} events per pipeline, since the server started). \`after\` answers only events with a greater \`seq\`.`,
        params: nameParam,
        querystring: {
          type: 'object',
          properties: {
            after: { type: 'integer', minimum: 0 },
            limit: { type: 'integer', minimum: 1, maximum: HISTORY_CAPACITY },
          },
          additionalProperties: false,
        },
        response: {
          200: {
            type: 'object',
            properties: {
              events: { type: 'array', items: recoveryEvent },
              last_seq: { type: 'integer' },
              capacity: { type: 'integer' },
            },
          },
          404: errorBody,
        },
      },
    },
    (req) => svc.recoveryHistory(req.params.name, req.query.after ?? 0, req.query.limit),
  );
}
