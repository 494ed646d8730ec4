import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeTempDir, rcloneEnvFor, s3Providers, uniqueBucketName } from '../object-stores.js';
import type { S3Server } from '../object-stores.js';

describe('makeTempDir', () => {
  it('creates a directory and removes it with its contents', async () => {
    const dir = await makeTempDir();
    await writeFile(join(dir.path, 'f'), 'x');
    expect(existsSync(dir.path)).toBe(true);
    await dir.cleanup();
    await dir.cleanup();
    expect(existsSync(dir.path)).toBe(false);
  });
});

describe('uniqueBucketName', () => {
  it('gives distinct valid S3 bucket names', () => {
    const names = new Set(Array.from({ length: 50 }, () => uniqueBucketName()));
    expect(names.size).toBe(50);
    for (const name of names) expect(name).toMatch(/^[a-z0-9][a-z0-9-]{2,62}$/);
  });
});

const providers = await s3Providers();

describe.each(providers)('$name test buckets', (provider) => {
  let server: S3Server;
  beforeAll(async () => {
    if (!provider.skipReason) server = await provider.start();
  });
  afterAll(async () => {
    if (!provider.skipReason) await server.close();
  });

  it.skipIf(provider.skipReason)(
    'creates a fresh bucket that rclone can write, and removes it',
    async () => {
      const bucket = await server.createBucket();
      const env = rcloneEnvFor(bucket);
      const put = await execa('rclone', ['rcat', `t:${bucket.bucket}/a/b.txt`, '--config', ''], {
        env,
        extendEnv: false,
        input: 'hello',
        timeout: 20_000,
      });
      expect(put.exitCode).toBe(0);
      const listed = await execa(
        'rclone',
        ['lsf', '-R', '--fast-list', `t:${bucket.bucket}`, '--config', ''],
        {
          env,
          extendEnv: false,
          timeout: 20_000,
        },
      );
      expect(listed.stdout.split('\n')).toContain('a/b.txt');
      await bucket.remove();
      const after = await execa('rclone', ['lsjson', `t:${bucket.bucket}`, '--config', ''], {
        env,
        extendEnv: false,
        reject: false,
        timeout: 20_000,
      });
      expect(after.exitCode).toBe(3);
    },
  );
});
