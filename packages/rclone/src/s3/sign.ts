import { createHash, createHmac } from 'node:crypto';

/** A request to sign with AWS Signature Version 4. */
export interface SigV4Request {
  method: string;
  /** Host header value, e.g. `127.0.0.1:7480`. */
  host: string;
  /** Already URI-encoded path, e.g. `/bucket/a%20b.txt` (see `encodeS3Path`). */
  path: string;
  /** Query parameters (unencoded). */
  query?: Readonly<Record<string, string>> | undefined;
  /** Extra headers to sign (lower- or mixed-case names). */
  headers?: Readonly<Record<string, string>> | undefined;
  /** Hex SHA-256 of the body, or `UNSIGNED-PAYLOAD`. */
  payloadHash: string;
  region: string;
  service?: string | undefined;
  accessKey: string;
  secretKey: string;
  sessionToken?: string | undefined;
  date: Date;
}

/** RFC 3986 encoding as SigV4 wants it (also `!'()*`). */
export function encodeRfc3986(text: string): string {
  return encodeURIComponent(text).replace(
    /[!'()*]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
  );
}

/** `/bucket/key` with every segment encoded once, for path-style URLs and signing alike. */
export function encodeS3Path(bucket: string, key: string): string {
  return `/${[bucket, ...key.split('/')].map(encodeRfc3986).join('/')}`;
}

/** Hex SHA-256 of a body. */
export function sha256Hex(body: Uint8Array | string): string {
  return createHash('sha256').update(body).digest('hex');
}

function hmac(key: Uint8Array | string, data: string): Buffer {
  return createHmac('sha256', key).update(data, 'utf8').digest();
}

/** `20130524T000000Z` */
export function amzDate(date: Date): string {
  return date
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d{3}/, '');
}

/** Signs a request: returns every header to send (given ones plus host, x-amz-date, content hash, Authorization). */
export function signV4(req: SigV4Request): Record<string, string> {
  const service = req.service ?? 's3';
  const stamp = amzDate(req.date);
  const day = stamp.slice(0, 8);
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(req.headers ?? {}))
    headers[name.toLowerCase()] = value.trim().replace(/\s+/g, ' ');
  headers['host'] = req.host;
  headers['x-amz-date'] = stamp;
  headers['x-amz-content-sha256'] = req.payloadHash;
  if (req.sessionToken) headers['x-amz-security-token'] = req.sessionToken;

  const names = Object.keys(headers).sort();
  const canonicalHeaders = names.map((n) => `${n}:${headers[n] ?? ''}\n`).join('');
  const signedHeaders = names.join(';');
  const canonicalQuery = Object.entries(req.query ?? {})
    .map(([k, v]) => [encodeRfc3986(k), encodeRfc3986(v)] as const)
    .sort(([a, av], [b, bv]) => (a < b ? -1 : a > b ? 1 : av < bv ? -1 : av > bv ? 1 : 0))
    .map(([k, v]) => `${k}=${v}`)
    .join('&');
  const canonicalRequest = [
    req.method,
    req.path,
    canonicalQuery,
    canonicalHeaders,
    signedHeaders,
    req.payloadHash,
  ].join('\n');
  const scope = `${day}/${req.region}/${service}/aws4_request`;
  const stringToSign = ['AWS4-HMAC-SHA256', stamp, scope, sha256Hex(canonicalRequest)].join('\n');
  const signingKey = hmac(
    hmac(hmac(hmac(`AWS4${req.secretKey}`, day), req.region), service),
    'aws4_request',
  );
  const signature = createHmac('sha256', signingKey).update(stringToSign, 'utf8').digest('hex');
  return {
    ...headers,
    authorization: `AWS4-HMAC-SHA256 Credential=${req.accessKey}/${scope}, SignedHeaders=${signedHeaders}, Signature=${signature}`,
  };
}
