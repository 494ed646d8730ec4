import { CheckpointErrorCodes, StoreErrorCodes } from '@feldera-sync/checkpoint';
import type { CheckpointErrorCode, StoreErrorCode } from '@feldera-sync/checkpoint';
import { ConfigErrorCodes } from '@feldera-sync/config';
import type { ConfigErrorCode } from '@feldera-sync/config';
import { EngineErrorCodes } from '@feldera-sync/engine';
import type { EngineErrorCode } from '@feldera-sync/engine';
import { CommonErrorCodes, SyncError, isSyncError } from '@feldera-sync/errors';
import type { CommonErrorCode } from '@feldera-sync/errors';
import { RcloneErrorCodes } from '@feldera-sync/rclone';
import type { RcloneErrorCode } from '@feldera-sync/rclone';
import { StandbyErrorCodes } from '@feldera-sync/standby';
import type { StandbyErrorCode } from '@feldera-sync/standby';
import { SyncErrorCodes } from '@feldera-sync/sync';
import type { SyncErrorCode } from '@feldera-sync/sync';
import { ApiErrorCodes, FastifyErrorCodes, ServerErrorCodes } from './error-codes.js';
import type { ApiErrorCode, FastifyErrorCode, ServerErrorCode } from './error-codes.js';

export { ApiErrorCodes, FastifyErrorCodes, ServerErrorCodes };
export type { ApiErrorCode, FastifyErrorCode, ServerErrorCode };

/**
 * Every error code that can reach the server's error handlers: each package's catalog (the
 * server's dependencies), the server's own, and fastify's. `ERROR_ANSWERS` must name each one.
 */
export type ServerKnownErrorCode =
  | CommonErrorCode
  | ConfigErrorCode
  | CheckpointErrorCode
  | StoreErrorCode
  | RcloneErrorCode
  | SyncErrorCode
  | StandbyErrorCode
  | EngineErrorCode
  | ServerErrorCode
  | FastifyErrorCode;

/** The HTTP status of each `error_code`. */
export const API_ERROR_STATUS = {
  UnknownPipelineName: 404,
  UnknownTable: 404,
  InvalidRuntimeConfig: 400,
  InvalidRequest: 400,
  InvalidTransition: 400,
  IncarnationUuidMismatch: 400,
  PipelineNotRunning: 400,
  DuplicateName: 409,
  InvalidBootstrapConfig: 400,
  CannotStartWithUndismissedError: 400,
  PipelineNotStopped: 400,
  NoCheckpointToSync: 400,
  SyncNotConfigured: 400,
  CheckpointNotFound: 404,
  BucketOwnedByAnotherPipeline: 409,
  ObjectStoreAuth: 502,
  ObjectStoreUnavailable: 502,
  // The bucket answered, but with content that fails its checks (a size or hash mismatch, a
  // catalog or manifest that does not parse): the upstream's fault, not the request's.
  IntegrityError: 502,
  InsufficientStorage: 507,
  StorageFailure: 500,
  StorageInUse: 409,
  Unauthorized: 401,
  PayloadTooLarge: 413,
  NotFound: 404,
  ShuttingDown: 503,
  Cancelled: 409,
  InternalError: 500,
} as const satisfies Record<ApiErrorCode, number>;

const A = ApiErrorCodes;

/**
 * The `error_code` each error code answers with, exhaustive over `ServerKnownErrorCode`: a new
 * code in any package's catalog is a compile error here until it is given an answer.
 * `InternalError` means the code has no answer of its own: the answer is its cause's (through
 * `cause` or a recorded `details.causeCode`), else a 500.
 */
