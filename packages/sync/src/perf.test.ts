import { link, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createMemoryObjectStore } from '@feldera-sync/checkpoint';
import { hasErrorCode } from '@feldera-sync/errors';
import { describe, expect, it } from 'vitest';
import { storagePerTest } from '../test/support/storage-builder.js';
import { SyncErrorCodes } from './errors.js';
import { HashCache } from './hash.js';
import { createSynchronizer } from './synchronizer.js';

const A = { systemName: 'pipeline-00000000-0000-4000-8000-00000000000a', givenName: 'alpha' };
const KiB = 1024;
const storage = storagePerTest();

describe('hash cache', () => {
  it('hits through a hard link at another path (same inode), and misses after the file changes', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'hash-cache-'));
    try {
      const cache = new HashCache();
      await writeFile(join(dir, 'a'), 'hello');
      const first = await cache.digest(join(dir, 'a'));
      await link(join(dir, 'a'), join(dir, 'b'));
      await expect(cache.digest(join(dir, 'b'))).resolves.toEqual(first);
      expect(cache.hits).toBe(1);
      expect(cache.hashedBytes).toBe(5);
      await rm(join(dir, 'a'));
      await rm(join(dir, 'b'));
      await writeFile(join(dir, 'a'), 'world!');
      expect((await cache.digest(join(dir, 'a'))).size).toBe(6);
      expect(cache.hashedBytes).toBe(11);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('stays bounded, least recently used out first', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'hash-cache-'));
    try {
      const cache = new HashCache({ maxEntries: 2 });
      for (const n of ['a', 'b', 'c']) await writeFile(join(dir, n), n);
      await cache.digest(join(dir, 'a'));
      await cache.digest(join(dir, 'b'));
      await cache.digest(join(dir, 'a')); // a is now the most recent
      await cache.digest(join(dir, 'c')); // evicts b
      expect(cache.size).toBe(2);
      await cache.digest(join(dir, 'a'));
      expect(cache.hits).toBe(2);
      await cache.digest(join(dir, 'b'));
      expect(cache.misses).toBe(4);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('hashes a batch file shared by two pushed checkpoints once (pushes hash through per-push staging links)', async () => {
    const a = await storage();
    const shared = [await a.batch(90 * KiB), await a.batch(70 * KiB)];
    const c1 = await a.checkpoint(shared, { operatorBytes: 1 * KiB });
    const fresh = await a.batch(20 * KiB);
    const c2 = await a.checkpoint([...shared, fresh], { operatorBytes: 1 * KiB, step: 2 });
    const hashed: number[] = [];
    const s = createSynchronizer({
      storageDir: a.dir,
      store: createMemoryObjectStore(),
      pipeline: A,
      hashCache: { onHashed: (_path, size) => hashed.push(size) },
    });
    await s.push(c1);
    expect(hashed.reduce((x, y) => x + y, 0)).toBe(160 * KiB);
    hashed.length = 0;
    await s.push(c2);
    // Only the new batch file is read again, not the 160 KiB both checkpoints share.
    expect(hashed).toEqual([20 * KiB]);
  });
});

