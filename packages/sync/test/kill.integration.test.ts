// Crash safety: a child pushing (or pulling) is SIGKILLed at random moments.
import { spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ObjectStore } from '@feldera-sync/checkpoint';
import { createSynchronizer } from '@feldera-sync/sync';
import { cephServer, ensureCeph, felderaRestoreCheck } from '@feldera-sync/test-utils';
import type { TestBucket } from '@feldera-sync/test-utils';
import { afterAll, describe, expect, it } from 'vitest';
import { StorageBuilder, removeDir, snapshotTree, tempDir } from './support/storage-builder.js';
import { storeFor } from './support/stores.js';

const ceph = await ensureCeph();
const CHILD = fileURLToPath(new URL('./fixtures/sync-child.mjs', import.meta.url));
const A = { systemName: 'pipeline-00000000-0000-4000-8000-00000000000a', givenName: 'alpha' };
const KILLS = Number(process.env['FELDERA_SYNC_KILLS'] ?? 20);

function runChild(
  op: 'push' | 'pull',
  dir: string,
  env: string,
  killAfterMs: number | null,
): Promise<{ killed: boolean; code: number | null; out: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [CHILD, op, dir], {
      env: { ...process.env, FSYNC_TEST_STORE: env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    const timer =
      killAfterMs === null ? null : setTimeout(() => child.kill('SIGKILL'), killAfterMs);
    child.on('exit', (code, signal) => {
      if (timer) clearTimeout(timer);
      resolve({ killed: signal === 'SIGKILL', code, out });
    });
  });
}

async function catalogOf(store: ObjectStore): Promise<string[]> {
  const body = await store.getSmall('checkpoints.feldera');
  return body
    ? (
        JSON.parse(new TextDecoder().decode(body).replace(/\d{16,}/g, '0')) as { uuid: string }[]
      ).map((e) => e.uuid)
    : [];
}

/** Every catalogued checkpoint has a manifest whose objects all exist with the recorded size. */
async function assertRemoteConsistent(store: ObjectStore): Promise<string[]> {
  const uuids = await catalogOf(store);
  const sizes = new Map((await store.list('')).map((o) => [o.key, o.size]));
  for (const uuid of uuids) {
    const m = JSON.parse(
      new TextDecoder()
        .decode(await store.getSmall(`dependencies/${uuid}.json`))
        .replace(/\d{16,}/g, '0'),
    ) as {
      objects: { key: string; size: number }[];
    };
    for (const o of m.objects) expect(sizes.get(o.key), `${o.key} of ${uuid}`).toBe(o.size);
  }
  return uuids;
}

