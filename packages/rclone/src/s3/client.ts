import * as http from 'node:http';
import * as https from 'node:https';
import { isSyncError } from '@feldera-sync/errors';
import { rcloneError, RcloneErrorCodes, tooLargeError } from '../errors.js';
import type { RcloneLogger } from '../logger.js';
import type { Redactor } from '../redact.js';
import type { PutIfAbsentOutcome } from './conditional-put.js';
import { putIfAbsentOutcome } from './conditional-put.js';
import {
  deleteBatches,
  deleteObjectsProblem,
  deleteObjectsXml,
  md5Base64,
} from './delete-objects.js';
import { encodeRfc3986, encodeS3Path, sha256Hex, signV4 } from './sign.js';

/**
 * Small-object requests (GET, PUT, HEAD, create-only PUT, DeleteObjects) sent directly to the S3 endpoint,
 * signed with SigV4, path-style, over a keep-alive connection pool. A round trip costs one
 * HTTP request instead of an rclone process (~0.1 CPU-s and 0.15-0.5 s on a 2-core machine).
 * Bulk transfers and listings stay on rclone.
 *
 * Requests go through `node:http(s)`, not `fetch`: fetch copies every request body (undici's
 * `extractBody`) and wraps it in web streams; direct uploads of 430 MiB of small batch files to Ceph
 * cost 2.9 CPU-s through it against 1.2 s here (a profiling script; the push's figures are in
 * BENCHMARKS.md).
 */

/** What the direct client needs: endpoint and explicit keys (env-auth stays on rclone). */
export interface DirectS3Config {
  endpoint: string;
  region: string;
  accessKey: string;
  secretKey: string;
  bucket: string;
  /** Prefix inside the bucket (`''` or ends with `/`). */
  keyPrefix: string;
  /** Headers added to every PUT (e.g. `x-amz-server-side-encryption`). */
  putHeaders: Readonly<Record<string, string>>;
  /** Whole-request cap (config `timeouts.requestMs`). */
  requestMs: number;
  /** No response headers within this long: a network error, as rclone's `--timeout` (default 5 min). */
  responseMs: number;
  /** Attempts for network errors and 5xx answers (rclone's `--low-level-retries`, at most 3). */
  attempts: number;
  redact: Redactor;
  description: string;
  logger?: RcloneLogger | undefined;
}

/** Where and as whom requests go: one bucket location with explicit keys. */
export type S3Target = Pick<
  DirectS3Config,
  'endpoint' | 'region' | 'accessKey' | 'secretKey' | 'bucket' | 'keyPrefix'
>;

/** The direct client bound to one bucket location. */
export interface DirectS3 {
  /** The object, or null when absent; larger than `maxBytes` fails with `ERR_STORE_TOO_LARGE`. */
  get(key: string, signal?: AbortSignal, maxBytes?: number): Promise<Uint8Array | null>;
  /**
   * Writes the object. `sha256` is the body's hex SHA-256 when the caller already knows it (a push
   * has hashed the file for its manifest): it is signed as the payload hash instead of hashing the
   * body again, and the store refuses a body that does not match it (`XAmzContentSHA256Mismatch`).
   */
  put(key: string, body: Uint8Array, signal?: AbortSignal, sha256?: string): Promise<void>;
  head(key: string, signal?: AbortSignal): Promise<{ size: number; modTime?: string } | null>;
  /** Create-only PUT (`If-None-Match: *`): see `putIfAbsentOutcome`. */
  putIfAbsent(key: string, body: Uint8Array, signal?: AbortSignal): Promise<PutIfAbsentOutcome>;
  /** Deletes keys with DeleteObjects, up to 1000 per request; absent keys are not an error. */
  delete(keys: readonly string[], signal?: AbortSignal): Promise<void>;
}

const EMPTY_SHA256 = sha256Hex('');

/** One request of the client. */
interface RequestSpec {
  method: 'GET' | 'PUT' | 'HEAD' | 'POST';
  /** Object key under the prefix; null addresses the bucket itself (`?delete`). */
  key: string | null;
  what: string;
  query?: Readonly<Record<string, string>> | undefined;
  headers?: Readonly<Record<string, string>> | undefined;
  body?: Uint8Array | undefined;
  signal?: AbortSignal | undefined;
  /** A successful answer's body is refused past this many bytes. */
  maxBytes?: number | undefined;
  range?: string | undefined;
  /** One attempt only: a create-only PUT must not be repeated. */
  once?: boolean | undefined;
  /** The body's hex SHA-256, when the caller knows it already. */
  payloadSha256?: string | undefined;
}

