// Shared helpers of the end-to-end suites that run the built binary beside other processes
// (Feldera-like writers, killed children) against Ceph RGW.
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFile, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ObjectStore } from '@feldera-sync/checkpoint';
import { createRcloneStore } from '@feldera-sync/rclone';
import type { TestBucket } from '@feldera-sync/test-utils';
import { BIN } from './bin.js';

/** The independent Feldera-layout writer (see fixtures/README.md). */
export const WRITER = fileURLToPath(new URL('../fixtures/feldera_writer.py', import.meta.url));

/** The environment of a CLI child: this process's, minus FELDERA_SYNC_*, plus the bucket's keys. */
export function envFor(bucket: TestBucket): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env))
    if (v !== undefined && !k.startsWith('FELDERA_SYNC_')) env[k] = v;
  return {
    ...env,
    FELDERA_SYNC_ACCESS_KEY: bucket.accessKey,
    FELDERA_SYNC_SECRET_KEY: bucket.secretKey,
  };
}

/** Writes a bare sync config for `bucket` (plus `extra`) into `dir`; returns its path. */
export async function configFor(
  dir: string,
  bucket: TestBucket,
  extra: Record<string, unknown> = {},
  name = `${bucket.bucket}.json`,
): Promise<string> {
  const path = join(dir, name);
  await writeFile(
    path,
    JSON.stringify({
      bucket: bucket.bucket,
      endpoint: bucket.endpoint,
      provider: bucket.provider,
      region: bucket.region,
      ...extra,
    }),
  );
  return path;
}

/** An rclone-backed store on `bucket`, for checking what the bucket holds. */
export function storeOf(bucket: TestBucket): ObjectStore {
  return createRcloneStore({
    binary: 'rclone',
    remote: {
      provider: bucket.provider,
      endpoint: bucket.endpoint,
      region: bucket.region,
      accessKey: bucket.accessKey,
      secretKey: bucket.secretKey,
      bucket: bucket.bucket,
    },
  });
}

/** SHA-256 of every file under `dir`, by path relative to it; `skip` leaves top-level names out. */
export async function tree(
  dir: string,
  skip: readonly string[] = [],
  rel = '',
): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for (const d of await readdir(join(dir, rel), { withFileTypes: true })) {
    if (rel === '' && skip.includes(d.name)) continue;
    const p = rel === '' ? d.name : `${rel}/${d.name}`;
    if (d.isDirectory()) for (const [k, v] of await tree(dir, skip, p)) out.set(k, v);
    else
      out.set(
        p,
        createHash('sha256')
          .update(await readFile(join(dir, p)))
          .digest('hex'),
      );
  }
  return out;
}

/** A child process with its output collected line by line. */
export interface Child {
  readonly process: ChildProcess;
  readonly stdout: () => string;
  readonly stderr: () => string;
  /** Lines of stdout parsed as JSON (others skipped). */
  readonly json: () => Record<string, unknown>[];
  /** Resolves when `test` holds for the output, polling; rejects after `timeoutMs` or on exit. */
  waitFor(test: () => boolean, timeoutMs: number, what: string): Promise<void>;
  /** Resolves with the exit code (null when killed by a signal). */
  readonly exited: Promise<number | null>;
  kill(signal: NodeJS.Signals): void;
}

/** Spawns `file args` with `env`, collecting stdout and stderr. */
export function startChild(
  file: string,
  args: readonly string[],
  env: Record<string, string>,
): Child {
  const child = spawn(file, [...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
  child.stderr.setEncoding('utf8').on('data', (d: string) => (err += d));
  let exitedNow = false;
  const exited = new Promise<number | null>((resolve) =>
    child.on('exit', (code) => {
      exitedNow = true;
      resolve(code);
    }),
  );
  return {
    process: child,
    stdout: () => out,
    stderr: () => err,
    json: () =>
      out
        .split('\n')
        .filter((l) => l.startsWith('{'))
        .flatMap((l) => {
          try {
            return [JSON.parse(l) as Record<string, unknown>];
          } catch {
            return [];
          }
        }),
    async waitFor(test, timeoutMs, what) {
      const deadline = Date.now() + timeoutMs;
      while (!test()) {
        if (exitedNow)
          throw new Error(`${what}: the process exited first\nstdout: ${out}\nstderr: ${err}`);
        if (Date.now() > deadline)
          throw new Error(`${what}: not within ${timeoutMs} ms\nstdout: ${out}\nstderr: ${err}`);
        await new Promise((r) => setTimeout(r, 20));
      }
    },
    exited,
    kill: (signal) => {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
    },
  };
}

/** Spawns the built CLI. */
export function startBin(args: readonly string[], env: Record<string, string>): Child {
  return startChild(process.execPath, [BIN, ...args], env);
}

/** Waits for `promise` at most `ms`, else rejects naming `what`. */
export async function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    return await Promise.race([
      promise,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`${what}: not within ${ms} ms`)), ms);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}
