import { access } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import { createTestBucket } from './bucket.js';
import type { S3Server, S3Target } from './s3-target.js';

/** The one-node Ceph RGW of `scripts/ceph-s3.sh`, with the test user the script creates. */
export const CEPH_S3: S3Target = {
  kind: 'ceph',
  provider: 'Ceph',
  endpoint: 'http://127.0.0.1:7480',
  region: 'us-east-1',
  accessKey: 'TESTACCESSKEY0000000',
  secretKey: 'testsecretkey0000000000000000000000000000',
  conditionalPut: true,
  checksSignatures: true,
};

/** Path of the start/stop script (same relative place from `src/stores` and `dist/stores`). */
export const CEPH_SCRIPT = fileURLToPath(new URL('../../scripts/ceph-s3.sh', import.meta.url));

/** Whether Ceph RGW can be used, and why not. */
export type CephStatus =
  | { available: true; started: boolean; target: S3Target; ms: number }
  | { available: false; reason: string; ms: number };

/** Options of `ensureCeph`. */
export interface EnsureCephOptions {
  /** Throw when Ceph cannot be had; default: when `CI` is set. */
  required?: boolean | undefined;
  /** Time allowed for the script to start the cluster; default 240 s. */
  startTimeoutMs?: number | undefined;
  signal?: AbortSignal | undefined;
}

/** True when something answers S3 on the endpoint (any HTTP answer counts). */
export async function s3Answers(
  endpoint: string,
  timeoutMs = 2000,
  signal?: AbortSignal,
): Promise<boolean> {
  const timeout = AbortSignal.timeout(timeoutMs);
  try {
    const response = await fetch(`${endpoint}/`, {
      signal: signal ? AbortSignal.any([signal, timeout]) : timeout,
    });
    await response.arrayBuffer();
    return true;
  } catch {
    return false;
  }
}

/**
 * Makes Ceph RGW available on 127.0.0.1:7480: reuses a running one, else runs `ceph-s3.sh start`.
 * When it cannot: throws if required (CI), else reports why so tests can skip.
 */
export async function ensureCeph(options: EnsureCephOptions = {}): Promise<CephStatus> {
  const started = Date.now();
  const required = options.required ?? Boolean(process.env['CI']);
  const unavailable = (reason: string): CephStatus => {
    if (required) throw new Error(`Ceph RGW is required (CI is set) but unavailable: ${reason}`);
    return { available: false, reason, ms: Date.now() - started };
  };
  if (await s3Answers(CEPH_S3.endpoint, 2000, options.signal)) {
    return { available: true, started: false, target: CEPH_S3, ms: Date.now() - started };
  }
  const known = process.env['FELDERA_SYNC_CEPH_UNAVAILABLE'];
  if (known) return unavailable(known);
  try {
    await access(CEPH_SCRIPT);
  } catch {
    return unavailable(`start script ${CEPH_SCRIPT} is missing`);
  }
  const result = await execa('bash', [CEPH_SCRIPT, 'start'], {
    reject: false,
    timeout: options.startTimeoutMs ?? 240_000,
    all: true,
    stdin: 'ignore',
    ...(options.signal ? { cancelSignal: options.signal } : {}),
  });
  if (result.exitCode === 0 && (await s3Answers(CEPH_S3.endpoint, 5000, options.signal))) {
    return { available: true, started: true, target: CEPH_S3, ms: Date.now() - started };
  }
  const tail = String(result.all ?? '')
    .split('\n')
    .slice(-8)
    .join('\n');
  const reason = `'${CEPH_SCRIPT} start' failed (exit ${result.exitCode ?? 'none'}${result.timedOut ? ', timed out' : ''}): ${tail}`;
  // Later callers in this process (and workers that inherit the environment) skip the retry.
  process.env['FELDERA_SYNC_CEPH_UNAVAILABLE'] = reason;
  return unavailable(reason);
}

/** The shared Ceph RGW as an S3Server (`close()` leaves it running: `ceph-s3.sh stop` stops it). */
export function cephServer(target: S3Target = CEPH_S3): S3Server {
  return {
    ...target,
    createBucket: () => createTestBucket(target),
    close: () => Promise.resolve(),
  };
}

/**
 * A vitest `globalSetup` function: starts Ceph when needed, fails in CI when it cannot, and prints
 * why integration tests on Ceph will be skipped otherwise.
 */
export async function cephGlobalSetup(): Promise<void> {
  const status = await ensureCeph();
  if (!status.available) {
    console.warn(
      `[test-utils] Ceph RGW unavailable, its integration tests will be skipped: ${status.reason}`,
    );
  } else if (status.started) {
    console.warn(
      `[test-utils] started Ceph RGW on ${status.target.endpoint} in ${status.ms} ms (stop: ${CEPH_SCRIPT} stop)`,
    );
  }
}