/** An answer, its body read (and bounded). */
interface DirectResponse {
  status: number;
  ok: boolean;
  /** A response header's value, or null. */
  header(name: string): string | null;
  bytes: Uint8Array;
}

/** An answer whose body has not been read yet. */
interface RawResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: http.IncomingMessage;
}

/** A read of the answer's body broke off: the connection closed before it was complete. */
const BODY_BROKEN = 'connection closed before the answer was complete';

/**
 * Connections are kept open for the next request, for at most this long idle: a server's own idle
 * timeout would otherwise close one just as it is reused (undici's default is the same 4 s). A
 * server's `Keep-Alive: timeout=` hint shortens it (Node's agent honours it).
 */
const IDLE_SOCKET_MS = 4_000;

/** Sends one request and resolves with the answer's status and headers; the body is the caller's to read. */
function send(
  agent: http.Agent,
  url: URL,
  method: string,
  path: string,
  headers: Record<string, string>,
  body: Uint8Array | undefined,
  signal: AbortSignal,
): Promise<RawResponse> {
  const client = url.protocol === 'https:' ? https : http;
  return new Promise<RawResponse>((resolve, reject) => {
    const req = client.request(
      {
        protocol: url.protocol,
        hostname: url.hostname,
        port: url.port,
        method,
        path,
        headers,
        agent,
        signal,
      },
      (res) => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: res }),
    );
    req.on('error', reject);
    // The body goes to the socket as it is: no copy.
    req.end(body);
  });
}

/** Server errors and throttling (429, 503 SlowDown): tried again after a jittered backoff. */
const RETRYABLE_STATUS = new Set([429, 500, 502, 503, 504]);

/** The first slice of a bounded read; most catalogs and manifests fit in it. */
const FIRST_RANGE_BYTES = 256 * 1024;

/** An error answer's XML is short; more than this is not read. */
const ERROR_BODY_BYTES = 64 * 1024;

/**
 * A response body, refusing one longer than `maxBytes` from its Content-Length or, when that is
 * absent or lies, as soon as the bytes read pass the bound (the rest is never read).
 */
async function readBody(
  response: RawResponse,
  maxBytes: number | undefined,
  tooLarge: () => Error,
): Promise<Uint8Array> {
  const declared = Number(response.headers['content-length'] ?? NaN);
  if (maxBytes !== undefined && Number.isFinite(declared) && declared > maxBytes) {
    response.body.destroy();
    throw tooLarge();
  }
  const chunks: Buffer[] = [];
  let total = 0;
  try {
    // Leaving the loop early (throw) destroys the stream: nothing more is read from the socket.
    for await (const chunk of response.body as AsyncIterable<Buffer>) {
      total += chunk.byteLength;
      if (maxBytes !== undefined && total > maxBytes) throw tooLarge();
      chunks.push(chunk);
    }
  } catch (error) {
    if (isSyncError(error)) throw error;
    throw new Error(`${BODY_BROKEN}: ${error instanceof Error ? error.message : String(error)}`, {
      cause: error,
    });
  }
  const all = chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, total);
  // A plain view, not a Buffer: callers compare and decode bytes, whatever the transport.
  return new Uint8Array(all.buffer, all.byteOffset, all.byteLength);
}

class RetryableError extends Error {}

