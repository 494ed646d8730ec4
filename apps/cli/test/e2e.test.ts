import { createHash } from 'node:crypto';
import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cephServer, ensureCeph, generateStorageDir, makeTempDir } from '@feldera-sync/test-utils';
import type { GeneratedStorage, TempDir, TestBucket } from '@feldera-sync/test-utils';
import { assertBuilt, BIN, renderScreen, run, runBin, shellQuote } from './support/bin.js';

const ceph = await ensureCeph();
const buckets: TestBucket[] = [];
let tmp: TempDir;
let storage: GeneratedStorage;

function baseEnv(extra: Record<string, string> = {}): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env))
    if (v !== undefined && !k.startsWith('FELDERA_SYNC_')) env[k] = v;
  return { ...env, ...extra };
}

async function configFor(bucket: TestBucket, name: string): Promise<string> {
  const path = join(tmp.path, name);
  // Keys come from the environment: the file holds none.
  await writeFile(
    path,
    JSON.stringify({
      bucket: bucket.bucket,
      endpoint: bucket.endpoint,
      provider: bucket.provider,
      region: bucket.region,
    }),
  );
  return path;
}

async function sha256(path: string): Promise<string> {
  return createHash('sha256')
    .update(await readFile(path))
    .digest('hex');
}

describe.skipIf(!ceph.available)('built binary against Ceph RGW', () => {
  beforeAll(async () => {
    await assertBuilt();
    tmp = await makeTempDir('feldera-sync-cli-e2e-');
    storage = await generateStorageDir(join(tmp.path, 'storage'), {
      seed: 42,
      checkpoints: 3,
      batchSize: { min: 256 << 10, max: 3 << 20 },
      operatorFileSize: { min: 1 << 10, max: 512 << 10 },
      startMs: Date.now() - 10 * 60_000,
    });
  });
  afterAll(async () => {
    await Promise.all(buckets.map((b) => b.remove()));
    await tmp?.cleanup();
  });

  it('push, ls --remote --json, wipe, pull: identical bytes; wrong keys exit 4', async () => {
    const bucket = await cephServer().createBucket();
    buckets.push(bucket);
    const config = await configFor(bucket, 'e2e.json');
    const env = baseEnv({
      FELDERA_SYNC_ACCESS_KEY: bucket.accessKey,
      FELDERA_SYNC_SECRET_KEY: bucket.secretKey,
    });
    const latest = storage.checkpoints.at(-1)!;

    const push = await runBin(
      ['push', '--config', config, '--storage', storage.dir, '--pipeline', 'e2e', '--json'],
      env,
    );
    expect(push.stderr).toBe('');
    expect(push.code).toBe(0);
    const report = JSON.parse(push.stdout) as {
      checkpoint_uuid: string;
      bytes: number;
      objects: number;
      seconds: number;
    };
    expect(report.checkpoint_uuid).toBe(latest.uuid);
    expect(report.bytes).toBeGreaterThan(latest.size / 2);
    expect(report.objects).toBeGreaterThan(0);
    expect(report.seconds).toBeGreaterThan(0);

    const ls = await runBin(['checkpoints', 'ls', '--remote', '--config', config, '--json'], env);
    expect(ls.code).toBe(0);
    expect((JSON.parse(ls.stdout) as { uuid: string }[]).map((e) => e.uuid)).toEqual([latest.uuid]);

    const expected = new Map<string, string>();
    for (const f of [...latest.files.map((x) => x.path), ...latest.batches])
      expected.set(f, await sha256(join(storage.dir, f)));
    const target = join(tmp.path, 'wiped');
    await rm(target, { recursive: true, force: true });
    const pull = await runBin(['pull', '--config', config, '--storage', target, '--json'], env);
    expect(pull.stderr).toBe('');
    expect(pull.code).toBe(0);
    expect(JSON.parse(pull.stdout)).toMatchObject({
      checkpoint_uuid: latest.uuid,
      source: 'bucket',
    });
    for (const [file, hash] of expected) expect(await sha256(join(target, file)), file).toBe(hash);
    const catalog = JSON.parse(await readFile(join(target, 'checkpoints.feldera'), 'utf8')) as {
      uuid: string;
    }[];
    expect(catalog.map((e) => e.uuid)).toEqual([latest.uuid]);

    const verify = await runBin(['verify', '--config', config], env);
    expect(verify.code).toBe(0);

    const wrong = await runBin(['checkpoints', 'ls', '--remote', '--config', config], {
      ...env,
      FELDERA_SYNC_SECRET_KEY: 'wrong-secret-0000000000000000',
    });
    expect(wrong.code).toBe(4);
    expect(wrong.stderr).toContain('[ERR_STORE_AUTH]');
    expect(wrong.stderr).not.toContain('wrong-secret-0000000000000000');
  }, 120_000);

  it('draws a progress bar in a real terminal that ends at 100% with the byte count', async () => {
    const bucket = await cephServer().createBucket();
    buckets.push(bucket);
    const config = await configFor(bucket, 'tty.json');
    const env = baseEnv({
      FELDERA_SYNC_ACCESS_KEY: bucket.accessKey,
      FELDERA_SYNC_SECRET_KEY: bucket.secretKey,
      COLUMNS: '120',
    });
    const command = [
      process.execPath,
      BIN,
      'push',
      '--config',
      config,
      '--storage',
      storage.dir,
      '--pipeline',
      'tty',
    ]
      .map(shellQuote)
      .join(' ');
    const result = await run('script', ['-qfec', `stty cols 120; ${command}`, '/dev/null'], env);
    expect(result.code, result.stdout).toBe(0);
    const screen = renderScreen(result.stdout).filter((line) => line.trim() !== '');
    const summary = screen.find((line) => line.startsWith('pushed '));
    expect(summary, screen.join('\n')).toBeDefined();
    const bytes = /: (\S+ \S+) in \d+ objects/.exec(summary!)![1]!;
    const bar = screen.filter((line) => line.startsWith('push ')).at(-1)!;
    expect(bar).toMatch(/^push \[#+\] 100% /);
    expect(bar).toContain(`${bytes}/${bytes}`);
    expect(bar).toMatch(/(\d+)\/\1 objects$/);
    expect(result.stdout).toContain('\u001b[2K');
  }, 120_000);
});
