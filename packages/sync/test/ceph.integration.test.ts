// "Done means" checks of the issue, against Ceph RGW through the rclone store.
import { spawn } from 'node:child_process';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { StoreErrorCodes } from '@feldera-sync/checkpoint';
import type { ObjectStore } from '@feldera-sync/checkpoint';
import { hasErrorCode } from '@feldera-sync/errors';
import { createSynchronizer, SyncErrorCodes } from '@feldera-sync/sync';
import type { SynchronizerOptions } from '@feldera-sync/sync';
import { cephServer, ensureCeph, rcloneEnvFor } from '@feldera-sync/test-utils';
import type { TestBucket } from '@feldera-sync/test-utils';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { StorageBuilder, removeDir, snapshotTree, tempDir } from './support/storage-builder.js';
import { storeFor } from './support/stores.js';

const ceph = await ensureCeph();
const A = { systemName: 'pipeline-00000000-0000-4000-8000-00000000000a', givenName: 'alpha' };
const B = { systemName: 'pipeline-00000000-0000-4000-8000-00000000000b', givenName: 'beta' };
const KiB = 1024;
const MiB = 1024 * KiB;

describe.skipIf(!ceph.available)('against Ceph RGW', () => {
  const buckets: TestBucket[] = [];
  const dirs: string[] = [];
  const server = cephServer();
  const bucket = async (): Promise<TestBucket> => {
    const b = await server.createBucket();
    buckets.push(b);
    return b;
  };
  const storage = async (): Promise<StorageBuilder> => {
    const d = await tempDir();
    dirs.push(d);
    return new StorageBuilder(d);
  };
  const sync = (dir: string, store: ObjectStore, extra: Partial<SynchronizerOptions> = {}) =>
    createSynchronizer({
      storageDir: dir,
      store,
      pipeline: A,
      retention: { minCount: 10, minAgeDays: 30 },
      ...extra,
    });
  const listKeys = async (store: ObjectStore) => (await store.list('')).map((o) => o.key).sort();

  let shared: TestBucket;
  beforeAll(async () => {
    shared = await bucket();
  });
  afterAll(async () => {
    for (const b of buckets) await b.remove().catch(() => undefined);
    for (const d of dirs) await removeDir(d);
  });

  it('incremental: checkpoint 2 sends only its new 10%; a standby pulls only the new objects', async () => {
    const a = await storage();
    const store = storeFor(shared, { prefix: 'incremental' });
    const base = [];
    for (let i = 0; i < 9; i++) base.push(await a.batch(400 * KiB));
    const c1 = await a.checkpoint(base, { operatorBytes: 8 * KiB });
    const fresh = await a.batch(400 * KiB);
    const c2 = await a.checkpoint([...base, fresh], { operatorBytes: 8 * KiB });
    const primary = sync(a.dir, store);
    const r1 = await primary.push(c1);
    const b = await storage();
    const standby = sync(b.dir, store, { pipeline: B });
    const p1 = await standby.pull();
    const r2 = await primary.push(c2);
    const p2 = await standby.pull();
    expect(r1.bytes).toBeGreaterThan(9 * 400 * KiB);
    expect(r2.skippedObjects).toBe(9);
    // New batch + zip of a 8 KiB checkpoint dir + manifest + catalog.
    expect(r2.bytes).toBeLessThan(400 * KiB + 20 * KiB);
    expect(r2.bytes).toBeGreaterThan(400 * KiB);
    expect(p1).toMatchObject({ uuid: c1, objects: 10 });
    expect(p2).toMatchObject({ uuid: c2, objects: 2, reused: 9 });
    expect(p2.bytes).toBeLessThan(400 * KiB + 20 * KiB);
    const src = await snapshotTree(a.dir);
    const dst = await snapshotTree(b.dir);
    for (const [k, v] of Object.entries(src))
      if (k.startsWith(c2) || k.startsWith('w0-')) expect(dst[k]).toBe(v);
    console.info(
      `[sync] incremental push bytes: c1=${r1.bytes} c2=${r2.bytes}; standby pull bytes: c1=${p1.bytes} c2=${p2.bytes}`,
    );
  });

  it('integrity: one flipped byte in a remote batch file fails the pull, naming the object; storage unchanged', async () => {
    const a = await storage();
    const store = storeFor(shared, { prefix: 'integrity' });
    const batch = await a.batch(256 * KiB);
    const c1 = await a.checkpoint([batch]);
    await sync(a.dir, store).push(c1);
    const body = (await store.getSmall(batch))!;
    body.set([body[1000]! ^ 0x01], 1000);
    const damaged = await mkdtemp(join(tmpdir(), 'damaged-'));
    dirs.push(damaged);
    await writeFile(join(damaged, batch), body);
    await store.uploadFiles(damaged, [batch], '');
    const b = await storage();
    const before = await snapshotTree(b.dir);
    const err = await sync(b.dir, store, { pipeline: B })
      .restore({ spec: c1 })
      .catch((e: unknown) => e);
    expect(hasErrorCode(err, SyncErrorCodes.integrity)).toBe(true);
    expect((err as Error).message).toContain(batch);
    expect(await snapshotTree(b.dir)).toEqual(before);
    const report = await sync(a.dir, store).verify(c1);
    expect(report.problems).toEqual([expect.objectContaining({ key: batch, problem: 'sha256' })]);
  });

  it('ownership: a second pipeline fails before writing a single object; the owner continues', async () => {
    const own = await bucket();
    const store = storeFor(own);
    const a = await storage();
    const c1 = await a.checkpoint([await a.batch(64 * KiB)]);
    await sync(a.dir, store).push(c1);
    const before = await store.list('');
    const c2 = await a.checkpoint([await a.batch(64 * KiB)]);
    const err = await sync(a.dir, store, { pipeline: B })
      .push(c2)
      .catch((e: unknown) => e);
    expect(hasErrorCode(err, SyncErrorCodes.ownerMismatch)).toBe(true);
    expect((err as Error).message).toContain('Refusing to write checkpoint data');
    expect(await store.list('')).toEqual(before);
    await expect(sync(a.dir, store).push(c2)).resolves.toMatchObject({ uuid: c2 });
  });

  it('ownership: of two first pushers racing, exactly one owns the bucket', async () => {
    const own = await bucket();
    const a = await storage();
    const b = await storage();
    const ca = await a.checkpoint([await a.batch(16 * KiB)]);
    const cb = await b.checkpoint([await b.batch(16 * KiB)]);
    const results = await Promise.allSettled([
      sync(a.dir, storeFor(own)).push(ca),
      sync(b.dir, storeFor(own), { pipeline: B }).push(cb),
    ]);
    const won = results.filter((r) => r.status === 'fulfilled');
    expect(won).toHaveLength(1);
    const lost = results.find((r) => r.status === 'rejected');
    expect(hasErrorCode(lost?.reason, SyncErrorCodes.ownerMismatch)).toBe(true);
    const owner = JSON.parse(
      new TextDecoder().decode(await storeFor(own).getSmall('owner.json')),
    ) as { pipeline_name: string };
    expect(owner.pipeline_name).toBe(
      results[0].status === 'fulfilled' ? A.systemName : B.systemName,
    );
  });

  it('retention keeps the newest and the young, and the bucket holds exactly what they need', async () => {
    const store = storeFor(shared, { prefix: 'retention' });
    const a = await storage();
    const s = sync(a.dir, store, { retention: { minCount: 2, minAgeDays: 0 } });
    const base = await a.batch(32 * KiB);
    const ids: string[] = [];
    const needed = new Set(['owner.json', 'checkpoints.feldera', base]);
    for (let i = 0; i < 4; i++) {
      const own = await a.batch(8 * KiB);
      ids.push(await a.checkpoint([base, own]));
      if (i >= 2) needed.add(own).add(`${ids[i]}.zip`).add(`dependencies/${ids[i]}.json`);
      await s.push(ids[i]!);
    }
    expect(await listKeys(store)).toEqual([...needed].sort());
    const catalog = JSON.parse(
      new TextDecoder().decode(await store.getSmall('checkpoints.feldera')),
    ) as { uuid: string }[];
    expect(catalog.map((e) => e.uuid)).toEqual(ids.slice(2));
  });

  it('auth errors fail a restore with the store text even when fail_if_no_checkpoint is off', async () => {
    const b = await storage();
    const bad = storeFor(shared, { secretKey: 'wrong-secret-0000000000000000000000000000' });
    const err = await sync(b.dir, bad)
      .restore({ failIfNoCheckpoint: false })
      .catch((e: unknown) => e);
    expect(hasErrorCode(err, StoreErrorCodes.auth)).toBe(true);
    expect((err as Error).message).toMatch(/SignatureDoesNotMatch|AccessDenied|InvalidAccessKeyId/);
    expect((err as Error).message).not.toContain('wrong-secret');
  });

  it('moves a few MiB and reports speed', async () => {
    const a = await storage();
    const store = storeFor(shared, { prefix: 'speed' });
    const c = await a.checkpoint([await a.batch(4 * MiB), await a.batch(4 * MiB)]);
    const r = await sync(a.dir, store).push(c);
    expect(r.speed).toBeGreaterThan(0);
    console.info(`[sync] push of ${r.bytes} bytes in ${r.durationMs} ms`);
  });

  it('gc aborts unfinished multipart uploads older than the grace period (left by a killed upload) and reports them', async () => {
    const a = await storage();
    const prefix = 'multipart';
    const store = storeFor(shared, { prefix });
    const c = await a.checkpoint([await a.batch(64 * KiB)]);
    await sync(a.dir, store).push(c);
    // An upload killed between its parts leaves an unfinished multipart upload in the bucket.
    const big = join(a.dir, 'big.bin');
    await writeFile(big, Buffer.alloc(30 * MiB, 3));
    const env = rcloneEnvFor(shared);
    const child = spawn(
      'rclone',
      [
        'copyto',
        big,
        `t:${shared.bucket}/${prefix}/w0-${c}.feldera`,
        '--config',
        '',
        '--s3-upload-cutoff',
        '5M',
        '--s3-chunk-size',
        '5M',
        '--bwlimit',
        '6M',
      ],
      { env, stdio: 'ignore' },
    );
    await new Promise((r) => setTimeout(r, 2_500));
    child.kill('SIGKILL');
    await new Promise((r) => child.on('exit', r));
    const pending = await store.multipart!.list();
    expect(pending.map((u) => u.key)).toEqual([`w0-${c}.feldera`]);
    const s = sync(a.dir, store);
    // Younger than the grace period: left alone.
    expect((await s.gc({ uploadGraceMs: 3_600_000 })).abortedUploads).toEqual([]);
    expect(await store.multipart!.list()).toHaveLength(1);
    await new Promise((r) => setTimeout(r, 1_100));
    const dry = await s.gc({ dryRun: true, uploadGraceMs: 1_000 });
    expect(dry.abortedUploads).toEqual([`w0-${c}.feldera`]);
    expect(await store.multipart!.list()).toHaveLength(1);
    const report = await s.gc({ uploadGraceMs: 1_000 });
    expect(report.abortedUploads).toEqual([`w0-${c}.feldera`]);
    expect(await store.multipart!.list()).toEqual([]);
    // The checkpoint itself is untouched.
    expect((await s.verify(c)).ok).toBe(true);
  }, 120_000);
});