/** Creates the direct client. */
export function createDirectS3(config: DirectS3Config): DirectS3 {
  const url = new URL(config.endpoint);
  const basePath = url.pathname.replace(/\/+$/, '');
  const where = `${config.description}`;
  const agent = new (url.protocol === 'https:' ? https.Agent : http.Agent)({
    keepAlive: true,
    timeout: IDLE_SOCKET_MS,
    // The most recently used connection first: the least likely to have been closed by the server.
    scheduling: 'lifo',
  });

  /**
   * The one request path: signs, sends, bounds the body, retries network errors, 5xx and 429
   * (SlowDown) after a jittered backoff unless `once`, and maps cancel and timeout to typed errors.
   * Other answers come back for the caller to interpret (`failed` maps a 4xx).
   */
  const request = async (spec: RequestSpec): Promise<DirectResponse> => {
    const { method, what, body, signal, maxBytes, range } = spec;
    const key = spec.key;
    const path =
      basePath +
      (key === null
        ? `/${encodeRfc3986(config.bucket)}`
        : encodeS3Path(config.bucket, config.keyPrefix + key));
    const query = spec.query ?? {};
    const search = Object.entries(query)
      .map(([k, v]) => `${encodeRfc3986(k)}=${encodeRfc3986(v)}`)
      .join('&');
    const attempts = spec.once ? 1 : config.attempts;
    const details = { exitCode: null, stderrTail: [] as string[], direct: method };
    let lastProblem = '';
    for (let attempt = 1; ; attempt++) {
      if (signal?.aborted)
        throw rcloneError(RcloneErrorCodes.aborted, `${what} was cancelled`, details);
      const extra: Record<string, string> = {
        ...(method === 'PUT' ? config.putHeaders : {}),
        ...spec.headers,
        ...(body ? { 'content-length': String(body.byteLength) } : {}),
      };
      const headers = signV4({
        method,
        host: url.host,
        path,
        query,
        headers: extra,
        payloadHash: spec.payloadSha256 ?? (body ? sha256Hex(body) : EMPTY_SHA256),
        region: config.region,
        accessKey: config.accessKey,
        secretKey: config.secretKey,
        date: new Date(),
      });
      // Unsigned, which SigV4 allows: asks the store for no more than a bounded read needs.
      if (range !== undefined) headers['range'] = range;
      const whole = AbortSignal.timeout(config.requestMs);
      const headersTimer = new AbortController();
      const timer = setTimeout(() => headersTimer.abort(), config.responseMs);
      const signals = [whole, headersTimer.signal, ...(signal ? [signal] : [])];
      // The caller's cancel and this request's overall timeout end the attempts; anything else retries.
      const throwIfCancelled = (): void => {
        if (signal?.aborted)
          throw rcloneError(RcloneErrorCodes.aborted, `${what} was cancelled`, details);
        if (whole.aborted) {
          throw rcloneError(
            RcloneErrorCodes.timeout,
            `${what} did not finish within ${config.requestMs} ms`,
            details,
          );
        }
      };
      const started = Date.now();
      try {
        let response: RawResponse;
        try {
          response = await send(
            agent,
            url,
            method,
            `${path}${search === '' ? '' : `?${search}`}`,
            headers,
            body,
            AbortSignal.any(signals),
          );
        } catch (error) {
          throwIfCancelled();
          const cause = headersTimer.signal.aborted
            ? `timeout awaiting response headers (no answer within ${config.responseMs} ms)`
            : error instanceof Error
              ? error.message
              : String(error);
          lastProblem = config.redact(cause);
          throw new RetryableError(lastProblem);
        } finally {
          clearTimeout(timer);
        }
        const ok = response.status >= 200 && response.status < 300;
        // Read the body under the same signals (GET returns it; errors carry the store's XML),
        // never more than `maxBytes` of a successful answer.
        const bytes = await readBody(response, ok ? maxBytes : ERROR_BODY_BYTES, () =>
          tooLargeError(`${key} in ${where}`, maxBytes ?? ERROR_BODY_BYTES),
        );
        config.logger?.debug?.('direct s3 request', {
          method,
          key: key ?? `?${search}`,
          status: response.status,
          ms: Date.now() - started,
        });
        if (!spec.once && RETRYABLE_STATUS.has(response.status)) {
          lastProblem = `${errorCodeOf(bytes, response.status)}: status code: ${response.status}`;
          throw new RetryableError(lastProblem);
        }
        const answered = response.headers;
        return {
          status: response.status,
          ok,
          bytes,
          header: (name) => {
            const v = answered[name.toLowerCase()];
            return v === undefined ? null : Array.isArray(v) ? v.join(', ') : v;
          },
        };
      } catch (error) {
        if (isSyncError(error) && error.code === RcloneErrorCodes.tooLarge) throw error;
        if (!(error instanceof RetryableError)) {
          throwIfCancelled();
          if (isSyncError(error)) throw error;
          // The connection broke while the body was read: like any network error, tried again.
          lastProblem = config.redact(error instanceof Error ? error.message : String(error));
        }
        if (attempt >= attempts) {
          const serverError = /status code: (5\d\d|429)$/.test(lastProblem);
          throw rcloneError(
            serverError ? RcloneErrorCodes.unavailable : RcloneErrorCodes.network,
            `${what} failed: ${lastProblem}`,
            { ...details, attempts: attempt },
            serverError
              ? {
                  hint: `the object store answered with server errors ${attempt} times; it is overloaded or failing: try again later, or check its health`,
                }
              : {
                  hint: 'check `endpoint` and that the object store is reachable from this machine',
                },
          );
        }
        // Jittered, so many clients throttled at once do not come back in step.
        await new Promise((r) => setTimeout(r, 100 * 2 ** (attempt - 1) * (0.5 + Math.random())));
      }
    }
  };

  /** Turns a 4xx answer into the adapter's typed error. */
  const failed = (what: string, response: DirectResponse): never => {
    const text = config.redact(new TextDecoder().decode(response.bytes));
    const code = errorCodeOf(response.bytes, response.status);
    const message = /<Message>([^<]*)<\/Message>/.exec(text)?.[1];
    const reason = `${code}: ${message ? `${message}: ` : ''}status code: ${response.status}`;
    const details = {
      exitCode: null,
      stderrTail: [text.slice(0, 500)],
      httpStatus: response.status,
    };
    if (
      response.status === 403 ||
      /SignatureDoesNotMatch|InvalidAccessKeyId|AccessDenied/.test(code)
    )
      throw rcloneError(RcloneErrorCodes.auth, `${what} failed: ${reason}`, details, {
        hint: 'check access_key / secret_key (or the environment credentials) and the bucket policy',
      });
    if (code === 'NoSuchBucket')
      throw rcloneError(RcloneErrorCodes.bucketNotFound, `${what} failed: ${reason}`, details, {
        hint: 'create the bucket, or fix `bucket` in the sync config',
      });
    throw rcloneError(RcloneErrorCodes.other, `${what} failed: ${reason}`, details);
  };

  return {
    async get(key, signal, maxBytes) {
      const what = `read of ${where} '${key}'`;
      if (maxBytes !== undefined) {
        // A bounded read first asks for the object's head only (Range), so a hostile object far
        // over the bound costs FIRST_RANGE bytes, not the bound: the HTTP client would otherwise
        // buffer a whole body before it could be refused. Content-Range's total says the size.
        const first = Math.min(maxBytes, FIRST_RANGE_BYTES);
        let r: DirectResponse;
        try {
          r = await request({
            method: 'GET',
            key,
            what,
            signal,
            maxBytes: first + 1,
            range: `bytes=0-${first}`,
          });
        } catch (e) {
          // s3rver answers a Range over an empty object by dropping the connection mid-answer:
          // read that object whole, still bounded. An unreachable store fails differently and is
          // not asked twice.
          if (
            !isSyncError(e) ||
            e.code !== RcloneErrorCodes.network ||
            !e.message.includes(BODY_BROKEN)
          )
            throw e;
          r = { status: 416, ok: false, bytes: new Uint8Array(), header: () => null };
        }
        if (r.status === 206) {
          const total = Number(/\/(\d+)$/.exec(r.header('content-range') ?? '')?.[1] ?? NaN);
          if (!Number.isSafeInteger(total) || total > maxBytes)
            throw tooLargeError(`${key} in ${where}`, maxBytes);
          const head = r.bytes;
          if (head.byteLength >= total) return head.subarray(0, total);
          // The rest, bounded by what the first answer declared (and by the bound itself).
          const rest = await request({
            method: 'GET',
            key,
            what,
            signal,
            maxBytes: total - head.byteLength,
            range: `bytes=${head.byteLength}-${total - 1}`,
          });
          if (rest.status !== 206) return failed(what, rest);
          const out = new Uint8Array(total);
          out.set(head, 0);
          out.set(rest.bytes.subarray(0, total - head.byteLength), head.byteLength);
          return out;
        }
        // 416: an empty object has no byte 0; 200: a store that ignores Range (bounded below).
        if (r.status !== 416) {
          if (r.ok) {
            if (r.bytes.byteLength > maxBytes) throw tooLargeError(`${key} in ${where}`, maxBytes);
            return r.bytes;
          }
          if (r.status === 404 && errorCodeOf(r.bytes, 404) !== 'NoSuchBucket') return null;
          return failed(what, r);
        }
      }
      const r = await request({ method: 'GET', key, what, signal, maxBytes });
      if (r.ok) return r.bytes;
      if (r.status === 404 && errorCodeOf(r.bytes, 404) !== 'NoSuchBucket') return null;
      return failed(what, r);
    },

    async put(key, body, signal, sha256) {
      const what = `write of ${where} '${key}'`;
      const r = await request({ method: 'PUT', key, what, body, signal, payloadSha256: sha256 });
      if (r.ok) return;
      const code = errorCodeOf(r.bytes, r.status);
      if (sha256 !== undefined && /^(XAmzContentSHA256Mismatch|BadDigest)$/.test(code))
        throw rcloneError(
          RcloneErrorCodes.localChanged,
          `${what} was refused by the store (${code}): the bytes read for it no longer match the SHA-256 recorded for them`,
          { exitCode: null, stderrTail: [], httpStatus: r.status, key },
          {
            hint: 'the file changed after it was hashed; checkpoint files are immutable, so find what else writes into the storage directory, then push again',
          },
        );
      failed(what, r);
    },

    async head(key, signal) {
      const what = `stat of ${where} '${key}'`;
      const r = await request({ method: 'HEAD', key, what, signal });
      if (r.status === 404) return null;
      if (!r.ok) return failed(what, r);
      const size = Number(r.header('content-length'));
      const lastModified = r.header('last-modified');
      const modTime = lastModified ? new Date(lastModified) : null;
      return {
        size: Number.isFinite(size) ? size : 0,
        ...(modTime && !Number.isNaN(modTime.getTime()) ? { modTime: modTime.toISOString() } : {}),
      };
    },

    async putIfAbsent(key, body, signal) {
      const what = `create-only write of ${where} '${key}'`;
      // Never retried: a retry after a lost answer would find its own object and report a race lost.
      const r = await request({
        method: 'PUT',
        key,
        what,
        body,
        signal,
        headers: { 'if-none-match': '*' },
        once: true,
      });
      return putIfAbsentOutcome(r.status) ?? failed(what, r);
    },

    async delete(keys, signal) {
      for (const batch of deleteBatches(keys)) {
        const what = `delete of ${batch.length} object(s) in ${where}`;
        const xml = deleteObjectsXml(batch.map((k) => config.keyPrefix + k));
        const r = await request({
          method: 'POST',
          key: null,
          query: { delete: '' },
          what,
          body: xml,
          signal,
          // DeleteObjects requires an integrity header; Content-MD5 is the one every store knows.
          headers: { 'content-md5': md5Base64(xml), 'content-type': 'application/xml' },
        });
        if (!r.ok) failed(what, r);
        const problem = deleteObjectsProblem(r.bytes);
        if (problem !== null) {
          const text = `${problem.code}${problem.message ? `: ${problem.message}` : ''}`;
          const details = { exitCode: null, stderrTail: [config.redact(text)], key: problem.key };
          const message = `delete of ${where} '${problem.key.slice(config.keyPrefix.length)}' failed: ${config.redact(text)}`;
          if (/AccessDenied|SignatureDoesNotMatch|InvalidAccessKeyId/.test(problem.code))
            throw rcloneError(RcloneErrorCodes.auth, message, details, {
              hint: 'check access_key / secret_key (or the environment credentials) and the bucket policy',
            });
          throw rcloneError(RcloneErrorCodes.other, message, details);
        }
      }
    },
  };
}

function errorCodeOf(bytes: Uint8Array | undefined, status: number): string {
  const text = bytes ? new TextDecoder().decode(bytes.subarray(0, 4096)) : '';
  return /<Code>([^<]+)<\/Code>/.exec(text)?.[1] ?? `HTTP ${status}`;
}
