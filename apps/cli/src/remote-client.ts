import { ERR_ABORTED, SyncError } from '@feldera-sync/errors';
import { isKnownErrorCode } from './exit-codes.js';
import { ApiErrorCodes } from '@feldera-sync/server/error-codes';
import { CliErrorCodes } from './error-codes.js';

/** Default server URL of `remote ...` when neither `--url` nor `FELDERA_SYNC_URL` is given. */
export const DEFAULT_SERVER_URL = 'http://127.0.0.1:8080';

/** Answer of `POST /v0/pipelines/{name}/checkpoint/sync`. */
export interface SyncRequestAnswer {
  checkpoint_uuid: string;
  incarnation_uuid: string;
}

/** Answer of `GET .../checkpoint/sync_status` (extra fields kept). */
export interface SyncStatusAnswer {
  success: string | null;
  failure: { uuid: string; error: string } | null;
  periodic: string | null;
  progress?: {
    uuid: string;
    bytes_done: number;
    bytes_total: number;
    objects_done: number;
    objects_total: number;
    speed_bytes_per_sec: number;
  } | null;
  [key: string]: unknown;
}

/** Answer of `GET .../status` (extra fields kept). */
export interface PipelineStatusAnswer {
  runtime_status: string;
  incarnation_uuid: string | null;
  [key: string]: unknown;
}

/** How to reach a server. */
export interface RemoteClientOptions {
  url: string;
  apiKey?: string | undefined;
  fetch: typeof fetch;
  signal?: AbortSignal | undefined;
}

/** A Feldera-style error answer turned into a coded error; `status` and `errorCode` kept in details. */
export class RemoteApiError extends SyncError {
  readonly status: number;
  readonly errorCode: string;
  readonly body: unknown;

  constructor(status: number, errorCode: string, message: string, body: unknown, code: string) {
    super(code, message, { details: { status, error_code: errorCode, body } });
    this.name = 'RemoteApiError';
    this.status = status;
    this.errorCode = errorCode;
    this.body = body;
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The CLI error code for an HTTP error answer: the server's internal code, its `error_code`, or one from the status. */
export function errorCodeForAnswer(status: number, body: unknown): string {
  if (isRecord(body)) {
    const details = body.details;
    if (isRecord(details) && typeof details.code === 'string' && isKnownErrorCode(details.code))
      return details.code;
    if (typeof body.error_code === 'string' && isKnownErrorCode(body.error_code))
      return body.error_code;
  }
  if (status === 401 || status === 403) return ApiErrorCodes.Unauthorized;
  if (status === 404) return ApiErrorCodes.NotFound;
  if (status === 409) return ApiErrorCodes.InvalidTransition;
  if (status === 400 || status === 413 || status === 422) return ApiErrorCodes.InvalidRequest;
  if (status === 502 || status === 503 || status === 504)
    return ApiErrorCodes.ObjectStoreUnavailable;
  return CliErrorCodes.http;
}

/** Builds the error for a non-2xx answer. */
export function remoteApiError(
  method: string,
  url: string,
  status: number,
  body: unknown,
): RemoteApiError {
  const message =
    isRecord(body) && typeof body.message === 'string' ? body.message : `HTTP ${status}`;
  const errorCode =
    isRecord(body) && typeof body.error_code === 'string' ? body.error_code : `HTTP${status}`;
  return new RemoteApiError(
    status,
    errorCode,
    `${method} ${url} failed (${status} ${errorCode}): ${message}`,
    body,
    errorCodeForAnswer(status, body),
  );
}

/** True when `err` is the server's `IncarnationUuidMismatch` answer. */
export function isIncarnationMismatch(err: unknown): err is RemoteApiError {
  return err instanceof RemoteApiError && err.errorCode === ApiErrorCodes.IncarnationUuidMismatch;
}

/** A small client for the Feldera-compatible pipeline endpoints of a feldera-sync server. */
export class RemoteClient {
  readonly #options: RemoteClientOptions;

  constructor(options: RemoteClientOptions) {
    this.#options = { ...options, url: options.url.replace(/\/+$/, '') };
  }

  /** `POST /v0/pipelines/{name}/checkpoint/sync`. */
  requestSync(pipeline: string): Promise<SyncRequestAnswer> {
    return this.#call(
      'POST',
      `${this.#pipelinePath(pipeline)}/checkpoint/sync`,
    ) as Promise<SyncRequestAnswer>;
  }

  /** `GET .../checkpoint/sync_status[?incarnation_uuid=]`. */
  syncStatus(pipeline: string, incarnationUuid?: string): Promise<SyncStatusAnswer> {
    const query = incarnationUuid ? `?incarnation_uuid=${encodeURIComponent(incarnationUuid)}` : '';
    return this.#call(
      'GET',
      `${this.#pipelinePath(pipeline)}/checkpoint/sync_status${query}`,
    ) as Promise<SyncStatusAnswer>;
  }

  /** `POST .../activate`. */
  activate(pipeline: string): Promise<unknown> {
    return this.#call('POST', `${this.#pipelinePath(pipeline)}/activate`);
  }

  /** `GET .../status`. */
  status(pipeline: string): Promise<PipelineStatusAnswer> {
    return this.#call(
      'GET',
      `${this.#pipelinePath(pipeline)}/status`,
    ) as Promise<PipelineStatusAnswer>;
  }

  #pipelinePath(pipeline: string): string {
    return `/v0/pipelines/${encodeURIComponent(pipeline)}`;
  }

  async #call(method: 'GET' | 'POST', path: string): Promise<unknown> {
    const url = `${this.#options.url}${path}`;
    const headers: Record<string, string> = { accept: 'application/json' };
    if (this.#options.apiKey) headers.authorization = `Bearer ${this.#options.apiKey}`;
    let response: Response;
    try {
      response = await this.#options.fetch(url, {
        method,
        headers,
        signal: this.#options.signal ?? null,
      });
    } catch (err) {
      if (this.#options.signal?.aborted)
        throw new SyncError(ERR_ABORTED, `${method} ${url} was cancelled`, { cause: err });
      const reason =
        err instanceof Error && err.cause instanceof Error ? err.cause.message : String(err);
      throw new SyncError(CliErrorCodes.httpNetwork, `cannot reach ${url}: ${reason}`, {
        cause: err,
        hint: 'check that the server is running and --url (or FELDERA_SYNC_URL) points at it',
      });
    }
    const text = await response.text();
    let body: unknown = text;
    if (text.length > 0) {
      try {
        body = JSON.parse(text);
      } catch {
        body = text;
      }
    }
    if (!response.ok) throw remoteApiError(method, url, response.status, body);
    return body;
  }
}
