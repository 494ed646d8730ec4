// The persisted hash cache: a fresh process reads only files it has not seen, and a changed file
// can never hit (device, inode, size, mtime in ns and ctime all match, or it is hashed again).
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { link, readFile, rm, stat, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createMemoryObjectStore } from '@feldera-sync/checkpoint';
import type { ObjectStore } from '@feldera-sync/checkpoint';
import { describe, expect, it } from 'vitest';
import { storagePerTest } from '../test/support/storage-builder.js';
import { HASH_CACHE_FILE, HashCache } from './hash.js';
import { createSynchronizer } from './synchronizer.js';

const A = { systemName: 'pipeline-00000000-0000-4000-8000-00000000000a', givenName: 'alpha' };
const KiB = 1024;
const storage = storagePerTest();

function counting(persistPath: string): { cache: HashCache; hashed: string[] } {
  const hashed: string[] = [];
  return { cache: new HashCache({ persistPath, onHashed: (p) => hashed.push(p) }), hashed };
}

describe('HashCache persisted', () => {
  it('a fresh cache hits an unchanged file without reading it, through a hard link too', async () => {
    const a = await storage();
    const f = join(a.dir, await a.batch(8 * KiB));
    const file = join(a.dir, HASH_CACHE_FILE);
    const first = counting(file);
    const d = await first.cache.digest(f);
    await first.cache.flush();
    const second = counting(file);
    await second.cache.confirm([f]);
    await link(f, `${f}.pin`);
    expect(await second.cache.digest(`${f}.pin`)).toEqual(d);
    expect(second.hashed).toEqual([]);
  });

  it('a file rewritten with its old size and mtime put back is hashed again (its ctime moved)', async () => {
    const a = await storage();
    const f = join(a.dir, await a.batch(8 * KiB));
    const file = join(a.dir, HASH_CACHE_FILE);
    const first = counting(file);
    const before = await first.cache.digest(f);
    await first.cache.flush();
    const st = await stat(f);
    await new Promise((r) => setTimeout(r, 20));
    await writeFile(f, Buffer.alloc(8 * KiB, 9));
    await utimes(f, st.atime, st.mtime);
    expect((await stat(f, { bigint: true })).mtimeNs).toBe(
      (await stat(f, { bigint: true })).mtimeNs,
    );
    const second = counting(file);
    const after = await second.cache.digest(f);
    expect(second.hashed).toEqual([f]);
    expect(after.sha256).not.toBe(before.sha256);
  });

  it('a damaged cache file is ignored line by line', async () => {
    const a = await storage();
    const f = join(a.dir, await a.batch(4 * KiB));
    const file = join(a.dir, HASH_CACHE_FILE);
    const first = counting(file);
    await first.cache.digest(f);
    await first.cache.flush();
    const text = await readFile(file, 'utf8');
    await writeFile(file, `garbage\n1 2 3\n${text.replace(/[0-9a-f]{64}/, 'z'.repeat(64))}`);
    const second = counting(file);
    await second.cache.digest(f);
    expect(second.hashed).toEqual([f]);
    await rm(file);
    const third = counting(file);
    await third.cache.digest(f);
    expect(third.hashed).toEqual([f]);
  });
});

describe('incremental push from a fresh process', () => {
  it('reads only the new batch file; every shared one comes from the persisted cache', async () => {
    const a = await storage();
    const shared = [];
    for (let i = 0; i < 5; i++) shared.push(await a.batch(64 * KiB));
    const c1 = await a.checkpoint(shared);
    const store = createMemoryObjectStore();
    const one = createSynchronizer({ storageDir: a.dir, store, pipeline: A });
    await one.push(c1);
    await one.close();
    const fresh = await a.batch(32 * KiB);
    const c2 = await a.checkpoint([...shared, fresh]);
    const hashed: string[] = [];
    const two = createSynchronizer({
      storageDir: a.dir,
      store,
      pipeline: A,
      hashCache: { onHashed: (p) => hashed.push(p) },
    });
    const r = await two.push(c2);
    await two.close();
    expect(r.alreadySynced).toBe(false);
    expect(hashed.map((p) => p.split('/').at(-1))).toEqual([fresh]);
    expect((await verifyOnce(store, a.dir, c2)).ok).toBe(true);
  });
});

describe('digests handed over by the upload', () => {
  it('a file the upload hashed first is not read again here, and its digest reaches the manifest and the persisted cache', async () => {
    const a = await storage();
    // Two large files first keep this side's hasher busy while the upload starts on the small ones.
    const big = [await a.batch(48 * 1024 * KiB), await a.batch(48 * 1024 * KiB)];
    const small: string[] = [];
    for (let i = 0; i < 6; i++) small.push(await a.batch(8 * KiB));
    const c1 = await a.checkpoint([...big, ...small]);
    const memory = createMemoryObjectStore();
    const reported: string[] = [];
    const asked: string[] = [];
    // A store that hashes what it reads to send, as the direct S3 uploads do (the memory store does not).
    const store: ObjectStore = {
      ...memory,
      uploadFiles: (dir, files, prefix, call) => {
        for (const f of files) {
          asked.push(f);
          if (!small.some((s) => f.endsWith(s)) || call?.knownSha256?.(f) !== undefined) continue;
          const body = readFileSync(join(dir, f));
          reported.push(f);
          call?.onSha256?.(f, createHash('sha256').update(body).digest('hex'), body.byteLength);
        }
        return memory.uploadFiles(dir, files, prefix, call);
      },
    };
    const hashed: string[] = [];
    const one = createSynchronizer({
      storageDir: a.dir,
      store,
      pipeline: A,
      hashCache: { onHashed: (p) => hashed.push(p) },
    });
    await one.push(c1);
    await one.close();
    expect(asked.length).toBe(big.length + small.length + 1); // and the zip
    expect(reported).toHaveLength(small.length);
    expect(hashed.map((p) => p.split('/').at(-1)).sort()).toEqual([...big].sort());
    expect((await verifyOnce(memory, a.dir, c1)).ok).toBe(true);

    // A fresh process: the digests the upload computed were kept like any other.
    const fresh = await a.batch(4 * KiB);
    const c2 = await a.checkpoint([...big, ...small, fresh]);
    const again: string[] = [];
    const two = createSynchronizer({
      storageDir: a.dir,
      store: memory,
      pipeline: A,
      hashCache: { onHashed: (p) => again.push(p) },
    });
    await two.push(c2);
    await two.close();
    expect(again.map((p) => p.split('/').at(-1))).toEqual([fresh]);
    expect((await verifyOnce(memory, a.dir, c2)).ok).toBe(true);
  });
});

async function verifyOnce(
  store: ReturnType<typeof createMemoryObjectStore>,
  dir: string,
  uuid: string,
) {
  const s = createSynchronizer({ storageDir: dir, store, pipeline: A });
  try {
    return await s.verify(uuid);
  } finally {
    await s.close();
  }
}
