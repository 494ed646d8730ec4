import { link, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createMemoryObjectStore } from '@feldera-sync/checkpoint';
import { describe, expect, it } from 'vitest';
import { storagePerTest } from '../test/support/storage-builder.js';
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