describe.skipIf(!ceph.available)('SIGKILL at random moments (Ceph RGW)', () => {
  const buckets: TestBucket[] = [];
  const dirs: string[] = [];
  afterAll(async () => {
    for (const b of buckets) await b.remove().catch(() => undefined);
    for (const d of dirs) await removeDir(d);
  });

  it(`push: after each of ${KILLS} kills the remote catalog names only complete checkpoints; the next push finishes`, async () => {
    const bucket = await cephServer().createBucket();
    buckets.push(bucket);
    const store = storeFor(bucket);
    const dir = await tempDir();
    dirs.push(dir);
    const b = new StorageBuilder(dir);
    const checkpoints: string[] = [];
    const batches: string[] = [];
    for (let i = 0; i < 4; i++) {
      for (let j = 0; j < 3; j++) batches.push(await b.batch(96 * 1024));
      checkpoints.push(await b.checkpoint([...batches], { operatorBytes: 16 * 1024 }));
    }
    const env = JSON.stringify({
      remote: {
        provider: bucket.provider,
        endpoint: bucket.endpoint,
        region: bucket.region,
        accessKey: bucket.accessKey,
        secretKey: bucket.secretKey,
        bucket: bucket.bucket,
      },
      conditionalPut: bucket.conditionalPut,
      pipeline: A,
      checkpoints,
    });
    let killed = 0;
    for (let i = 0; i < KILLS; i++) {
      const r = await runChild('push', dir, env, 100 + Math.floor(Math.random() * 2500));
      if (r.killed) killed++;
      else expect(r.code, r.out).toBe(0);
      await assertRemoteConsistent(store);
    }
    const present = new Set((await store.list('')).map((o) => o.key));
    let missingBytes = 0;
    for (const f of [...batches, ...checkpoints.map((c) => `${c}.zip`)]) {
      if (!present.has(f)) missingBytes += f.endsWith('.zip') ? 32 * 1024 : 96 * 1024;
    }
    const final = await runChild('push', dir, env, null);
    expect(final.code, final.out).toBe(0);
    expect(await assertRemoteConsistent(store)).toEqual(checkpoints);
    // Whatever arrived before the kills is not sent again: only missing objects plus metadata.
    const sent = final.out
      .trim()
      .split('\n')
      .map((l) => (JSON.parse(l) as { bytes: number }).bytes)
      .reduce((x, y) => x + y, 0);
    expect(sent).toBeLessThanOrEqual(missingBytes + checkpoints.length * 16 * 1024);
    // Every catalogued checkpoint restores with matching hashes.
    const src = await snapshotTree(dir);
    for (const uuid of [checkpoints[0]!, checkpoints[3]!]) {
      const into = await tempDir();
      dirs.push(into);
      await createSynchronizer({ storageDir: into, store, pipeline: A }).restore({ spec: uuid });
      const dst = await snapshotTree(into);
      for (const [k, v] of Object.entries(dst))
        if (k.startsWith(uuid) || k.startsWith('w0-')) expect(v).toBe(src[k]);
    }
    console.info(`[sync] push kill test: ${killed} of ${KILLS} runs killed mid-push`);
  }, 600_000);

  it(`pull: after each of ${KILLS} kills the storage holds the old state or the complete new checkpoint`, async () => {
    const bucket = await cephServer().createBucket();
    buckets.push(bucket);
    const store = storeFor(bucket);
    const src = await tempDir();
    dirs.push(src);
    const b = new StorageBuilder(src);
    const c1 = await b.checkpoint([await b.batch(128 * 1024)]);
    const primary = createSynchronizer({ storageDir: src, store, pipeline: A });
    await primary.push(c1);
    const standby = await tempDir();
    dirs.push(standby);
    // Closed, so its lock on the standby directory is released for the child processes.
    const first = createSynchronizer({ storageDir: standby, store, pipeline: A });
    await first.pull();
    await first.close();
    const old = await snapshotTree(standby);
    const batches = [];
    for (let j = 0; j < 6; j++) batches.push(await b.batch(256 * 1024));
    const c2 = await b.checkpoint(batches);
    await primary.push(c2);
    const want = await snapshotTree(src);
    const env = JSON.stringify({
      remote: {
        provider: bucket.provider,
        endpoint: bucket.endpoint,
        region: bucket.region,
        accessKey: bucket.accessKey,
        secretKey: bucket.secretKey,
        bucket: bucket.bucket,
      },
      conditionalPut: bucket.conditionalPut,
      pipeline: A,
    });
    let installedAt = -1;
    for (let i = 0; i < KILLS; i++) {
      const r = await runChild('pull', standby, env, 50 + Math.floor(Math.random() * 1500));
      if (!r.killed) expect(r.code, r.out).toBe(0);
      const now = await snapshotTree(standby);
      const catalog = await readFile(join(standby, 'checkpoints.feldera'), 'utf8');
      // Whatever instant the kill hit, a Feldera pipeline could start on the directory.
      const check = await felderaRestoreCheck(standby);
      expect(check.problems, `kill ${i}`).toEqual([]);
      if (catalog.includes(c2)) {
        if (installedAt < 0) installedAt = i;
        for (const [k, v] of Object.entries(want))
          if (k.startsWith(c2) || batches.includes(k)) expect(now[k], k).toBe(v);
      } else {
        // Old state: everything that was there is unchanged and the catalog does not name c2.
        for (const [k, v] of Object.entries(old)) expect(now[k], k).toBe(v);
      }
      if (installedAt >= 0 && i > installedAt) break;
    }
    const last = await runChild('pull', standby, env, null);
    expect(last.code, last.out).toBe(0);
    expect(await readFile(join(standby, 'state.json'), 'utf8')).toBe(
      await readFile(join(src, c2, 'state.json'), 'utf8'),
    );
    expect(await felderaRestoreCheck(standby)).toMatchObject({ ok: true, resumesFrom: c2 });
  }, 600_000);
});
