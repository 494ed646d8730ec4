import { SyncError, isSyncError } from '@feldera-sync/errors';

/**
 * Every error the HTTP API answers, in one place: the Feldera-style `error_code`, the status, and
 * the internal SyncError codes that map to it. The record is exhaustive over `ApiErrorCode`.
 */
export const API_ERRORS = {
  UnknownPipelineName: { status: 404, codes: ['ERR_SERVER_UNKNOWN_PIPELINE'] },
  UnknownTable: { status: 404, codes: ['ERR_ENGINE_UNKNOWN_TABLE'] },
  InvalidRuntimeConfig: { status: 400, codes: ['ERR_CONFIG_INVALID'] },
  InvalidRequest: { status: 400, codes: ['ERR_SERVER_INVALID_REQUEST'] },
  InvalidTransition: {
    status: 400,
    codes: ['ERR_SERVER_INVALID_TRANSITION', 'ERR_STANDBY_INVALID_TRANSITION'],
  },
  IncarnationUuidMismatch: { status: 400, codes: ['ERR_SERVER_INCARNATION_MISMATCH'] },
  PipelineNotRunning: { status: 400, codes: ['ERR_SERVER_NOT_RUNNING'] },
  DuplicateName: { status: 409, codes: ['ERR_SERVER_DUPLICATE_NAME'] },
  InvalidBootstrapConfig: { status: 400, codes: ['ERR_SERVER_INVALID_BOOTSTRAP_CONFIG'] },
  CannotStartWithUndismissedError: { status: 400, codes: ['ERR_SERVER_UNDISMISSED_ERROR'] },
  PipelineNotStopped: { status: 400, codes: ['ERR_SERVER_NOT_STOPPED'] },
  NoCheckpointToSync: {
    status: 400,
    codes: ['ERR_SERVER_NO_CHECKPOINT', 'ERR_SYNC_CHECKPOINT_NOT_FOUND'],
  },
  SyncNotConfigured: { status: 400, codes: ['ERR_SERVER_SYNC_NOT_CONFIGURED'] },
  CheckpointNotFound: { status: 404, codes: ['ERR_SYNC_NO_CHECKPOINT'] },
  BucketOwnedByAnotherPipeline: {
    status: 409,
    codes: ['ERR_SYNC_OWNER_MISMATCH', 'ERR_SYNC_OWNER_CHANGED'],
  },
  ObjectStoreAuth: { status: 502, codes: ['ERR_STORE_AUTH'] },
  ObjectStoreUnavailable: {
    status: 502,
    codes: [
      'ERR_STORE_NETWORK',
      'ERR_STORE_TIMEOUT',
      'ERR_STORE_BUCKET_NOT_FOUND',
      'ERR_STORE_STALLED',
      'ERR_STORE_UNAVAILABLE',
      'ERR_SYNC_UPLOAD_INCOMPLETE',
    ],
  },
  IntegrityError: {
    status: 502,
    codes: ['ERR_SYNC_INTEGRITY', 'ERR_SYNC_INVALID_REMOTE', 'ERR_STORE_TOO_LARGE'],
  },
  InsufficientStorage: { status: 507, codes: ['ERR_DISK_FULL'] },
  StorageFailure: { status: 500, codes: ['ERR_DISK_IO', 'ERR_SYNC_INVALID_LOCAL'] },
  StorageInUse: { status: 409, codes: ['ERR_CHECKPOINT_LOCKED', 'ERR_SYNC_FOREIGN_CHECKPOINTS'] },
  Unauthorized: { status: 401, codes: ['ERR_SERVER_UNAUTHORIZED'] },
  PayloadTooLarge: { status: 413, codes: ['ERR_SERVER_PAYLOAD_TOO_LARGE'] },
  NotFound: { status: 404, codes: ['ERR_SERVER_ROUTE_NOT_FOUND'] },
  ShuttingDown: { status: 503, codes: ['ERR_SERVER_SHUTTING_DOWN'] },
  Cancelled: { status: 409, codes: ['ERR_ABORTED'] },
  InternalError: { status: 500, codes: [] },
} as const satisfies Record<string, { status: number; codes: readonly string[] }>;

/** The `error_code` values the API can answer. */
export type ApiErrorCode = keyof typeof API_ERRORS;

const byInternalCode = new Map<string, ApiErrorCode>();
for (const [apiCode, entry] of Object.entries(API_ERRORS) as [
  ApiErrorCode,
  (typeof API_ERRORS)[ApiErrorCode],
][]) {
  for (const code of entry.codes) byInternalCode.set(code, apiCode);
}

/** The JSON body of every error answer. */
export interface ApiErrorBody {
  message: string;
  error_code: string;
  details: Record<string, unknown> | null;
}

/**
 * The API code of an error: its own code's, else its root cause's (a wrapper such as
 * `ERR_STANDBY_FINAL_PULL_FAILED` answers as the `ERR_STORE_AUTH` under it, through `cause` or the
 * `details.causeCode` a recorded failure keeps).
 */
function apiCodeOf(err: SyncError): ApiErrorCode {
  let current: unknown = err;
  for (let depth = 0; depth < 8 && isSyncError(current); depth++) {
    const own = byInternalCode.get(current.code);
    if (own) return own;
    const recorded = current.details?.causeCode;
    const viaDetails = typeof recorded === 'string' ? byInternalCode.get(recorded) : undefined;
    if (viaDetails) return viaDetails;
    current = current.cause;
  }
  return 'InternalError';
}

/** Maps any thrown value to a status and a Feldera-style error body. Unknown errors become 500s without internals. */
export function toApiError(err: unknown): { status: number; body: ApiErrorBody } {
  if (isSyncError(err)) {
    const apiCode = apiCodeOf(err);
    const status = API_ERRORS[apiCode].status;
    const message = err.hint ? `${err.message} (hint: ${err.hint})` : err.message;
    return {
      status,
      body: { message, error_code: apiCode, details: { ...(err.details ?? {}), code: err.code } },
    };
  }
  return {
    status: 500,
    body: { message: 'internal server error', error_code: 'InternalError', details: null },
  };
}

/** Creates a SyncError whose code maps to the given API error code. */
export function apiError(
  apiCode: Exclude<ApiErrorCode, 'InternalError'>,
  message: string,
  details?: Record<string, unknown>,
): SyncError {
  const code = API_ERRORS[apiCode].codes[0];
  return new SyncError(code, message, details === undefined ? {} : { details });
}
