import { randomBytes } from 'node:crypto';
import { execa } from 'execa';
import type { S3Target, TestBucket } from './s3-target.js';

let counter = 0;

/** A unique, valid bucket name: `t-<pid>-<n>-<random>`. */
export function uniqueBucketName(prefix = 't'): string {
  counter += 1;
  return `${prefix}-${process.pid}-${counter}-${randomBytes(4).toString('hex')}`
    .toLowerCase()
    .slice(0, 63);
}

/** rclone's environment for a target: remote `t:` from variables, no AWS_CA_BUNDLE, no inherited RCLONE_*. */
export function rcloneEnvFor(target: S3Target): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (v !== undefined && k !== 'AWS_CA_BUNDLE' && !k.startsWith('RCLONE_')) env[k] = v;
  }
  Object.assign(env, {
    RCLONE_CONFIG_T_TYPE: 's3',
    RCLONE_CONFIG_T_PROVIDER: target.provider,
    RCLONE_CONFIG_T_ENDPOINT: target.endpoint,
    RCLONE_CONFIG_T_REGION: target.region,
    RCLONE_CONFIG_T_ACCESS_KEY_ID: target.accessKey,
    RCLONE_CONFIG_T_SECRET_ACCESS_KEY: target.secretKey,
  });
  return env;
}

async function rclone(
  target: S3Target,
  args: string[],
  timeout: number,
): Promise<{ ok: boolean; stderr: string }> {
  const result = await execa('rclone', [...args, '--config', ''], {
    env: rcloneEnvFor(target),
    extendEnv: false,
    reject: false,
    timeout,
    stdin: 'ignore',
  });
  return { ok: result.exitCode === 0, stderr: String(result.stderr).slice(-2000) };
}

/** Creates a fresh bucket on the target (through rclone) and returns it with its remover. */
export async function createTestBucket(
  target: S3Target,
  name = uniqueBucketName(),
): Promise<TestBucket> {
  const made = await rclone(target, ['mkdir', `t:${name}`], 30_000);
  if (!made.ok)
    throw new Error(`could not create test bucket ${name} on ${target.endpoint}: ${made.stderr}`);
  let removed = false;
  return {
    ...target,
    bucket: name,
    async remove() {
      if (removed) return;
      removed = true;
      // Abort leftover multipart uploads (cancelled transfers), then delete contents and bucket.
      await rclone(target, ['backend', 'cleanup', `t:${name}`, '-o', 'max-age=0s'], 60_000);
      const purged = await rclone(target, ['purge', `t:${name}`, '--fast-list'], 120_000);
      if (!purged.ok && !/NoSuchBucket|directory not found/.test(purged.stderr)) {
        throw new Error(
          `could not remove test bucket ${name} on ${target.endpoint}: ${purged.stderr}`,
        );
      }
    },
  };
}
