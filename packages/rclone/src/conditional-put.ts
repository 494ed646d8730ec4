import { rcloneError, RcloneErrorCodes } from './errors.js';
import type { Redactor } from './redact.js';
import { encodeS3Path, sha256Hex, signV4 } from './sigv4.js';

/** Where and as whom to send a direct S3 request (explicit keys only). */
export interface DirectS3Target {
  endpoint: string;
  region: string;
  accessKey: string;
  secretKey: string;
  bucket: string;
}

/** Outcome of a create-only PUT. */
export type PutIfAbsentOutcome = 'created' | 'exists' | 'unknown';

/**
 * PUT with `If-None-Match: *`, signed with SigV4, path-style. `exists` on 412/409; `unknown` on a
 * 5xx, which Ceph RGW answers for a losing race (the caller checks whether the key exists).
 */
export async function putIfAbsent(
  target: DirectS3Target,
  key: string,
  body: Uint8Array,
  options: {
    signal?: AbortSignal | undefined;
    timeoutMs: number;
    redact: Redactor;
    now?: () => Date;
  },
): Promise<PutIfAbsentOutcome> {
  const url = new URL(target.endpoint);
  const path = url.pathname.replace(/\/+$/, '') + encodeS3Path(target.bucket, key);
  const headers = signV4({
    method: 'PUT',
    host: url.host,
    path,
    headers: { 'if-none-match': '*', 'content-length': String(body.byteLength) },
    payloadHash: sha256Hex(body),
    region: target.region,
    accessKey: target.accessKey,
    secretKey: target.secretKey,
    date: (options.now ?? (() => new Date()))(),
  });
  delete headers['host'];
  delete headers['content-length'];
  const what = `create-only write of '${key}' in bucket '${target.bucket}'`;
  const timeout = AbortSignal.timeout(options.timeoutMs);
  const signal = options.signal ? AbortSignal.any([options.signal, timeout]) : timeout;
  let response: Response;
  try {
    response = await fetch(`${url.origin}${path}`, { method: 'PUT', headers, body, signal });
  } catch (error) {
    const details = { exitCode: null, stderrTail: [] };
    if (options.signal?.aborted)
      throw rcloneError(RcloneErrorCodes.aborted, `${what} was cancelled`, details);
    if (timeout.aborted)
      throw rcloneError(
        RcloneErrorCodes.timeout,
        `${what} did not finish within ${options.timeoutMs} ms`,
        details,
      );
    const cause =
      error instanceof Error && error.cause instanceof Error ? error.cause.message : String(error);
    throw rcloneError(
      RcloneErrorCodes.network,
      `${what} failed: ${options.redact(cause)}`,
      details,
      {
        hint: 'check `endpoint` and that the object store is reachable from this machine',
      },
    );
  }
  const text = options.redact(await response.text().catch(() => ''));
  if (response.ok) return 'created';
  if (response.status === 412 || response.status === 409) return 'exists';
  if (response.status >= 500) return 'unknown';
  const code = /<Code>([^<]+)<\/Code>/.exec(text)?.[1] ?? `HTTP ${response.status}`;
  const details = { exitCode: null, stderrTail: [text.slice(0, 500)], httpStatus: response.status };
  if (
    response.status === 403 ||
    /SignatureDoesNotMatch|InvalidAccessKeyId|AccessDenied/.test(code)
  ) {
    throw rcloneError(
      RcloneErrorCodes.auth,
      `${what} failed: ${code}: status code: ${response.status}`,
      details,
    );
  }
  if (code === 'NoSuchBucket')
    throw rcloneError(RcloneErrorCodes.bucketNotFound, `${what} failed: ${code}`, details);
  throw rcloneError(
    RcloneErrorCodes.other,
    `${what} failed: ${code}: status code: ${response.status}`,
    details,
  );
}