export const ERROR_ANSWERS = {
  // @feldera-sync/errors
  [CommonErrorCodes.aborted]: A.Cancelled,
  [CommonErrorCodes.diskFull]: A.InsufficientStorage,
  [CommonErrorCodes.diskIo]: A.StorageFailure,
  // @feldera-sync/config
  [ConfigErrorCodes.invalid]: A.InvalidRuntimeConfig,
  // @feldera-sync/checkpoint: the ObjectStore port
  [StoreErrorCodes.auth]: A.ObjectStoreAuth,
  [StoreErrorCodes.bucketNotFound]: A.ObjectStoreUnavailable,
  [StoreErrorCodes.notFound]: A.InternalError,
  [StoreErrorCodes.network]: A.ObjectStoreUnavailable,
  [StoreErrorCodes.preconditionFailed]: A.InternalError,
  [StoreErrorCodes.timeout]: A.ObjectStoreUnavailable,
  [StoreErrorCodes.tooLarge]: A.IntegrityError,
  [StoreErrorCodes.stalled]: A.ObjectStoreUnavailable,
  [StoreErrorCodes.unavailable]: A.ObjectStoreUnavailable,
  [StoreErrorCodes.other]: A.InternalError,
  // @feldera-sync/checkpoint: the layout (the synchroniser re-codes most as ERR_SYNC_INVALID_*)
  [CheckpointErrorCodes.catalogCorrupt]: A.InternalError,
  [CheckpointErrorCodes.catalogMissing]: A.InternalError,
  [CheckpointErrorCodes.dependenciesCorrupt]: A.InternalError,
  [CheckpointErrorCodes.stateCorrupt]: A.InternalError,
  [CheckpointErrorCodes.manifestCorrupt]: A.InternalError,
  [CheckpointErrorCodes.ownerCorrupt]: A.InternalError,
  [CheckpointErrorCodes.invalidUuid]: A.InternalError,
  [CheckpointErrorCodes.invalidPath]: A.InternalError,
  [CheckpointErrorCodes.io]: A.InternalError,
  [CheckpointErrorCodes.notFound]: A.InternalError,
  [CheckpointErrorCodes.locked]: A.StorageInUse,
  // @feldera-sync/rclone (beyond the port's codes)
  [RcloneErrorCodes.usage]: A.InternalError,
  [RcloneErrorCodes.binaryNotFound]: A.InternalError,
  [RcloneErrorCodes.localNotFound]: A.InternalError,
  [RcloneErrorCodes.localChanged]: A.StorageFailure,
  // @feldera-sync/sync
  [SyncErrorCodes.ownerMismatch]: A.BucketOwnedByAnotherPipeline,
  [SyncErrorCodes.ownerChanged]: A.BucketOwnedByAnotherPipeline,
  [SyncErrorCodes.checkpointNotFound]: A.NoCheckpointToSync,
  [SyncErrorCodes.noCheckpoint]: A.CheckpointNotFound,
  [SyncErrorCodes.integrity]: A.IntegrityError,
  [SyncErrorCodes.invalidRemote]: A.IntegrityError,
  [SyncErrorCodes.invalidLocal]: A.StorageFailure,
  [SyncErrorCodes.retentionRefused]: A.InternalError,
  [SyncErrorCodes.foreignCheckpoints]: A.StorageInUse,
  [SyncErrorCodes.uploadIncomplete]: A.ObjectStoreUnavailable,
  [SyncErrorCodes.closed]: A.InternalError,
  // @feldera-sync/standby (the *_FAILED codes wrap the error that answers)
  [StandbyErrorCodes.finalPullFailed]: A.InternalError,
  [StandbyErrorCodes.invalidTransition]: A.InvalidTransition,
  [StandbyErrorCodes.requiresCheckpoint]: A.InternalError,
  [StandbyErrorCodes.invalidConfig]: A.InternalError,
  [StandbyErrorCodes.restoreFailed]: A.InternalError,
  [StandbyErrorCodes.noCheckpoint]: A.InternalError,
  [StandbyErrorCodes.intentFailed]: A.InternalError,
  [StandbyErrorCodes.takeoverFailed]: A.InternalError,
  [StandbyErrorCodes.markerFailed]: A.InternalError,
  [StandbyErrorCodes.engineFailed]: A.InternalError,
  [StandbyErrorCodes.stopped]: A.InternalError,
  [StandbyErrorCodes.uncodedPullFailure]: A.InternalError,
  // @feldera-sync/engine
  [EngineErrorCodes.CORRUPT_FILE]: A.InternalError,
  [EngineErrorCodes.MISSING_FILE]: A.InternalError,
  [EngineErrorCodes.HASH_MISMATCH]: A.InternalError,
  [EngineErrorCodes.INVALID_TABLE]: A.InternalError,
  [EngineErrorCodes.INVALID_ROW]: A.InternalError,
  [EngineErrorCodes.UNKNOWN_TABLE]: A.UnknownTable,
  [EngineErrorCodes.NOT_OPEN]: A.InternalError,
  [EngineErrorCodes.ALREADY_OPEN]: A.InternalError,
  [EngineErrorCodes.IO]: A.InternalError,
  // the server
  [ServerErrorCodes.unknownPipeline]: A.UnknownPipelineName,
  [ServerErrorCodes.invalidRequest]: A.InvalidRequest,
  [ServerErrorCodes.invalidTransition]: A.InvalidTransition,
  [ServerErrorCodes.incarnationMismatch]: A.IncarnationUuidMismatch,
  [ServerErrorCodes.notRunning]: A.PipelineNotRunning,
  [ServerErrorCodes.duplicateName]: A.DuplicateName,
  [ServerErrorCodes.invalidBootstrapConfig]: A.InvalidBootstrapConfig,
  [ServerErrorCodes.undismissedError]: A.CannotStartWithUndismissedError,
  [ServerErrorCodes.notStopped]: A.PipelineNotStopped,
  [ServerErrorCodes.noCheckpoint]: A.NoCheckpointToSync,
  [ServerErrorCodes.syncNotConfigured]: A.SyncNotConfigured,
  [ServerErrorCodes.unauthorized]: A.Unauthorized,
  [ServerErrorCodes.payloadTooLarge]: A.PayloadTooLarge,
  [ServerErrorCodes.routeNotFound]: A.NotFound,
  [ServerErrorCodes.shuttingDown]: A.ShuttingDown,
  [ServerErrorCodes.startFailed]: A.InternalError,
  [ServerErrorCodes.registryCorrupt]: A.InternalError,
  [ServerErrorCodes.apiKeyFile]: A.InternalError,
  [ServerErrorCodes.apiKeyRequired]: A.InternalError,
  [ServerErrorCodes.apiKeyWeak]: A.InternalError,
  // fastify's own errors
  [FastifyErrorCodes.validation]: A.InvalidRequest,
  [FastifyErrorCodes.notFound]: A.NotFound,
  [FastifyErrorCodes.bodyTooLarge]: A.PayloadTooLarge,
  [FastifyErrorCodes.invalidMediaType]: A.InvalidRequest,
  [FastifyErrorCodes.invalidContentLength]: A.InvalidRequest,
  [FastifyErrorCodes.emptyJsonBody]: A.InvalidRequest,
  [FastifyErrorCodes.invalidJsonBody]: A.InvalidRequest,
  [FastifyErrorCodes.invalidBody]: A.InvalidRequest,
  [FastifyErrorCodes.badUrl]: A.InvalidRequest,
  [FastifyErrorCodes.invalidUrl]: A.InvalidRequest,
  [FastifyErrorCodes.maxParamLength]: A.InvalidRequest,
  [FastifyErrorCodes.missingContentType]: A.InvalidRequest,
  [FastifyErrorCodes.missingContent]: A.InvalidRequest,
  [FastifyErrorCodes.handlerTimeout]: A.InternalError,
} as const satisfies Record<ServerKnownErrorCode, ApiErrorCode>;

