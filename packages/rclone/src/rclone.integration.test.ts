import { open, readFile, readdir, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import type { Server, Socket } from 'node:net';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { hasErrorCode, isSyncError } from '@feldera-sync/errors';
import type { TransferProgress } from '@feldera-sync/checkpoint';
import { makeTempDir, s3Providers } from '@feldera-sync/test-utils';
import type { S3Server, TempDir, TestBucket } from '@feldera-sync/test-utils';
import { createRclone, createRcloneStore, probeConditionalPut, RcloneErrorCodes } from './index.js';
import type { RcloneLogger, RcloneOptions, RcloneRemote } from './index.js';

const BOUNDED = [
  '--contimeout',
  '2s',
  '--timeout',
  '2s',
  '--low-level-retries',
  '1',
  '--retries',
  '1',
];

/** rclone processes whose parent is this test process, from /proc. */
async function childRclonePids(): Promise<number[]> {
  const out: number[] = [];
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = await readFile(`/proc/${entry}/stat`, 'utf8');
      const match = /^\d+ \((.*)\) \S+ (\d+)/.exec(stat);
      if (match?.[1] === 'rclone' && Number(match[2]) === process.pid) out.push(Number(entry));
    } catch {
      // the process went away while we looked
    }
  }
  return out;
}

