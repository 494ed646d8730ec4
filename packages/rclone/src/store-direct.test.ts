import { createHash, randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { createServer as createHttpServer } from 'node:http';
import type { IncomingMessage, Server as HttpServer, ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { Server as HttpsServer } from 'node:https';
import { createServer } from 'node:net';
import type { Server, Socket } from 'node:net';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { hasErrorCode, isSyncError } from '@feldera-sync/errors';
import { s3Providers } from '@feldera-sync/test-utils';
import type { S3Server, TestBucket } from '@feldera-sync/test-utils';
import { directFlagSettings, parseRcloneDuration } from './direct-flags.js';
import { createRcloneStore, DIRECT_UPLOAD_MAX_BYTES, RcloneErrorCodes } from './index.js';
import type { RcloneLogger, RcloneStoreOptions } from './index.js';

function errorText(error: unknown): string {
  return isSyncError(error)
    ? `${error.message} ${error.hint ?? ''} ${JSON.stringify(error.toJSON())} ${String(error.stack)}`
    : String(error);
}

function collectingLogger(): RcloneLogger & { lines: string[] } {
  const lines: string[] = [];
  const push = (m: string, f?: Record<string, unknown>): void =>
    void lines.push(`${m} ${JSON.stringify(f ?? {})}`);
  return { lines, debug: push, info: push, warn: push, error: push };
}

describe('direct small-object settings from rclone flags', () => {
  it('parses rclone durations', () => {
    expect(parseRcloneDuration('1s')).toBe(1000);
    expect(parseRcloneDuration('500ms')).toBe(500);
    expect(parseRcloneDuration('1m30s')).toBe(90_000);
    expect(parseRcloneDuration('2')).toBe(2000);
    expect(parseRcloneDuration('soon')).toBeNull();
  });

  it('honours timeouts, retries and server-side encryption, ignores tuning, refuses the unknown', () => {
    expect(
      directFlagSettings([
        '--s3-upload-cutoff',
        '5M',
        '--fast-list',
        '--contimeout=2s',
        '--timeout',
        '3s',
        '--low-level-retries',
        '1',
        '--s3-server-side-encryption',
        'AES256',
      ]),
    ).toEqual({
      unsupported: null,
      putHeaders: { 'x-amz-server-side-encryption': 'AES256' },
      connectMs: 2000,
      responseMs: 3000,
      lowLevelRetries: 1,
    });
    expect(directFlagSettings(['--s3-sse-kms-key-id', 'k']).unsupported).toBe(
      '--s3-sse-kms-key-id',
    );
    expect(directFlagSettings(['--header-upload', 'x: y']).unsupported).toBe('--header-upload');
  });

  it('is on by default with explicit keys and an endpoint, off for env-auth, when disabled, or with a flag it cannot honour', () => {
    const remote = {
      provider: 'Ceph',
      endpoint: 'http://127.0.0.1:1',
      accessKey: 'AK',
      secretKey: 'SK-xyz',
      bucket: 'b/p',
    };
    expect(createRcloneStore({ remote }).directSmallObjects).toBe(true);
    expect(createRcloneStore({ remote, directSmallObjects: false }).directSmallObjects).toBe(false);
    expect(
      createRcloneStore({
        remote: { provider: 'Ceph', endpoint: 'http://127.0.0.1:1', bucket: 'b' },
      }).directSmallObjects,
    ).toBe(false);
    const logger = collectingLogger();
    expect(
      createRcloneStore({ remote, logger, tuning: { flags: ['--no-such-flag'] } })
        .directSmallObjects,
    ).toBe(false);
    expect(logger.lines.join('\n')).toContain('--no-such-flag');
  });
});

describe('direct small objects without a store', () => {
  it('fails with the network code, in bounded time and without secrets, when nothing listens', async () => {
    const server = createServer();
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as { port: number }).port;
    await new Promise<void>((r) => server.close(() => r()));
    const store = createRcloneStore({
      remote: {
        provider: 'Other',
        endpoint: `http://127.0.0.1:${port}`,
        accessKey: 'AK-refused',
        secretKey: 'unreachable-secret',
        bucket: 'b',
      },
    });
    expect(store.directSmallObjects).toBe(true);
    for (const op of [
      () => store.getSmall('k'),
      () => store.head('k'),
      () => store.putSmall('k', 'v'),
      () => store.delete(['k']),
    ]) {
      const started = Date.now();
      const error: unknown = await op().catch((e: unknown) => e);
      expect(hasErrorCode(error, RcloneErrorCodes.network), errorText(error)).toBe(true);
      expect(errorText(error)).toMatch(/ECONNREFUSED/);
      expect(errorText(error)).not.toContain('unreachable-secret');
      expect(Date.now() - started).toBeLessThan(5000);
    }
  });

  describe('an endpoint that accepts connections and never answers', () => {
    let server: Server;
    const sockets = new Set<Socket>();
    beforeAll(async () => {
      server = createServer((socket) => {
        sockets.add(socket);
        socket.on('close', () => sockets.delete(socket));
      });
      await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    });
    afterAll(async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((r) => server.close(() => r()));
    });
    const remote = (): RcloneStoreOptions['remote'] => ({
      provider: 'Other',
      endpoint: `http://127.0.0.1:${(server.address() as { port: number }).port}`,
      accessKey: 'AK',
      secretKey: 'SK-blackhole',
      bucket: 'b',
    });

    it('fails with the timeout code within the request timeout', async () => {
      const store = createRcloneStore({ remote: remote(), timeouts: { requestMs: 800 } });
      const started = Date.now();
      const error: unknown = await store.getSmall('k').catch((e: unknown) => e);
      expect(hasErrorCode(error, RcloneErrorCodes.timeout), errorText(error)).toBe(true);
      expect(Date.now() - started).toBeLessThan(3000);
    });

    it('is cancelled through its AbortSignal', async () => {
      const store = createRcloneStore({ remote: remote() });
      const controller = new AbortController();
      setTimeout(() => controller.abort(), 200);
      const error: unknown = await store
        .head('k', { signal: controller.signal })
        .catch((e: unknown) => e);
      expect(hasErrorCode(error, RcloneErrorCodes.aborted), errorText(error)).toBe(true);
    });
  });
});