/** The codes whose answer is `A`. */
export type CodesAnswering<Answer extends ApiErrorCode> = {
  [C in ServerKnownErrorCode]: (typeof ERROR_ANSWERS)[C] extends Answer ? C : never;
}[ServerKnownErrorCode];

/**
 * The code `apiError(answer, ...)` throws for each `error_code`; the type makes it a code that
 * answers with that `error_code`.
 */
const PRIMARY_CODE = {
  UnknownPipelineName: ServerErrorCodes.unknownPipeline,
  UnknownTable: EngineErrorCodes.UNKNOWN_TABLE,
  InvalidRuntimeConfig: ConfigErrorCodes.invalid,
  InvalidRequest: ServerErrorCodes.invalidRequest,
  InvalidTransition: ServerErrorCodes.invalidTransition,
  IncarnationUuidMismatch: ServerErrorCodes.incarnationMismatch,
  PipelineNotRunning: ServerErrorCodes.notRunning,
  DuplicateName: ServerErrorCodes.duplicateName,
  InvalidBootstrapConfig: ServerErrorCodes.invalidBootstrapConfig,
  CannotStartWithUndismissedError: ServerErrorCodes.undismissedError,
  PipelineNotStopped: ServerErrorCodes.notStopped,
  NoCheckpointToSync: ServerErrorCodes.noCheckpoint,
  SyncNotConfigured: ServerErrorCodes.syncNotConfigured,
  CheckpointNotFound: SyncErrorCodes.noCheckpoint,
  BucketOwnedByAnotherPipeline: SyncErrorCodes.ownerMismatch,
  ObjectStoreAuth: StoreErrorCodes.auth,
  ObjectStoreUnavailable: StoreErrorCodes.network,
  IntegrityError: SyncErrorCodes.integrity,
  InsufficientStorage: CommonErrorCodes.diskFull,
  StorageFailure: CommonErrorCodes.diskIo,
  StorageInUse: CheckpointErrorCodes.locked,
  Unauthorized: ServerErrorCodes.unauthorized,
  PayloadTooLarge: ServerErrorCodes.payloadTooLarge,
  NotFound: ServerErrorCodes.routeNotFound,
  ShuttingDown: ServerErrorCodes.shuttingDown,
  Cancelled: CommonErrorCodes.aborted,
} as const satisfies { [Answer in Exclude<ApiErrorCode, 'InternalError'>]: CodesAnswering<Answer> };

/**
 * Every `error_code` with its status and the codes that answer with it (derived from
 * `ERROR_ANSWERS` and `API_ERROR_STATUS`; `InternalError` lists the codes answered by their cause).
 */