async function waitFor<T>(
  what: string,
  probe: () => Promise<T | undefined>,
  timeoutMs: number,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** A sparse file: reads as zeros, costs no disk. */
async function sparseFile(path: string, bytes: number): Promise<void> {
  const handle = await open(path, 'w');
  await handle.truncate(bytes);
  await handle.close();
}

function remoteOf(bucket: TestBucket, overrides: Partial<RcloneRemote> = {}): RcloneRemote {
  return {
    provider: bucket.provider,
    endpoint: bucket.endpoint,
    region: bucket.region,
    accessKey: bucket.accessKey,
    secretKey: bucket.secretKey,
    bucket: `${bucket.bucket}/prefix`,
    ...overrides,
  };
}

function collectingLogger(): RcloneLogger & { lines: string[] } {
  const lines: string[] = [];
  const push = (m: string, f?: Record<string, unknown>): void =>
    void lines.push(`${m} ${JSON.stringify(f ?? {})}`);
  return { lines, debug: push, info: push, warn: push, error: push };
}

function errorText(error: unknown): string {
  return isSyncError(error)
    ? `${error.message} ${error.hint ?? ''} ${JSON.stringify(error.toJSON())} ${String(error.stack)}`
    : String(error);
}

const providers = await s3Providers();

describe('without a store', () => {
  it('reports a missing rclone binary with ERR_RCLONE_NOT_FOUND', async () => {
    const rclone = createRclone({
      binary: '/nonexistent/rclone',
      remote: { provider: 'Other', bucket: 'b' },
    });
    await expect(rclone.version()).rejects.toSatisfy((e) =>
      hasErrorCode(e, RcloneErrorCodes.binaryNotFound),
    );
  });

  it('reads the version and the providers rclone knows', async () => {
    const rclone = createRclone({ remote: { provider: 'Other', bucket: 'b' } });
    const version = await rclone.version();
    expect(version.major).toBeGreaterThanOrEqual(1);
    expect(version.version).toMatch(/^\d+\.\d+\.\d+/);
    const known = await rclone.knownProviders();
    expect(known).toEqual(expect.arrayContaining(['AWS', 'Ceph', 'Minio', 'Other']));
  });

  it('rejects unusable remote settings before running anything', () => {
    expect(() => createRclone({ remote: { provider: 'Other', bucket: '/abs' } })).toThrow(/bucket/);
    expect(() =>
      createRclone({ remote: { provider: 'Other', bucket: 'b', accessKey: 'only-one' } }),
    ).toThrow(/together/);
  });

  it('fails with the network code, in bounded time, when nothing listens', async () => {
    const server = createServer();
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as { port: number }).port;
    await new Promise<void>((r) => server.close(() => r()));
    const store = createRcloneStore({
      remote: {
        provider: 'Other',
        endpoint: `http://127.0.0.1:${port}`,
        accessKey: 'AK',
        secretKey: 'unreachable-secret',
        bucket: 'b',
      },
      tuning: { flags: BOUNDED },
    });
    const started = Date.now();
    const error: unknown = await store.list('').catch((e: unknown) => e);
    expect(hasErrorCode(error, RcloneErrorCodes.network), errorText(error)).toBe(true);
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(errorText(error)).not.toContain('unreachable-secret');
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

    it('fails with the network code within rclone --timeout', async () => {
      const port = (server.address() as { port: number }).port;
      const store = createRcloneStore({
        remote: {
          provider: 'Other',
          endpoint: `http://127.0.0.1:${port}`,
          accessKey: 'AK',
          secretKey: 'SK-blackhole',
          bucket: 'b',
        },
        tuning: {
          flags: [
            '--contimeout',
            '1s',
            '--timeout',
            '1s',
            '--low-level-retries',
            '1',
            '--retries',
            '1',
          ],
        },
      });
      const started = Date.now();
      // rclone 1.60 makes two requests here (HEAD, then a listing), each tried twice: about 4 x --timeout.
      const error: unknown = await store.head('k').catch((e: unknown) => e);
      expect(hasErrorCode(error, RcloneErrorCodes.network), errorText(error)).toBe(true);
      expect(errorText(error)).toMatch(/timeout awaiting response headers/);
      expect(Date.now() - started).toBeLessThan(15_000);
    });

    it("passes secret flags through the environment: none is in the running rclone's /proc cmdline", async () => {
      const port = (server.address() as { port: number }).port;
      const secrets = {
        key: 'Zq9SseCKey-0123456789abcdef012',
        md5: 'Zq9SseCMd5-zxcvbnmasdfghjkl',
        kms: 'arn:aws:kms:eu-west-1:123456789012:key/Zq9KmsKeyId',
        callKey: 'Zq9CallLevelKey-qwertyuiop',
      };
      const logger = collectingLogger();
      const rclone = createRclone({
        remote: {
          provider: 'Other',
          endpoint: `http://127.0.0.1:${port}`,
          accessKey: 'AK-blackhole',
          secretKey: 'SK-blackhole-secret',
          bucket: 'b',
        },
        logger,
        tuning: {
          flags: [
            '--contimeout',
            '10s',
            '--s3-sse-customer-algorithm',
            'AES256',
            '--s3-sse-customer-key',
            secrets.key,
            `--S3-SSE-CUSTOMER-KEY-MD5=${secrets.md5}`,
            `--s3_sse_kms_key_id ${secrets.kms}`,
          ],
        },
      });
      for (const [what, run] of [
        ['tuning flags', (signal: AbortSignal) => rclone.list('', { signal })],
        [
          'call flags',
          (signal: AbortSignal) =>
            rclone.stat('k', { signal, flags: [`--s3-sse-customer-key=${secrets.callKey}`] }),
        ],
      ] as const) {
        const controller = new AbortController();
        const before = new Set(await childRclonePids());
        const running = run(controller.signal).catch((e: unknown) => e);
        const pid = await waitFor(
          `rclone to start (${what})`,
          async () => (await childRclonePids()).find((p) => !before.has(p)),
          5000,
        );
        const cmdline = (await readFile(`/proc/${pid}/cmdline`, 'utf8')).split('\0');
        const environ = (await readFile(`/proc/${pid}/environ`, 'utf8')).split('\0');
        controller.abort();
        expect(hasErrorCode(await running, RcloneErrorCodes.aborted)).toBe(true);
        expect(cmdline).toContain('--s3-sse-customer-algorithm');
        for (const secret of Object.values(secrets))
          expect(cmdline.join(' '), what).not.toContain(secret);
        expect(cmdline.join(' ')).not.toMatch(/sse-customer-key|sse-kms-key-id|sse_kms/i);
        expect(environ).toContain(
          `RCLONE_CONFIG_FSYNC_SSE_CUSTOMER_KEY=${what === 'call flags' ? secrets.callKey : secrets.key}`,
        );
        expect(environ).toContain(`RCLONE_CONFIG_FSYNC_SSE_CUSTOMER_KEY_MD5=${secrets.md5}`);
        expect(environ).toContain(`RCLONE_CONFIG_FSYNC_SSE_KMS_KEY_ID=${secrets.kms}`);
      }
      expect(await childRclonePids()).toEqual([]);
      const logged = logger.lines.join('\n');
      expect(logged).toContain('rclone started');
      for (const secret of Object.values(secrets)) expect(logged).not.toContain(secret);
    });

    it('fails with the timeout code when the call timeout is shorter', async () => {
      const port = (server.address() as { port: number }).port;
      const store = createRcloneStore({
        remote: {
          provider: 'Other',
          endpoint: `http://127.0.0.1:${port}`,
          accessKey: 'AK',
          secretKey: 'SK-blackhole',
          bucket: 'b',
        },
        timeouts: { requestMs: 1000 },
      });
      const started = Date.now();
      const error: unknown = await store.list('').catch((e: unknown) => e);
      expect(hasErrorCode(error, RcloneErrorCodes.timeout), errorText(error)).toBe(true);
      expect(Date.now() - started).toBeLessThan(5000);
      expect(await childRclonePids()).toEqual([]);
    });
  });
});

