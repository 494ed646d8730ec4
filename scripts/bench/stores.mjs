// Object stores for the benchmark: Ceph RGW (the shared one on 127.0.0.1:7480, started through
// test-utils when absent) and s3rver (in a child process). Plus the ObjectStore factory with a
// counting proxy, and the rclone baselines run with the adapter's own argv builder.
import { spawn } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  createRcloneStore,
  buildArgv,
  buildRcloneEnv,
  tuningFromSyncConfig,
} from '../../packages/rclone/dist/index.js';
import { CEPH_S3, createTestBucket, ensureCeph } from '../../packages/test-utils/dist/index.js';
import { pidsByComm, procCpuSeconds, runOk } from './util.mjs';

/** The sync config defaults of SPEC section 1: the tuning both the product and the baselines use. */
export const TUNING = tuningFromSyncConfig({
  transfers: 20,
  checkers: 20,
  multi_thread_streams: 10,
  multi_thread_cutoff: '100M',
  upload_concurrency: 10,
});

export async function startStore(kind) {
  if (kind === 'ceph') {
    const status = await ensureCeph({ required: false, startTimeoutMs: 240_000 });
    if (!status.available) throw new Error(`Ceph RGW is not available: ${status.reason}`);
    return {
      kind,
      target: status.target ?? CEPH_S3,
      storePids: () => pidsByComm(['radosgw', 'ceph-osd', 'ceph-mon']),
      close: async () => {},
    };
  }
  const script = fileURLToPath(new URL('./s3rver-child.mjs', import.meta.url));
  const child = spawn(process.execPath, [script], { stdio: ['ignore', 'pipe', 'inherit'] });
  const target = await new Promise((resolve, reject) => {
    let buf = '';
    const timer = setTimeout(() => reject(new Error('s3rver did not start in 30 s')), 30_000);
    child.stdout.setEncoding('utf8').on('data', (c) => {
      buf += c;
      const nl = buf.indexOf('\n');
      if (nl >= 0) {
        clearTimeout(timer);
        resolve(JSON.parse(buf.slice(0, nl)));
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`s3rver exited with ${code}`));
    });
  });
  return {
    kind,
    target,
    storePids: () => (procCpuSeconds(child.pid) >= 0 ? [{ pid: child.pid, comm: 's3rver' }] : []),
    close: () =>
      new Promise((resolve) => {
        if (child.exitCode !== null) return resolve();
        const t = setTimeout(() => child.kill('SIGKILL'), 10_000);
        child.once('exit', () => {
          clearTimeout(t);
          resolve();
        });
        child.kill('SIGTERM');
      }),
  };
}

export function bucketFor(store) {
  return createTestBucket(store.target);
}

export function remoteOf(target, location) {
  return {
    provider: target.provider,
    endpoint: target.endpoint,
    region: target.region,
    accessKey: target.accessKey,
    secretKey: target.secretKey,
    bucket: location,
  };
}

/** Wraps an ObjectStore so that every port call is counted by method. */
export function countingStore(inner) {
  const counts = {};
  const wrap =
    (name) =>
    (...args) => {
      counts[name] = (counts[name] ?? 0) + 1;
      return inner[name](...args);
    };
  const store = {
    description: inner.description,
    capabilities: inner.capabilities,
    rclone: inner.rclone,
  };
  for (const m of [
    'list',
    'head',
    'getSmall',
    'putSmall',
    'uploadFiles',
    'downloadFiles',
    'delete',
  ])
    store[m] = wrap(m);
  return {
    store,
    counts,
    reset() {
      for (const k of Object.keys(counts)) delete counts[k];
    },
    snapshot: () => ({ ...counts }),
  };
}

/** The product's ObjectStore on `location` (rclone through the counting wrapper binary). */
export function productStore(target, location, wrapper) {
  return countingStore(
    createRcloneStore({
      binary: wrapper.binary,
      remote: remoteOf(target, location),
      tuning: TUNING,
      conditionalPut: target.conditionalPut,
    }),
  );
}

/**
 * Baseline: plain `rclone copy` of a known file list with the adapter's own flags (same argv
 * builder: `--files-from-raw --no-traverse`, the tuning, `--s3-disable-checksum` up).
 */
export async function rcloneCopy(
  wrapper,
  target,
  { direction, localDir, location, files, listDir },
) {
  const listFile = join(listDir, `files-${process.hrtime.bigint()}.txt`);
  await writeFile(listFile, files.join('\n') + '\n');
  const remotePath = `fsync:${location}`;
  const argv = buildArgv({
    command: 'copy',
    operands: direction === 'up' ? [localDir, remotePath] : [remotePath, localDir],
    flags: ['--files-from-raw', listFile, '--no-traverse'],
    createBucket: false,
    tuning: TUNING,
    transfer: { direction, disableUploadChecksum: true },
  });
  const env = buildRcloneEnv(remoteOf(target, location.split('/')[0]), process.env);
  await runOk(wrapper.binary, argv, { env, timeoutMs: 20 * 60_000 });
}