export const API_ERRORS: Readonly<
  Record<ApiErrorCode, { status: number; codes: readonly ServerKnownErrorCode[] }>
> = (() => {
  const table = Object.fromEntries(
    (Object.keys(API_ERROR_STATUS) as ApiErrorCode[]).map((answer) => [
      answer,
      { status: API_ERROR_STATUS[answer], codes: [] as ServerKnownErrorCode[] },
    ]),
  ) as Record<ApiErrorCode, { status: number; codes: ServerKnownErrorCode[] }>;
  for (const [code, answer] of Object.entries(ERROR_ANSWERS) as [
    ServerKnownErrorCode,
    ApiErrorCode,
  ][])
    table[answer].codes.push(code);
  return table;
})();

/** True when `code` is one `ERROR_ANSWERS` names. */
export function isServerKnownErrorCode(code: string): code is ServerKnownErrorCode {
  return Object.hasOwn(ERROR_ANSWERS, code);
}

/** The `error_code` of an error code, or undefined for one no catalog names. */
export function answerOfCode(code: string): ApiErrorCode | undefined {
  return isServerKnownErrorCode(code) ? ERROR_ANSWERS[code] : undefined;
}

/** The JSON body of every error answer. */
export interface ApiErrorBody {
  message: string;
  error_code: string;
  details: Record<string, unknown> | null;
}

/** An answer of its own for `code`: its `error_code` unless that is `InternalError`. */
function ownAnswer(code: unknown): ApiErrorCode | undefined {
  if (typeof code !== 'string') return undefined;
  const answer = answerOfCode(code);
  return answer === A.InternalError ? undefined : answer;
}

/**
 * The API code of an error: its own code's, else its root cause's (a wrapper such as
 * `ERR_STANDBY_FINAL_PULL_FAILED` answers as the `ERR_STORE_AUTH` under it, through `cause` or the
 * `details.causeCode` a recorded failure keeps).
 */
function apiCodeOf(err: SyncError): ApiErrorCode {
  let current: unknown = err;
  for (let depth = 0; depth < 8 && isSyncError(current); depth++) {
    const own = ownAnswer(current.code) ?? ownAnswer(current.details?.causeCode);
    if (own) return own;
    current = current.cause;
  }
  return A.InternalError;
}

/** Maps any thrown value to a status and a Feldera-style error body. Unknown errors become 500s without internals. */
export function toApiError(err: unknown): { status: number; body: ApiErrorBody } {
  if (isSyncError(err)) {
    const apiCode = apiCodeOf(err);
    const status = API_ERROR_STATUS[apiCode];
    const message = err.hint ? `${err.message} (hint: ${err.hint})` : err.message;
    return {
      status,
      body: { message, error_code: apiCode, details: { ...(err.details ?? {}), code: err.code } },
    };
  }
  return {
    status: 500,
    body: { message: 'internal server error', error_code: A.InternalError, details: null },
  };
}

/**
 * What fastify's own errors (`FST_*`: routing, body parsing, limits, validation) answer: the
 * API's error body, with the `error_code` of `ERROR_ANSWERS`; an `FST_` code no catalog names
 * answers by its status class. `details.code` is the fastify code.
 */
export function frameworkError(err: {
  code?: string;
  statusCode?: number;
  message?: string;
  validation?: unknown;
}): { status: number; body: ApiErrorBody } {
  const code = err.code ?? 'FST_ERR';
  const status = err.statusCode ?? 500;
  const apiCode =
    answerOfCode(code) ??
    (status >= 500 ? A.InternalError : status === 404 ? A.NotFound : A.InvalidRequest);
  const details: Record<string, unknown> =
    err.validation === undefined ? { code } : { code, validation: err.validation };
  let message: string;
  if (apiCode === A.InternalError) message = 'internal server error';
  else if (code === FastifyErrorCodes.bodyTooLarge) message = 'request body is too large';
  else if (code === FastifyErrorCodes.maxParamLength)
    message =
      'a path segment is longer than 100 characters: pipeline and table names have at most 100';
  else if (code === FastifyErrorCodes.validation) message = `invalid request: ${err.message ?? ''}`;
  else message = err.message ?? 'bad request';
  return { status: API_ERROR_STATUS[apiCode], body: { message, error_code: apiCode, details } };
}

/** Creates a SyncError whose code maps to the given API error code. */
export function apiError(
  apiCode: Exclude<ApiErrorCode, 'InternalError'>,
  message: string,
  details?: Record<string, unknown>,
): SyncError {
  return new SyncError(PRIMARY_CODE[apiCode], message, details === undefined ? {} : { details });
}
