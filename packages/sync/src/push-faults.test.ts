// A push that says "done" is done: what it sent is checked before anything names it, and an
// "already synced" answer is checked against the bucket and repaired.
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createMemoryObjectStore } from '@feldera-sync/checkpoint';
import type { MemoryObjectStore } from '@feldera-sync/checkpoint';
import { hasErrorCode } from '@feldera-sync/errors';
import { describe, expect, it } from 'vitest';
import { storagePerTest } from '../test/support/storage-builder.js';
import { SyncErrorCodes } from './errors.js';
import { createSynchronizer } from './synchronizer.js';

const A = { systemName: 'pipeline-00000000-0000-4000-8000-00000000000a', givenName: 'alpha' };
const KiB = 1024;
const storage = storagePerTest();

/** A memory store whose uploads silently skip `dropped` (as rclone does for a vanished source file). */
function droppingStore(dropped: (key: string) => boolean): MemoryObjectStore {
  const store = createMemoryObjectStore();
  const upload = store.uploadFiles.bind(store);
  store.uploadFiles = (dir, files, prefix, o) =>
    upload(
      dir,
      files.filter((f) => !dropped(f)),
      prefix,
      o,
    );
  return store;
}

describe('push verification', () => {
  it('an upload that silently skips an object fails the push before the manifest or catalog is written', async () => {
    const a = await storage();
    const lost = await a.batch(8 * KiB);
    const c1 = await a.checkpoint([await a.batch(4 * KiB), lost]);
    const store = droppingStore((f) => f === lost);
    const s = createSynchronizer({ storageDir: a.dir, store, pipeline: A });
    const err = await s.push(c1).catch((e: unknown) => e);
    expect(hasErrorCode(err, SyncErrorCodes.uploadIncomplete)).toBe(true);
    expect((err as Error).message).toContain(lost);
    expect((err as Error).message).toContain('the checkpoint was not published');
    expect(store.objects.has(`dependencies/${c1}.json`)).toBe(false);
    expect(store.objects.has('checkpoints.feldera')).toBe(false);
    expect(s.status().failure?.uuid).toBe(c1);
    await s.close();
  });

  it('objects the store reported copied are not looked up again; unreported ones each get a head', async () => {
    const a = await storage();
    const c1 = await a.checkpoint([await a.batch(4 * KiB), await a.batch(4 * KiB)]);
    const b2 = [await a.batch(4 * KiB), await a.batch(4 * KiB)];
    const c2 = await a.checkpoint(b2);
    const store = createMemoryObjectStore();
    const heads: string[] = [];
    const head = store.head.bind(store);
    store.head = (key, o) => (heads.push(key), head(key, o));
    const s = createSynchronizer({ storageDir: a.dir, store, pipeline: A });
    await s.push(c1);
    expect(heads).toEqual([]);
    // A store that reports no object done (an rclone without per-file lines): every sent object is
    // checked with a head, the two batch files and the zip of c2.
    const upload = store.uploadFiles.bind(store);
    store.uploadFiles = (dir, files, prefix, o) =>
      upload(dir, files, prefix, { ...o, onObjectDone: undefined });
    await s.push(c2);
    expect(heads.sort()).toEqual([...b2, `${c2}.zip`].sort());
    await s.close();
  });

  it("an 'already synced' checkpoint whose object the bucket lost is repaired, and says so", async () => {
    const a = await storage();
    const b1 = await a.batch(4 * KiB);
    const c1 = await a.checkpoint([b1, await a.batch(4 * KiB)]);
    const store = createMemoryObjectStore();
    const s = createSynchronizer({ storageDir: a.dir, store, pipeline: A });
    expect(await s.push(c1)).toMatchObject({ alreadySynced: false, repairedObjects: 0 });
    const original = store.objects.get(b1)!;
    store.objects.delete(b1);
    store.objects.delete(`${c1}.zip`);
    const again = await s.push(c1);
    expect(again).toMatchObject({ alreadySynced: true, repairedObjects: 2 });
    expect(store.objects.get(b1)).toEqual(original);
    expect((await s.verify(c1)).ok).toBe(true);
    // Nothing lost: the next "already synced" answer sends nothing.
    expect(await s.push(c1)).toMatchObject({ alreadySynced: true, repairedObjects: 0, bytes: 0 });
    await s.close();
  });

  it('a lost object whose local copy differs from the manifest cannot be repaired: integrity error', async () => {
    const a = await storage();
    const b1 = await a.batch(4 * KiB);
    const c1 = await a.checkpoint([b1]);
    const store = createMemoryObjectStore();
    const s = createSynchronizer({ storageDir: a.dir, store, pipeline: A });
    await s.push(c1);
    store.objects.delete(b1);
    await writeFile(join(a.dir, b1), Buffer.alloc(4 * KiB, 1));
    await s.close();
    // A fresh process: the hash cache does not remember the old content.
    const fresh = createSynchronizer({ storageDir: a.dir, store, pipeline: A });
    const err = await fresh.push(c1).catch((e: unknown) => e);
    expect(hasErrorCode(err, SyncErrorCodes.integrity)).toBe(true);
    expect((err as Error).message).toContain(`lacks ${b1}`);
    await fresh.close();
  });
});