describe.each(providers)('rclone adapter on $name', (provider) => {
  let server: S3Server;
  let bucket: TestBucket;
  let tmp: TempDir;
  const options = (extra: Partial<RcloneOptions> = {}): RcloneOptions => ({
    remote: remoteOf(bucket),
    timeouts: { requestMs: 30_000, transferMs: 120_000 },
    ...extra,
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
    tmp = await makeTempDir();
  });
  afterEach(async () => {
    if (provider.skipReason) return;
    await bucket.remove();
    await tmp.cleanup();
  });

  it('copies single files each way, checks them, and reports differences', async () => {
    const rclone = createRclone(options());
    await writeFile(join(tmp.path, 'one.bin'), 'one');
    await rclone.copyFileUp(join(tmp.path, 'one.bin'), 'single/one.bin');
    await rclone.copyFileDown('single/one.bin', join(tmp.path, 'back', 'one.bin'));
    expect(await readFile(join(tmp.path, 'back', 'one.bin'), 'utf8')).toBe('one');
    await expect(
      rclone.copyFileDown('single/absent', join(tmp.path, 'back', 'absent')),
    ).rejects.toSatisfy((e) => hasErrorCode(e, RcloneErrorCodes.notFound));
    await expect(rclone.copyFileUp(join(tmp.path, 'absent'), 'x')).rejects.toSatisfy((e) =>
      hasErrorCode(e, RcloneErrorCodes.localNotFound),
    );

    expect((await rclone.check(join(tmp.path, 'back'), 'single/')).clean).toBe(true);
    await writeFile(join(tmp.path, 'back', 'one.bin'), 'ONE!');
    await writeFile(join(tmp.path, 'back', 'extra'), 'x');
    const report = await rclone.check(join(tmp.path, 'back'), 'single/');
    expect(report).toMatchObject({ clean: false, differ: ['one.bin'], missingOnRemote: ['extra'] });
  });

  it("skips rclone's own MD5 check only for downloads whose caller verifies them", async () => {
    const logger = collectingLogger();
    const rclone = createRclone(options({ logger }));
    await writeFile(join(tmp.path, 'a.bin'), 'a'.repeat(4096));
    await rclone.copyFilesUp(tmp.path, ['a.bin'], 'v/');
    const argvOf = (what: string): string[] => {
      const line = logger.lines.filter((l) => l.startsWith('rclone started')).at(-1);
      if (!line) throw new Error(`no rclone start logged for ${what}`);
      return JSON.parse(line.slice('rclone started '.length)).argv as string[];
    };
    await rclone.copyFilesDown('v/', ['a.bin'], join(tmp.path, 'checked'));
    expect(argvOf('a plain download')).not.toContain('--ignore-checksum');
    await rclone.copyFilesDown('v/', ['a.bin'], join(tmp.path, 'verified'), {
      verifiedByCaller: true,
    });
    expect(argvOf('a verified download')).toContain('--ignore-checksum');
    for (const dir of ['checked', 'verified'])
      expect(await readFile(join(tmp.path, dir, 'a.bin'), 'utf8')).toBe('a'.repeat(4096));
  });

  it('reports a missing bucket with the bucket code', async () => {
    const store = createRcloneStore(
      options({ remote: remoteOf(bucket, { bucket: `${bucket.bucket}-absent` }) }),
    );
    for (const op of [() => store.list(''), () => store.getSmall('k')]) {
      const error: unknown = await op().catch((e: unknown) => e);
      expect(hasErrorCode(error, RcloneErrorCodes.bucketNotFound), errorText(error)).toBe(true);
    }
  });

  it('turns a bad extra flag into ERR_RCLONE_USAGE with the exit code and stderr tail', async () => {
    const store = createRcloneStore(options({ tuning: { flags: ['--no-such-flag'] } }));
    const error: unknown = await store.list('').catch((e: unknown) => e);
    expect(hasErrorCode(error, RcloneErrorCodes.usage), errorText(error)).toBe(true);
    expect(isSyncError(error) && error.details).toMatchObject({ exitCode: 1 });
    expect(JSON.stringify(isSyncError(error) && error.details)).toContain('unknown flag');
  });

  it('hands an SSE-C key from flags to rclone through its environment, and never echoes it', async () => {
    await writeFile(join(tmp.path, 'a.txt'), 'ssec');
    const key = 'Zq9SseC-0123456789abcdef0123456';
    for (const flags of [
      ['--s3-sse-customer-algorithm', 'AES256', '--s3-sse-customer-key', key],
      ['--s3-sse-customer-algorithm=AES256', `--S3-SSE-CUSTOMER-KEY=${key}`],
    ]) {
      const logger = collectingLogger();
      const store = createRcloneStore(
        options({ logger, tuning: { flags: [...flags, ...BOUNDED] } }),
      );
      expect(store.directSmallObjects).toBe(false);
      const error: unknown = await store
        .uploadFiles(tmp.path, ['a.txt'], 'sse/')
        .catch((e: unknown) => e);
      // AWS's SDK refuses SSE-C keys over plain HTTP: proof that rclone received the key.
      expect(errorText(error)).toMatch(/cannot send SSE keys over HTTP/);
      expect(errorText(error)).not.toContain(key);
      expect(logger.lines.join('\n')).not.toContain(key);
      expect(logger.lines.join('\n')).toContain('"flag":"--s3-sse-customer-key"');
    }
    expect(await createRcloneStore(options()).list('sse/')).toEqual([]);
  });

  it('removes AWS_CA_BUNDLE from rclone and uses environment credentials without keys', async () => {
    const env = {
      ...process.env,
      AWS_CA_BUNDLE: '/nonexistent/ca.pem',
      AWS_ACCESS_KEY_ID: bucket.accessKey,
      AWS_SECRET_ACCESS_KEY: bucket.secretKey,
    };
    const store = createRcloneStore({
      ...options({ env, remote: remoteOf(bucket, { accessKey: undefined, secretKey: undefined }) }),
      conditionalPut: true,
    });
    expect(store.capabilities.conditionalPut).toBe(false);
    await store.putSmall('env-auth.txt', 'ok', { ifNoneMatch: true });
    await expect(store.putSmall('env-auth.txt', 'again', { ifNoneMatch: true })).rejects.toSatisfy(
      (e) => hasErrorCode(e, RcloneErrorCodes.preconditionFailed),
    );
    expect((await store.list('')).map((o) => o.key)).toEqual(['env-auth.txt']);
  });

  it(`probes conditional PUT support (${provider.name}: expected ${String(provider.name === 'ceph')})`, async () => {
    expect(await probeConditionalPut(options())).toBe(bucket.conditionalPut);
    expect(await createRcloneStore(options()).list('')).toEqual([]);
  });

  it('emits typed progress, never puts secrets on the command line, and cancels a 1 GiB upload within 2 s', async () => {
    const file = join(tmp.path, 'huge.bin');
    await sparseFile(file, 1024 * 1024 * 1024);
    const logger = collectingLogger();
    const store = createRcloneStore({
      ...options({
        logger,
        tuning: { flags: ['--s3-upload-cutoff', '5M', '--s3-chunk-size', '5M'] },
      }),
    });
    const controller = new AbortController();
    const progress: TransferProgress[] = [];
    const before = new Set(await childRclonePids());
    const upload = store.uploadFiles(tmp.path, ['huge.bin'], 'big/', {
      signal: controller.signal,
      onProgress: (p) => progress.push(p),
    });
    const caught = upload.catch((e: unknown) => e);

    const pid = await waitFor(
      'rclone to start',
      async () => (await childRclonePids()).find((p) => !before.has(p)),
      5000,
    );
    const cmdline = (await readFile(`/proc/${pid}/cmdline`, 'utf8')).split('\0').join(' ');
    expect(cmdline).toContain('copy');
    expect(cmdline).not.toContain(bucket.secretKey);
    expect(cmdline).not.toContain(bucket.accessKey);
    const environ = await readFile(`/proc/${pid}/environ`, 'utf8');
    expect(environ).toContain('RCLONE_CONFIG_FSYNC_SECRET_ACCESS_KEY=');
    expect(environ).not.toContain('AWS_CA_BUNDLE=');

    await waitFor(
      'a progress event with bytes',
      () => Promise.resolve(progress.find((p) => p.bytesDone > 0)),
      15_000,
    );
    const cancelledAt = Date.now();
    controller.abort();
    const error = await caught;
    const stopMs = Date.now() - cancelledAt;
    expect(hasErrorCode(error, RcloneErrorCodes.aborted), errorText(error)).toBe(true);
    expect(stopMs).toBeLessThan(2000);
    expect(await childRclonePids()).toEqual([]);
    await expect(readFile(`/proc/${pid}/stat`)).rejects.toThrow();
    console.info(
      `[${provider.name}] cancel of a 1 GiB upload: rclone gone ${stopMs} ms after abort`,
    );

    const last = progress.at(-1)!;
    expect(last.bytesTotal).toBe(1024 * 1024 * 1024);
    expect(last.objectsTotal).toBe(1);
    expect(typeof last.speed).toBe('number');
    expect(last.etaSeconds === null || typeof last.etaSeconds === 'number').toBe(true);
    expect(logger.lines.join('\n')).not.toContain(bucket.secretKey);
  });

  it.skipIf(provider.name !== 'ceph')(
    'fails within 10 s with the auth code and the store text for a wrong secret',
    async () => {
      const secret = 'wrong-secret-0123456789';
      const logger = collectingLogger();
      const store = createRcloneStore({
        ...options({ logger, remote: remoteOf(bucket, { secretKey: secret }) }),
        conditionalPut: true,
      });
      await writeFile(join(tmp.path, 'f'), 'x');
      const timings: Record<string, number> = {};
      const ops: Record<string, () => Promise<unknown>> = {
        list: () => store.list(''),
        getSmall: () => store.getSmall('k'),
        putSmall: () => store.putSmall('k', 'v'),
        conditionalPut: () => store.putSmall('k', 'v', { ifNoneMatch: true }),
        uploadFiles: () => store.uploadFiles(tmp.path, ['f'], ''),
      };
      for (const [name, op] of Object.entries(ops)) {
        const started = Date.now();
        const error: unknown = await op().catch((e: unknown) => e);
        timings[name] = Date.now() - started;
        expect(hasErrorCode(error, RcloneErrorCodes.auth), `${name}: ${errorText(error)}`).toBe(
          true,
        );
        expect(timings[name]).toBeLessThan(10_000);
        expect(errorText(error)).toMatch(/SignatureDoesNotMatch/);
        expect(errorText(error)).not.toContain(secret);
      }
      expect(logger.lines.join('\n')).not.toContain(secret);
      console.info(`[ceph] wrong secret -> ERR_STORE_AUTH after ms: ${JSON.stringify(timings)}`);
    },
  );
});