describe('push cost does not grow with the catalog', () => {
  /** Pushes `old` checkpoints, then measures a fresh process's push of one more sharing their files. */
  async function pushAfter(old: number) {
    const a = await storage();
    const common = [await a.batch(30 * KiB), await a.batch(30 * KiB)];
    // Referenced only by the oldest checkpoint, and again by the new one: found by `head`, not re-sent.
    const ancient = await a.batch(10 * KiB);
    const store = createMemoryObjectStore();
    const first = createSynchronizer({
      storageDir: a.dir,
      store,
      pipeline: A,
      retention: { minCount: 1000, minAgeDays: 30 },
    });
    let last: string[] = [];
    for (let i = 0; i < old; i++) {
      last = [...common, ...(i === 0 ? [ancient] : []), await a.batch(2 * KiB)];
      await first.push(await a.checkpoint(last, { operatorBytes: 1 * KiB, step: i + 1 }));
    }
    const fresh = await a.batch(5 * KiB);
    const uuid = await a.checkpoint([...last, ancient, fresh], {
      operatorBytes: 1 * KiB,
      step: old + 1,
    });
    for (const k of Object.keys(store.calls)) store.calls[k as keyof typeof store.calls] = 0;
    const second = createSynchronizer({
      storageDir: a.dir,
      store,
      pipeline: A,
      retention: { minCount: 1000, minAgeDays: 30 },
    });
    const report = await second.push(uuid);
    return { report, calls: { ...store.calls } };
  }

  it('makes the same store calls with 3 or 25 old checkpoints, and sends only what the remote lacks', async () => {
    const few = await pushAfter(3);
    const many = await pushAfter(25);
    expect(many.calls).toEqual(few.calls);
    expect(many.calls.list).toBe(0);
    // To plan, only the file no read manifest records and older than the newest checkpoint is
    // looked at; after the upload nothing more: the store reported both sent objects (the new batch
    // file and the zip) copied.
    expect(many.calls.head).toBe(1);
    // owner, catalog, own manifest, 2 newest manifests, owner again, catalog again.
    expect(many.calls.getSmall).toBeLessThanOrEqual(8);
    for (const r of [few.report, many.report]) {
      expect(r.objects).toBe(4); // the new batch file, the zip, the manifest, the catalog
      expect(r.skippedObjects).toBe(4); // 2 common + the previous one's own + the ancient one
      expect(r.skippedBytes).toBe(72 * KiB);
      expect(r.bytes).toBeLessThan(5 * KiB + 12 * KiB); // + zip, manifest and a catalog of up to 26 entries
    }
  });

  it('re-sends a file an old manifest records but the bucket lost (head finds it missing)', async () => {
    const a = await storage();
    const gone = await a.batch(12 * KiB);
    const store = createMemoryObjectStore();
    const s = createSynchronizer({
      storageDir: a.dir,
      store,
      pipeline: A,
      retention: { minCount: 1000, minAgeDays: 30 },
    });
    await s.push(await a.checkpoint([gone], { operatorBytes: 1 * KiB }));
    for (let i = 0; i < 3; i++)
      await s.push(
        await a.checkpoint([await a.batch(1 * KiB)], { operatorBytes: 1 * KiB, step: i + 2 }),
      );
    store.objects.delete(gone);
    const uuid = await a.checkpoint([gone], { operatorBytes: 1 * KiB, step: 9 });
    const report = await createSynchronizer({
      storageDir: a.dir,
      store,
      pipeline: A,
      retention: { minCount: 1000, minAgeDays: 30 },
    }).push(uuid);
    expect(report.objects).toBe(4);
    expect(store.objects.has(gone)).toBe(true);
  });
});

describe('pull verifies in one pass', () => {
  it('checks the zip contents against the manifest while extracting, and refuses a mismatch before installing', async () => {
    const a = await storage();
    const c1 = await a.checkpoint([await a.batch(40 * KiB)], { operatorBytes: 3 * KiB });
    const store = createMemoryObjectStore();
    await createSynchronizer({ storageDir: a.dir, store, pipeline: A }).push(c1);

    const ok = await storage();
    await expect(
      createSynchronizer({ storageDir: ok.dir, store, pipeline: A }).restore({ spec: 'latest' }),
    ).resolves.toMatchObject({ uuid: c1 });

    // A manifest whose zip_files disagree with the (hash-verified) zip: caught from the extraction pass.
    const key = `dependencies/${c1}.json`;
    const text = new TextDecoder().decode(store.objects.get(key));
    const { zip_files } = JSON.parse(text) as { zip_files: { sha256: string }[] };
    const at = text.indexOf('"zip_files"');
    const damaged =
      text.slice(0, at) + text.slice(at).replace(zip_files[0]!.sha256, '0'.repeat(64));
    store.objects.set(key, new TextEncoder().encode(damaged));
    const bad = await storage();
    const error: unknown = await createSynchronizer({ storageDir: bad.dir, store, pipeline: A })
      .restore({ spec: 'latest' })
      .catch((e: unknown) => e);
    expect(hasErrorCode(error, SyncErrorCodes.integrity), String(error)).toBe(true);
    expect((error as Error).message).toMatch(/does not match its manifest/);
    await expect(readdir(join(bad.dir))).resolves.not.toContain(c1);
  });
});
