import { mkdir, readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { ObjectStore } from '@feldera-sync/checkpoint';
import { createMemoryObjectStore, StoreErrorCodes } from '@feldera-sync/checkpoint';
import { SyncError, hasErrorCode } from '@feldera-sync/errors';
import { describe, expect, it } from 'vitest';
import type { StorageBuilder } from '../test/support/storage-builder.js';
import { removeDir, snapshotTree, storagePerTest } from '../test/support/storage-builder.js';
import { SimulatedClock } from '@feldera-sync/clock';
import { SyncErrorCodes } from './errors.js';
import type { SynchronizerOptions } from './synchronizer.js';
import { createSynchronizer } from './synchronizer.js';

const A = { systemName: 'pipeline-00000000-0000-4000-8000-00000000000a', givenName: 'alpha' };
const B = { systemName: 'pipeline-00000000-0000-4000-8000-00000000000b', givenName: 'beta' };
const KiB = 1024;

const storage = storagePerTest();

const sync = (dir: string, store: ObjectStore, extra: Partial<SynchronizerOptions> = {}) =>
  createSynchronizer({
    storageDir: dir,
    store,
    pipeline: A,
    retention: { minCount: 10, minAgeDays: 30 },
    ...extra,
  });

/** A store whose every call fails like a store with bad credentials. */
function refusingStore(): ObjectStore {
  const fail = () =>
    Promise.reject(
      new SyncError(
        StoreErrorCodes.auth,
        'SignatureDoesNotMatch: the request signature we calculated does not match',
      ),
    );
  return {
    description: 's3:refusing/',
    capabilities: { conditionalPut: true },
    list: fail,
    head: fail,
    getSmall: fail,
    putSmall: fail,
    uploadFiles: fail,
    downloadFiles: fail,
    delete: fail,
  };
}

async function twoCheckpoints(b: StorageBuilder) {
  const shared = [await b.batch(90 * KiB), await b.batch(90 * KiB)];
  const c1 = await b.checkpoint(shared, { operatorBytes: 1 * KiB });
  const fresh = await b.batch(20 * KiB);
  const c2 = await b.checkpoint([...shared, fresh], { operatorBytes: 1 * KiB, step: 2 });
  return { shared, fresh, c1, c2 };
}

describe('push and restore (memory store)', () => {
  it('round-trips a checkpoint byte for byte and writes the catalog last', async () => {
    const a = await storage();
    const { c2 } = await twoCheckpoints(a);
    const store = createMemoryObjectStore();
    const order: string[] = [];
    const putSmall = store.putSmall.bind(store);
    store.putSmall = (key, body, o) => (order.push(key), putSmall(key, body, o));
    const s = sync(a.dir, store);
    const report = await s.push(c2);
    expect(report).toMatchObject({ uuid: c2, objects: 6, skippedObjects: 0, alreadySynced: false });
    expect(order).toEqual(['owner.json', `dependencies/${c2}.json`, 'checkpoints.feldera']);
    expect(JSON.parse(new TextDecoder().decode(store.objects.get('owner.json')))).toMatchObject({
      pipeline_name: A.systemName,
      given_name: 'alpha',
    });
    // Nothing left behind: not even an empty staging directory; the lock goes with close().
    await expect(readdir(join(a.dir, '.sync-staging'))).rejects.toMatchObject({ code: 'ENOENT' });
    expect(await readdir(a.dir)).toContain('.feldera-sync.lock');
    await s.close();
    expect(await readdir(a.dir)).not.toContain('.feldera-sync.lock');

    const b = await storage();
    const pulled = await sync(b.dir, store, { pipeline: B }).restore({ spec: 'latest' });
    expect(pulled).toMatchObject({ uuid: c2, source: 'bucket', objects: 4, reused: 0 });
    const src = await snapshotTree(a.dir);
    const dst = await snapshotTree(b.dir);
    for (const key of Object.keys(src))
      if (key.startsWith(c2) || key.startsWith('w0-')) expect(dst[key]).toBe(src[key]);
    expect(await readFile(join(b.dir, 'state.json'), 'utf8')).toBe(
      await readFile(join(a.dir, c2, 'state.json'), 'utf8'),
    );
    expect(await readFile(join(b.dir, 'checkpoints.feldera'), 'utf8')).toContain(
      '18446744073709551557',
    );
  });

  it('sends only new objects for a checkpoint sharing most bytes with the last one', async () => {
    const a = await storage();
    const { c1, c2 } = await twoCheckpoints(a);
    const store = createMemoryObjectStore();
    const s = sync(a.dir, store);
    const first = await s.push(c1);
    const second = await s.push(c2);
    expect(first.bytes).toBeGreaterThan(180 * KiB);
    expect(second.skippedObjects).toBe(2);
    expect(second.bytes).toBeLessThan(20 * KiB + 8 * KiB);
    expect(store.calls.list).toBe(0);
    const again = await s.push(c2);
    expect(again).toMatchObject({ alreadySynced: true, bytes: 0 });
  });

  it('refuses a checkpoint that is not complete locally, before any request', async () => {
    const a = await storage();
    const { c2, fresh } = await twoCheckpoints(a);
    await removeDir(join(a.dir, fresh));
    const store = createMemoryObjectStore();
    const err = await sync(a.dir, store)
      .push(c2)
      .catch((e: unknown) => e);
    expect(hasErrorCode(err, SyncErrorCodes.checkpointNotFound)).toBe(true);
    expect((err as Error).message).toBe(`checkpoint '${c2}' not found in local storage`);
    expect(Object.values(store.calls).reduce((x, y) => x + y)).toBe(0);
  });

  it('refuses to push into a bucket another pipeline owns, writing nothing', async () => {
    const a = await storage();
    const { c1 } = await twoCheckpoints(a);
    const store = createMemoryObjectStore();
    await sync(a.dir, store).push(c1);
    const before = new Map(store.objects);
    store.calls.putSmall = 0;
    store.calls.uploadFiles = 0;
    const err = await sync(a.dir, store, { pipeline: B })
      .push(c1)
      .catch((e: unknown) => e);
    expect(hasErrorCode(err, SyncErrorCodes.ownerMismatch)).toBe(true);
    expect((err as Error).message).toBe(
      `S3 checkpoint bucket is already owned by alpha (id: ${A.systemName}). Current pipeline is beta (id: ${B.systemName}). Refusing to write checkpoint data`,
    );
    expect(store.calls.putSmall + store.calls.uploadFiles).toBe(0);
    expect(store.objects).toEqual(before);
    await expect(
      sync(a.dir, store, { pipeline: { ...A, givenName: 'renamed' } }).push('latest'),
    ).resolves.toMatchObject({ uuid: expect.any(String) });
  });

  it('shares one push between concurrent requests for the same checkpoint', async () => {
    const a = await storage();
    const { c1, c2 } = await twoCheckpoints(a);
    const store = createMemoryObjectStore();
    const s = sync(a.dir, store);
    const [r1, r2, r3] = await Promise.all([s.push(c1), s.push(c1), s.push(c2)]);
    expect(r1).toBe(r2);
    expect(r3.uuid).toBe(c2);
    expect(store.calls.uploadFiles).toBe(2);
    expect(s.status()).toMatchObject({ success: c2, lastSynced: c2, running: null });
  });

  it('pins the checkpoint during a push and survives local GC deleting its files meanwhile', async () => {
    const a = await storage();
    const { c1, shared } = await twoCheckpoints(a);
    const store = createMemoryObjectStore();
    const s = sync(a.dir, store);
    const upload = store.uploadFiles.bind(store);
    let pinsSeen: string[] = [];
    store.uploadFiles = async (dir, files, prefix, o) => {
      pinsSeen = [...s.pins()];
      for (const f of shared) await removeDir(join(a.dir, f));
      return upload(dir, files, prefix, o);
    };
    await s.push(c1);
    expect(pinsSeen).toEqual([c1]);
    expect(s.pins().size).toBe(0);
    expect(store.objects.get(shared[0]!)?.byteLength).toBe(90 * KiB);
  });
});

describe('pull, integrity and resolution (memory store)', () => {
  it('pulls only new objects on a standby and reuses batch files it holds', async () => {
    const a = await storage();
    const { c1, c2 } = await twoCheckpoints(a);
    const store = createMemoryObjectStore();
    const primary = sync(a.dir, store);
    await primary.push(c1);
    const b = await storage();
    const standby = sync(b.dir, store, { pipeline: B });
    const p1 = await standby.pull();
    expect(p1).toMatchObject({ uuid: c1, reused: 0, objects: 3 });
    await primary.push(c2);
    const p2 = await standby.pull();
    expect(p2).toMatchObject({ uuid: c2, reused: 2, objects: 2 });
    expect(p2.bytes).toBeLessThan(20 * KiB + 8 * KiB);
    await expect(standby.pull()).resolves.toMatchObject({
      uuid: c2,
      alreadyInstalled: true,
      bytes: 0,
    });
  });

  it('keeps a standby storage bounded: the newest two pulled checkpoints and their files', async () => {
    const a = await storage();
    const store = createMemoryObjectStore();
    const primary = sync(a.dir, store);
    const b = await storage();
    const standby = sync(b.dir, store, { pipeline: B });
    const base = await a.batch(4 * KiB);
    const ids: string[] = [];
    const own: string[] = [];
    for (let i = 0; i < 5; i++) {
      own.push(await a.batch(KiB));
      ids.push(await a.checkpoint([base, own[i]!], { step: i + 1 }));
      await primary.push(ids[i]!);
      await expect(standby.pull()).resolves.toMatchObject({ uuid: ids[i] });
    }
    const catalog = JSON.parse(await readFile(join(b.dir, 'checkpoints.feldera'), 'utf8')) as {
      uuid: string;
    }[];
    expect(catalog.map((e) => e.uuid)).toEqual(ids.slice(3));
    const names = await readdir(b.dir);
    for (const gone of ids.slice(0, 3)) expect(names).not.toContain(gone);
    for (const file of own.slice(0, 3)) expect(names).not.toContain(file);
    for (const kept of [base, ...own.slice(3), ...ids.slice(3)]) expect(names).toContain(kept);
    // What is left restores: the newest checkpoint is intact locally.
    const again = sync(b.dir, store, { pipeline: B });
    await expect(again.restore()).resolves.toMatchObject({ uuid: ids[4], source: 'local' });
  });

  it('fails on one flipped byte, naming the object, and leaves storage unchanged', async () => {
    const a = await storage();
    const { c1, c2, fresh } = await twoCheckpoints(a);
    const store = createMemoryObjectStore();
    const s = sync(a.dir, store);
    await s.push(c1);
    await s.push(c2);
    const b = await storage();
    const standby = sync(b.dir, store, { pipeline: B });
    await standby.pull({ spec: c1 });
    const before = await snapshotTree(b.dir);
    store.objects.get(fresh)!.set([store.objects.get(fresh)![100]! ^ 0xff], 100);
    const err = await standby.pull().catch((e: unknown) => e);
    expect(hasErrorCode(err, SyncErrorCodes.integrity)).toBe(true);
    expect((err as Error).message).toContain(fresh);
    expect(await snapshotTree(b.dir)).toEqual(before);
    await expect(readdir(join(b.dir, '.sync-staging'))).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('resolves locally without any store request, so bad credentials do not matter', async () => {
    const a = await storage();
    const { c2 } = await twoCheckpoints(a);
    await expect(sync(a.dir, refusingStore()).restore({ spec: 'latest' })).resolves.toMatchObject({
      uuid: c2,
      source: 'local',
    });
  });

  it('fails on auth errors whatever fail_if_no_checkpoint says; obeys it for not found', async () => {
    const b = await storage();
    const err = await sync(b.dir, refusingStore())
      .restore({ failIfNoCheckpoint: false })
      .catch((e: unknown) => e);
    expect(hasErrorCode(err, StoreErrorCodes.auth)).toBe(true);
    expect((err as Error).message).toContain('SignatureDoesNotMatch');
    const empty = createMemoryObjectStore();
    await expect(sync(b.dir, empty).restore({})).resolves.toMatchObject({
      uuid: null,
      source: 'none',
    });
    const none = await sync(b.dir, empty)
      .restore({ failIfNoCheckpoint: true })
      .catch((e: unknown) => e);
    expect(hasErrorCode(none, SyncErrorCodes.noCheckpoint)).toBe(true);
  });

  it('falls back to read_bucket, never writing it, and warns on pulls from a foreign bucket', async () => {
    const a = await storage();
    const { c1 } = await twoCheckpoints(a);
    const seed = createMemoryObjectStore('memory:seed/');
    await sync(a.dir, seed).push(c1);
    const b = await storage();
    const bucket = createMemoryObjectStore('memory:own/');
    const readStore = createMemoryObjectStore('memory:seed/');
    for (const [k, v] of seed.objects) readStore.objects.set(k, v);
    const r = await sync(b.dir, bucket, { pipeline: B, readStore }).restore({ spec: c1 });
    expect(r).toMatchObject({ uuid: c1, source: 'read_bucket' });
    expect(readStore.calls.putSmall + readStore.calls.uploadFiles + readStore.calls.delete).toBe(0);
    const warnings: string[] = [];
    const logger = {
      debug() {},
      info() {},
      error() {},
      warn: (m: string) => void warnings.push(m),
    };
    const c = await storage();
    await sync(c.dir, seed, { pipeline: B, logger }).pull();
    expect(warnings.join('\n')).toContain('owned by');
  });

  it('verify reports each damaged or missing object', async () => {
    const a = await storage();
    const { c2, shared, fresh } = await twoCheckpoints(a);
    const store = createMemoryObjectStore();
    const s = sync(a.dir, store);
    await s.push(c2);
    await expect(s.verify('latest')).resolves.toMatchObject({ uuid: c2, ok: true, problems: [] });
    store.objects.get(fresh)!.set([store.objects.get(fresh)![0]! ^ 1], 0);
    store.objects.delete(shared[0]!);
    const report = await s.verify(c2);
    expect(report.ok).toBe(false);
    expect(report.problems).toEqual(
      expect.arrayContaining([
        { key: shared[0], problem: 'missing' },
        expect.objectContaining({ key: fresh, problem: 'sha256' }),
      ]),
    );
  });
});

describe('crash resume and retention (memory store)', () => {
  it('resumes a push killed mid-upload without re-sending what arrived', async () => {
    const a = await storage();
    const { c1 } = await twoCheckpoints(a);
    const store = createMemoryObjectStore();
    const upload = store.uploadFiles.bind(store);
    let n = 0;
    store.uploadFiles = async (dir, files, prefix, o) => {
      // The first transfer is killed after two of its three objects arrived.
      if (++n === 1) {
        await upload(dir, files.slice(0, 2), prefix, o);
        throw new Error('killed');
      }
      return upload(dir, files, prefix, o);
    };
    await expect(sync(a.dir, store).push(c1)).rejects.toThrow('killed');
    // A SIGKILL would have left the staging directory behind; that is what marks a resume.
    await mkdir(join(a.dir, '.sync-staging', `push-${c1}`), { recursive: true });
    const r = await sync(a.dir, store).push(c1);
    expect(r.skippedObjects).toBe(2);
    expect(r.bytes).toBeLessThan(10 * KiB);
    expect(store.objects.has('checkpoints.feldera')).toBe(true);
  });

  it('keeps what retention says and deletes the rest, catalog first', async () => {
    const a = await storage();
    const store = createMemoryObjectStore();
    const clock = new SimulatedClock(Date.now());
    const s = sync(a.dir, store, { retention: { minCount: 2, minAgeDays: 0 }, clock });
    const base = await a.batch(KiB);
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) {
      const own = await a.batch(KiB);
      ids.push(await a.checkpoint([base, own]));
      await clock.advance(1000);
      const r = await s.push(ids[i]!);
      if (i >= 2) expect(r.retention.removed).toHaveLength(1);
    }
    const catalog = JSON.parse(
      new TextDecoder().decode(store.objects.get('checkpoints.feldera')),
    ) as { uuid: string }[];
    expect(catalog.map((e) => e.uuid)).toEqual(ids.slice(3));
    const keys = [...store.objects.keys()].sort();
    const deps = async (id: string) =>
      JSON.parse(await readFile(join(a.dir, id, 'dependencies.json'), 'utf8')) as {
        batches: string[];
      };
    const wanted = new Set(['owner.json', 'checkpoints.feldera', base]);
    for (const id of ids.slice(3)) {
      wanted.add(`${id}.zip`).add(`dependencies/${id}.json`);
      for (const b of (await deps(id)).batches) wanted.add(b);
    }
    expect(keys).toEqual([...wanted].sort());
  });

  it('refuses retention when a remaining manifest is unreadable', async () => {
    const a = await storage();
    const store = createMemoryObjectStore();
    const s = sync(a.dir, store, { retention: { minCount: 2, minAgeDays: 0 } });
    const ids: string[] = [];
    for (let i = 0; i < 2; i++) {
      ids.push(await a.checkpoint([await a.batch(KiB)]));
      await s.push(ids[i]!);
    }
    store.objects.delete(`dependencies/${ids[1]}.json`);
    ids.push(await a.checkpoint([await a.batch(KiB)]));
    const fresh = sync(a.dir, store, { retention: { minCount: 2, minAgeDays: 0 } });
    const r = await fresh.push(ids[2]!);
    expect(r.retention.refused?.code).toBe(SyncErrorCodes.retentionRefused);
    expect(store.objects.has(`${ids[0]}.zip`)).toBe(true);
  });

  it('gc applies retention (plan only in a dry run), then deletes orphans no manifest names', async () => {
    const a = await storage();
    const store = createMemoryObjectStore();
    const clock = new SimulatedClock(Date.now());
    const keepAll = sync(a.dir, store, { retention: { minCount: 10, minAgeDays: 0 }, clock });
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) {
      ids.push(await a.checkpoint([await a.batch(KiB)]));
      await clock.advance(1000);
      await keepAll.push(ids[i]!);
    }
    store.objects.set('w0-01000000-0000-7000-8000-000000000000.feldera', new Uint8Array(10));
    const before = [...store.objects.keys()].sort();
    const strict = sync(a.dir, store, { retention: { minCount: 1, minAgeDays: 0 }, clock });

    const dry = await strict.gc({ dryRun: true });
    expect(dry.retention.removed).toEqual(ids.slice(0, 2));
    expect(dry.orphans).toEqual(['w0-01000000-0000-7000-8000-000000000000.feldera']);
    expect([...store.objects.keys()].sort()).toEqual(before);

    const done = await strict.gc();
    expect(done.retention.removed).toEqual(ids.slice(0, 2));
    expect(done.refused).toBeNull();
    const catalog = JSON.parse(
      new TextDecoder().decode(store.objects.get('checkpoints.feldera')),
    ) as { uuid: string }[];
    expect(catalog.map((e) => e.uuid)).toEqual([ids[2]]);
    const deps = JSON.parse(await readFile(join(a.dir, ids[2]!, 'dependencies.json'), 'utf8')) as {
      batches: string[];
    };
    expect([...store.objects.keys()].sort()).toEqual(
      [
        'owner.json',
        'checkpoints.feldera',
        `${ids[2]}.zip`,
        `dependencies/${ids[2]}.json`,
        ...deps.batches,
      ].sort(),
    );
  });
});
