import { describe, expect, it } from 'vitest';
import { hasErrorCode } from '@feldera-sync/errors';
import {
  ERR_CHECKPOINT_CATALOG_CORRUPT,
  ERR_CHECKPOINT_MANIFEST_CORRUPT,
  createMemoryObjectStore,
  ownerFor,
  readManifest,
  readManifests,
  readOwner,
  readRemoteCatalog,
  uuidv7,
  writeManifest,
  writeOwner,
  writeRemoteCatalog,
} from './index.js';
import type { Manifest, ObjectStore } from './index.js';
import { entryFor, manifestFor } from './test-support/arbitraries.js';

async function rejection(p: Promise<unknown>): Promise<unknown> {
  return p.then(
    () => {
      throw new Error('expected a rejection');
    },
    (e: unknown) => e,
  );
}

describe('remote objects through the ObjectStore port', () => {
  it('an absent catalog is an empty list; a written one reads back', async () => {
    const store = createMemoryObjectStore('mem:b');
    expect(await readRemoteCatalog(store)).toEqual([]);
    const entries = [entryFor(uuidv7(), 2n ** 63n + 1n)];
    await writeRemoteCatalog(store, entries);
    expect(await readRemoteCatalog(store)).toEqual(entries);
  });

  it('a truncated remote catalog is a typed error naming the object and the store, never []', async () => {
    const store = createMemoryObjectStore('mem:b');
    store.objects.set('checkpoints.feldera', new TextEncoder().encode('[{"uuid": "'));
    const err = await rejection(readRemoteCatalog(store));
    expect(hasErrorCode(err, ERR_CHECKPOINT_CATALOG_CORRUPT)).toBe(true);
    expect((err as Error).message).toContain('checkpoints.feldera in mem:b');
  });

  it('a store failure is passed through, not turned into an empty catalog', async () => {
    const store = createMemoryObjectStore();
    const failing: ObjectStore = {
      ...store,
      getSmall: () => Promise.reject(new Error('SignatureDoesNotMatch')),
    };
    await expect(readRemoteCatalog(failing)).rejects.toThrow('SignatureDoesNotMatch');
  });

  it('manifests: absent is null, corrupt is typed, one under the wrong name is refused', async () => {
    const store = createMemoryObjectStore('mem:b');
    const [u1, u2, u3] = [uuidv7(), uuidv7(), uuidv7()];
    const m1 = manifestFor(u1, [{ path: `w0-${uuidv7()}.feldera`, size: 3 }]);
    await writeManifest(store, m1);
    expect(await readManifest(store, u1)).toEqual(m1);
    expect(await readManifest(store, u2)).toBeNull();
    store.objects.set(`dependencies/${u2}.json`, new Uint8Array([123]));
    const err = await rejection(readManifest(store, u2));
    expect(hasErrorCode(err, ERR_CHECKPOINT_MANIFEST_CORRUPT)).toBe(true);
    expect((err as Error).message).toContain(`dependencies/${u2}.json in mem:b`);
    store.objects.set(`dependencies/${u3}.json`, store.objects.get(`dependencies/${u1}.json`)!);
    expect(
      hasErrorCode(await rejection(readManifest(store, u3)), ERR_CHECKPOINT_MANIFEST_CORRUPT),
    ).toBe(true);

    const all = await readManifests(store, [u1, u2, uuidv7()]);
    expect([...all.values()].map((l) => l.status)).toEqual(['ok', 'unreadable', 'missing']);
  });

  it('readManifests: reads concurrently through a caller-supplied reader, answering in the order asked', async () => {
    const store = createMemoryObjectStore();
    const ids = [uuidv7(), uuidv7(), uuidv7(), uuidv7()];
    for (const u of ids.slice(0, 3)) await writeManifest(store, manifestFor(u, []));
    let inFlight = 0;
    let most = 0;
    const read = async (uuid: string): Promise<Manifest | null> => {
      inFlight++;
      most = Math.max(most, inFlight);
      await new Promise((r) => setTimeout(r, uuid === ids[0] ? 20 : 1));
      inFlight--;
      if (uuid === ids[2]) throw new Error('socket hang up');
      return readManifest(store, uuid);
    };
    const all = await readManifests(store, ids, { concurrency: 2, read });
    expect([...all.keys()]).toEqual(ids);
    expect([...all.values()].map((l) => l.status)).toEqual(['ok', 'ok', 'unreadable', 'missing']);
    expect(most).toBe(2);
    const aborted = new AbortController();
    aborted.abort();
    await expect(readManifests(store, ids, { signal: aborted.signal })).rejects.toMatchObject({
      code: 'ERR_ABORTED',
    });
  });

  it('owner.json: absent is null; create-only write refuses to overwrite', async () => {
    const store = createMemoryObjectStore();
    expect(await readOwner(store)).toBeNull();
    const o = ownerFor({ pipeline_name: 'pipeline-1', given_name: 'a' }, 't');
    await writeOwner(store, o, { ifNoneMatch: true });
    expect(await readOwner(store)).toEqual(o);
    await expect(writeOwner(store, o, { ifNoneMatch: true })).rejects.toMatchObject({
      code: 'ERR_STORE_PRECONDITION_FAILED',
    });
  });
});