describe('the direct client over node:http(s), against a minimal answering server', () => {
  let server: HttpServer | HttpsServer;
  let connections = 0;
  let requests = 0;
  const handler = (req: IncomingMessage, res: ServerResponse): void => {
    requests++;
    req.resume();
    req.on('end', () => {
      if (req.method === 'GET') {
        // Declares 100 bytes, sends 10, then drops the connection.
        res.writeHead(200, { 'content-length': '100' });
        res.write(Buffer.alloc(10, 1), () => res.socket?.destroy());
        return;
      }
      // HEAD: a 5-byte object; PUT: stored.
      const length = req.method === 'HEAD' ? '5' : '0';
      res.writeHead(200, { 'content-length': length, 'last-modified': new Date(0).toUTCString() });
      res.end();
    });
  };
  const listen = async (s: HttpServer | HttpsServer): Promise<string> => {
    server = s;
    connections = 0;
    requests = 0;
    s.on('connection', () => connections++);
    await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
    return `127.0.0.1:${(s.address() as { port: number }).port}`;
  };
  const storeAt = (endpoint: string) =>
    createRcloneStore({
      remote: { provider: 'Other', endpoint, accessKey: 'AK', secretKey: 'SK-local', bucket: 'b' },
    });
  afterEach(async () => {
    server.closeAllConnections();
    await new Promise<void>((r) => server.close(() => r()));
  });

  it('sends request after request over one kept-alive connection', async () => {
    const store = storeAt(`http://${await listen(createHttpServer(handler))}`);
    for (let i = 0; i < 5; i++) expect(await store.head(`k${i}`)).toMatchObject({ size: 5 });
    await store.putSmall('k', 'hello');
    expect(requests).toBe(6);
    expect(connections).toBe(1);
  });

  it('fails an answer cut off in the middle with the network code, after its retries', async () => {
    const store = storeAt(`http://${await listen(createHttpServer(handler))}`);
    const error: unknown = await store.getSmall('k').catch((e: unknown) => e);
    expect(hasErrorCode(error, RcloneErrorCodes.network), errorText(error)).toBe(true);
    expect(errorText(error)).toMatch(/connection closed before the answer was complete/);
    expect(errorText(error)).not.toContain('SK-local');
    expect(requests).toBeGreaterThanOrEqual(3);
  });

  it('reaches an https endpoint', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'fsync-tls-'));
    const previous = process.env['NODE_TLS_REJECT_UNAUTHORIZED'];
    try {
      // A throwaway self-signed certificate for 127.0.0.1; this test alone accepts it.
      execFileSync(
        'openssl',
        [
          'req',
          '-x509',
          '-newkey',
          'rsa:2048',
          '-nodes',
          '-keyout',
          join(dir, 'key.pem'),
          '-out',
          join(dir, 'cert.pem'),
          '-days',
          '1',
          '-subj',
          '/CN=127.0.0.1',
          '-addext',
          'subjectAltName=IP:127.0.0.1',
        ],
        { stdio: 'ignore', timeout: 30_000 },
      );
      const tls = {
        key: await readFile(join(dir, 'key.pem')),
        cert: await readFile(join(dir, 'cert.pem')),
      };
      const store = storeAt(`https://${await listen(createHttpsServer(tls, handler))}`);
      // Refused while the certificate is not trusted: TLS is really in the way.
      const refused: unknown = await store.head('k').catch((e: unknown) => e);
      expect(hasErrorCode(refused, RcloneErrorCodes.network), errorText(refused)).toBe(true);
      process.env['NODE_TLS_REJECT_UNAUTHORIZED'] = '0';
      expect(
        await storeAt(`https://127.0.0.1:${(server.address() as { port: number }).port}`).head('k'),
      ).toMatchObject({ size: 5 });
    } finally {
      if (previous === undefined) delete process.env['NODE_TLS_REJECT_UNAUTHORIZED'];
      else process.env['NODE_TLS_REJECT_UNAUTHORIZED'] = previous;
      await rm(dir, { recursive: true, force: true });
    }
  });
});

const providers = await s3Providers();

describe.each(providers)('direct small objects on $name', (provider) => {
  let server: S3Server;
  let bucket: TestBucket;
  const remoteOf = (
    overrides: Partial<RcloneStoreOptions['remote']> = {},
  ): RcloneStoreOptions['remote'] => ({
    provider: bucket.provider,
    endpoint: bucket.endpoint,
    region: bucket.region,
    accessKey: bucket.accessKey,
    secretKey: bucket.secretKey,
    bucket: `${bucket.bucket}/pipe line/p1`,
    ...overrides,
  });

  beforeAll(async () => {
    if (!provider.skipReason) server = await provider.start();
  });
  afterAll(async () => {
    if (!provider.skipReason) await server.close();
  });
  beforeEach(async ({ skip }) => {
    if (provider.skipReason) skip(provider.skipReason);
    bucket = await server.createBucket();
  });
  afterEach(async () => {
    if (!provider.skipReason) await bucket.remove();
  });

  it('writes what rclone reads and reads what rclone writes (same keys, prefix with a space)', async () => {
    const direct = createRcloneStore({ remote: remoteOf() });
    const viaRclone = createRcloneStore({ remote: remoteOf(), directSmallObjects: false });
    expect(direct.directSmallObjects).toBe(true);
    await direct.putSmall('dependencies/a b+c.json', '{"x":1}');
    expect(new TextDecoder().decode(await viaRclone.getSmall('dependencies/a b+c.json'))).toBe(
      '{"x":1}',
    );
    await viaRclone.putSmall('owner.json', 'owner');
    expect(new TextDecoder().decode(await direct.getSmall('owner.json'))).toBe('owner');
    expect(await direct.head('owner.json')).toMatchObject({
      key: 'owner.json',
      size: 5,
      modTime: expect.any(String),
    });
    await direct.putSmall('empty', '');
    expect(await direct.getSmall('empty')).toEqual(new Uint8Array());
    await direct.delete(['owner.json', 'never-existed']);
    expect(await viaRclone.head('owner.json')).toBeNull();
    expect((await viaRclone.list('')).map((o) => o.key).sort()).toEqual([
      'dependencies/a b+c.json',
      'empty',
    ]);
  });

  it('deletes many keys with DeleteObjects, 1000 a request, keys with XML-special characters included', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'batch-delete-'));
    try {
      const keys = Array.from({ length: 1_000 }, (_, i) => `gc/w0-${i}.feldera`);
      keys.push(`gc/x&y <z> 'q".json`);
      await mkdir(join(dir, 'gc'));
      for (const key of [...keys, 'gc/kept']) await writeFile(join(dir, key), key);
      const viaRclone = createRcloneStore({ remote: remoteOf(), directSmallObjects: false });
      await viaRclone.uploadFiles(dir, [...keys, 'gc/kept'], '');
      expect((await viaRclone.list('gc/')).length).toBe(keys.length + 1);

      const logger = collectingLogger();
      const direct = createRcloneStore({ remote: remoteOf(), logger });
      await direct.delete([...keys, 'gc/never-existed']);
      const requests = logger.lines.filter((l) => l.startsWith('direct s3 request'));
      expect(requests).toHaveLength(2);
      for (const line of requests) expect(line).toMatch(/"method":"POST".*"status":200/);
      expect((await viaRclone.list('gc/')).map((o) => o.key)).toEqual(['gc/kept']);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
    // Seeding 1001 objects through rclone takes s3rver 15-35 s on a loaded 2-core machine.
  }, 180_000);

  it('uploads small files as direct PUTs beside rclone for the large ones, as one transfer', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'fsync-direct-up-'));
    try {
      const files: Record<string, Buffer> = {
        'w0-a.feldera': randomBytes(10),
        'w0-b.feldera': randomBytes(300 * 1024),
        'sub/w0-c.feldera': randomBytes(DIRECT_UPLOAD_MAX_BYTES),
        'w0-big.feldera': randomBytes(DIRECT_UPLOAD_MAX_BYTES + 1),
        empty: Buffer.alloc(0),
      };
      for (const [name, bytes] of Object.entries(files)) {
        await mkdir(join(dir, name, '..'), { recursive: true });
        await writeFile(join(dir, name), bytes);
      }
      const names = Object.keys(files);
      const logger = collectingLogger();
      const store = createRcloneStore({ remote: remoteOf(), logger });
      expect(store.directUploads).toBe(true);
      const done: string[] = [];
      const progress: number[] = [];
      const result = await store.uploadFiles(dir, names, 'x/', {
        onObjectDone: (k) => done.push(k),
        onProgress: (p) => progress.push(p.bytesDone),
      });
      const total = Object.values(files).reduce((n, b) => n + b.byteLength, 0);
      expect(result).toMatchObject({ objects: names.length, bytes: total });
      expect(done.sort()).toEqual([...names].sort());
      expect(progress.at(-1)).toBe(total);
      // The small ones were PUT directly; one rclone run carried the large one.
      const puts = logger.lines.filter(
        (l) => l.startsWith('direct s3 request') && l.includes('"PUT"'),
      );
      expect(puts).toHaveLength(4);
      const runs = logger.lines.filter((l) => l.startsWith('rclone started'));
      expect(runs).toHaveLength(1);
      const viaRclone = createRcloneStore({ remote: remoteOf(), directSmallObjects: false });
      const back = join(dir, 'back');
      await viaRclone.downloadFiles('x/', names, back);
      for (const [name, bytes] of Object.entries(files))
        expect((await readFile(join(back, name))).equals(bytes), name).toBe(true);

      // A flag that shapes the transfer keeps every upload on rclone.
      const limited = createRcloneStore({
        remote: remoteOf(),
        tuning: { flags: ['--bwlimit', '100M'] },
      });
      expect(limited.directUploads).toBe(false);
      expect((await limited.uploadFiles(dir, names, 'y/')).objects).toBe(names.length);

      // A missing local file fails before anything is sent, with rclone's code.
      const missing: unknown = await store
        .uploadFiles(dir, ['w0-a.feldera', 'absent'], 'z/')
        .catch((e: unknown) => e);
      expect(hasErrorCode(missing, RcloneErrorCodes.localNotFound), errorText(missing)).toBe(true);
      expect(await store.list('z/')).toEqual([]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('signs a digest the caller knows, hands over the ones it computed, and a store that checks refuses a body that does not match', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'fsync-direct-sha-'));
    const sha = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex');
    try {
      const files = { known: randomBytes(1000), unknown: randomBytes(300 * 1024) };
      for (const [name, bytes] of Object.entries(files)) await writeFile(join(dir, name), bytes);
      const logger = collectingLogger();
      const store = createRcloneStore({ remote: remoteOf(), logger });
      const computed: string[] = [];
      const asked: string[] = [];
      await store.uploadFiles(dir, ['known', 'unknown'], 'k/', {
        knownSha256: (f) => {
          asked.push(f);
          return f === 'known' ? sha(files.known) : undefined;
        },
        onSha256: (f, digest, size) => computed.push(`${f} ${digest} ${size}`),
      });
      expect(asked.sort()).toEqual(['known', 'unknown']);
      // Only the file without a digest was hashed here, and its digest is the bytes' own.
      expect(computed).toEqual([`unknown ${sha(files.unknown)} ${files.unknown.byteLength}`]);
      expect(await store.getSmall('k/known')).toEqual(new Uint8Array(files.known));
      expect(await store.getSmall('k/unknown')).toEqual(new Uint8Array(files.unknown));

      // A digest that is not the file's: the file changed after its caller hashed it.
      const changed: unknown = await store
        .uploadFiles(dir, ['known'], 'c/', { knownSha256: () => sha(files.unknown) })
        .catch((e: unknown) => e);
      if (provider.name === 'ceph') {
        // RGW checks x-amz-content-sha256 against the body, as AWS S3 does: nothing is written.
        expect(hasErrorCode(changed, RcloneErrorCodes.localChanged), errorText(changed)).toBe(true);
        expect(errorText(changed)).toMatch(/c\/known.*XAmzContentSHA256Mismatch/);
        expect(await store.head('c/known')).toBeNull();
      } else {
        // s3rver does not check the payload hash: the object lands, and a pull's own SHA-256
        // check of every byte is what refuses it later.
        expect(changed).toMatchObject({ objects: 1 });
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it("fails an upload with the direct half's error, not the cancellation of the rclone half", async () => {
    const dir = await mkdtemp(join(tmpdir(), 'fsync-direct-up-'));
    try {
      await writeFile(join(dir, 'small'), 'x');
      await writeFile(join(dir, 'large'), randomBytes(DIRECT_UPLOAD_MAX_BYTES + 1));
      const store = createRcloneStore({ remote: remoteOf({ bucket: `${bucket.bucket}-absent` }) });
      const error: unknown = await store
        .uploadFiles(dir, ['small', 'large'], '')
        .catch((e: unknown) => e);
      expect(hasErrorCode(error, RcloneErrorCodes.bucketNotFound), errorText(error)).toBe(true);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('reports a missing bucket with the bucket code', async () => {
    const store = createRcloneStore({ remote: remoteOf({ bucket: `${bucket.bucket}-absent` }) });
    for (const op of [() => store.getSmall('k'), () => store.putSmall('k', 'v')]) {
      const error: unknown = await op().catch((e: unknown) => e);
      expect(hasErrorCode(error, RcloneErrorCodes.bucketNotFound), errorText(error)).toBe(true);
    }
  });

  it.skipIf(provider.name !== 'ceph')(
    'fails with the auth code and the store text for a wrong secret or key, never showing them',
    async () => {
      for (const [field, value] of [
        ['secretKey', 'wrong-secret-0123456789'],
        ['accessKey', 'WRONGACCESSKEY0123'],
      ] as const) {
        const logger = collectingLogger();
        const store = createRcloneStore({ remote: remoteOf({ [field]: value }), logger });
        expect(store.directSmallObjects).toBe(true);
        for (const op of [
          () => store.getSmall('k'),
          () => store.putSmall('k', 'v'),
          () => store.head('k'),
          () => store.delete(['k']),
        ]) {
          const error: unknown = await op().catch((e: unknown) => e);
          expect(hasErrorCode(error, RcloneErrorCodes.auth), `${field}: ${errorText(error)}`).toBe(
            true,
          );
          // HEAD answers carry no body: the status code is the store's whole answer.
          expect(errorText(error)).toMatch(
            /SignatureDoesNotMatch|InvalidAccessKeyId|AccessDenied|status code: 403/,
          );
          expect(errorText(error)).not.toContain(value);
          expect(errorText(error)).not.toContain(bucket.secretKey);
        }
        expect(logger.lines.join('\n')).not.toContain(value);
      }
    },
  );
});
