import { createHash, randomBytes } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { hasErrorCode } from '@feldera-sync/errors';
import type { ObjectStore, TransferProgress } from '@feldera-sync/checkpoint';
import { StoreErrorCodes } from '@feldera-sync/checkpoint';
import { makeTempDir } from '@feldera-sync/test-utils';
import type { TempDir } from '@feldera-sync/test-utils';

/** A store under test and how to dispose of it. */
export interface ConformanceSubject {
  store: ObjectStore;
  dispose(): Promise<void>;
}

/** Sizes of the round-trip data; the big files must exceed the store's multipart / multi-thread cutoffs. */
export interface ConformanceSizes {
  smallFiles: number;
  bigFileBytes: readonly number[];
}

const sha256 = (data: Uint8Array): string => createHash('sha256').update(data).digest('hex');

async function writeTree(root: string, files: Record<string, Uint8Array>): Promise<void> {
  for (const [name, body] of Object.entries(files)) {
    await mkdir(dirname(join(root, name)), { recursive: true });
    await writeFile(join(root, name), body);
  }
}

/** The ObjectStore conformance suite: every implementation of the port must pass it. */
export function describeObjectStoreConformance(
  name: string,
  makeSubject: () => Promise<ConformanceSubject>,
  sizes: ConformanceSizes = {
    smallFiles: 200,
    bigFileBytes: [12 * 1024 * 1024 + 17, 16 * 1024 * 1024 + 3],
  },
): void {
  describe(`ObjectStore conformance: ${name}`, () => {
    let subject: ConformanceSubject;
    let store: ObjectStore;
    let tmp: TempDir;
    beforeEach(async () => {
      subject = await makeSubject();
      store = subject.store;
      tmp = await makeTempDir('feldera-sync-conformance-');
    });
    afterEach(async () => {
      await subject.dispose();
      await tmp.cleanup();
    });

    it('has a secret-free description', () => {
      expect(store.description).not.toMatch(/secret|key=/i);
    });

    it('puts, heads, gets and lists small objects', async () => {
      await store.putSmall('a/b.json', '{"x":1}');
      await store.putSmall('a/c/d.bin', new Uint8Array([0, 1, 2, 255]));
      await store.putSmall('e.txt', 'e');
      expect(new TextDecoder().decode(await store.getSmall('a/b.json'))).toBe('{"x":1}');
      expect(Array.from((await store.getSmall('a/c/d.bin'))!)).toEqual([0, 1, 2, 255]);
      expect(await store.head('a/c/d.bin')).toMatchObject({ key: 'a/c/d.bin', size: 4 });
      expect(await store.head('a/missing')).toBeNull();
      expect(await store.getSmall('a/missing')).toBeNull();
      expect((await store.list('')).map((o) => o.key)).toEqual(['a/b.json', 'a/c/d.bin', 'e.txt']);
      expect((await store.list('a/')).map((o) => [o.key, o.size])).toEqual([
        ['a/b.json', 7],
        ['a/c/d.bin', 4],
      ]);
      expect((await store.list('a/c')).map((o) => o.key)).toEqual(['a/c/d.bin']);
      expect(await store.list('nothing/')).toEqual([]);
    });

    it('a small read with maxBytes refuses a larger object, reading no more than the bound', async () => {
      const body = new Uint8Array(256 * 1024).fill(7);
      await store.putSmall('big.json', body);
      expect((await store.getSmall('big.json', { maxBytes: body.byteLength }))?.byteLength).toBe(
        body.byteLength,
      );
      const err = await store
        .getSmall('big.json', { maxBytes: body.byteLength - 1 })
        .catch((e: unknown) => e);
      expect(hasErrorCode(err, StoreErrorCodes.tooLarge), String(err)).toBe(true);
      expect((err as Error).message).toContain('big.json');
      expect(await store.getSmall('missing.json', { maxBytes: 10 })).toBeNull();
      // Within the bound: larger than one first slice, and empty.
      const mid = new Uint8Array(600 * 1024).map((_, i) => i % 251);
      await store.putSmall('mid.json', mid);
      expect(await store.getSmall('mid.json', { maxBytes: 1024 * 1024 })).toEqual(mid);
      await store.putSmall('empty.json', new Uint8Array());
      expect((await store.getSmall('empty.json', { maxBytes: 10 }))?.byteLength).toBe(0);
    });

    it('overwrites a small object and keeps an empty one', async () => {
      await store.putSmall('k', 'one');
      await store.putSmall('k', 'two!');
      expect(new TextDecoder().decode(await store.getSmall('k'))).toBe('two!');
      await store.putSmall('empty', new Uint8Array(0));
      expect((await store.getSmall('empty'))?.byteLength).toBe(0);
      expect(await store.head('empty')).toMatchObject({ size: 0 });
    });

    it('create-only put refuses an existing key', async () => {
      await store.putSmall('owner.json', 'first', { ifNoneMatch: true });
      await expect(store.putSmall('owner.json', 'second', { ifNoneMatch: true })).rejects.toSatisfy(
        (e) => hasErrorCode(e, StoreErrorCodes.preconditionFailed),
      );
      expect(new TextDecoder().decode(await store.getSmall('owner.json'))).toBe('first');
    });

    it('create-only put is atomic where the store says so', async ({ skip }) => {
      if (!store.capabilities.conditionalPut)
        skip('store does not enforce If-None-Match atomically');
      const writers = Array.from({ length: 6 }, (_, i) =>
        store.putSmall('race.json', `writer-${i}`, { ifNoneMatch: true }),
      );
      const results = await Promise.allSettled(writers);
      const won = results.filter((r) => r.status === 'fulfilled');
      expect(won).toHaveLength(1);
      for (const r of results) {
        if (r.status === 'rejected')
          expect(hasErrorCode(r.reason, StoreErrorCodes.preconditionFailed)).toBe(true);
      }
    });

    it('deletes keys, ignoring missing ones', async () => {
      await store.putSmall('d/1', '1');
      await store.putSmall('d/2', '2');
      await store.putSmall('keep', 'k');
      await store.delete(['d/1', 'd/2', 'd/never']);
      await store.delete([]);
      expect((await store.list('')).map((o) => o.key)).toEqual(['keep']);
    });

    it(`round-trips ${sizes.smallFiles} small files and ${sizes.bigFileBytes.length} big ones with equal SHA-256`, async () => {
      const files: Record<string, Uint8Array> = {};
      for (let i = 0; i < sizes.smallFiles; i++) {
        files[i % 3 === 0 ? `sub/dir/s${i}.feldera` : `w0-${String(i).padStart(4, '0')}.feldera`] =
          randomBytes(100 + ((i * 37) % 4000));
      }
      sizes.bigFileBytes.forEach((bytes, i) => {
        files[`big/b${i}.bin`] = randomBytes(bytes);
      });
      const up = join(tmp.path, 'up');
      const down = join(tmp.path, 'down');
      await writeTree(up, files);
      const names = Object.keys(files).sort();
      const progress: TransferProgress[] = [];
      const sent: string[] = [];
      const pushed = await store.uploadFiles(up, names, 'cp/', {
        onProgress: (p) => progress.push(p),
        onObjectDone: (key) => sent.push(key),
      });
      expect(pushed.objects).toBe(names.length);
      // Each upload is reported by its name under the local directory once it is in the store.
      expect(sent.sort()).toEqual(names);
      const totalBytes = Object.values(files).reduce((n, b) => n + b.byteLength, 0);
      expect(pushed.bytes).toBe(totalBytes);

      const listed = await store.list('cp/');
      expect(listed.map((o) => o.key)).toEqual(names.map((n) => `cp/${n}`));
      for (const o of listed) expect(o.size).toBe(files[o.key.slice(3)]!.byteLength);

      // Each object is reported as soon as it is complete on disk, while others still download.
      const done: { key: string; sha: string }[] = [];
      const checks: Promise<void>[] = [];
      const pulled = await store.downloadFiles('cp/', names, down, {
        onObjectDone: (key) =>
          checks.push(
            readFile(join(down, key)).then((b) => void done.push({ key, sha: sha256(b) })),
          ),
      });
      await Promise.all(checks);
      expect(pulled.objects).toBe(names.length);
      expect(done.map((d) => d.key).sort()).toEqual(names);
      for (const d of done) expect(d.sha, d.key).toBe(sha256(files[d.key]!));
      for (const n of names)
        expect(sha256(await readFile(join(down, n))), n).toBe(sha256(files[n]!));
    });

    it('keeps keys named like Object.prototype members (__proto__, constructor, toString) as plain keys', async () => {
      const names = ['__proto__', 'constructor', 'toString'];
      for (const n of names) await store.putSmall(`o/${n}`, n);
      await store.putSmall('o/hasOwnProperty/x', 'x');
      expect((await store.list('o/')).map((o) => o.key)).toEqual([
        'o/__proto__',
        'o/constructor',
        'o/hasOwnProperty/x',
        'o/toString',
      ]);
      for (const n of names) {
        expect(new TextDecoder().decode(await store.getSmall(`o/${n}`))).toBe(n);
        expect(await store.head(`o/${n}`)).toMatchObject({ key: `o/${n}`, size: n.length });
      }
      expect(await store.head('o/valueOf')).toBeNull();
      expect(await store.getSmall('o/hasOwnProperty')).toBeNull();
      const up = join(tmp.path, 'proto-up');
      await mkdir(up, { recursive: true });
      for (const n of names) await writeFile(join(up, n), `file ${n}`);
      expect((await store.uploadFiles(up, names, 'f/')).objects).toBe(3);
      const down = join(tmp.path, 'proto-down');
      await store.downloadFiles('f/', names, down);
      for (const n of names) expect(await readFile(join(down, n), 'utf8')).toBe(`file ${n}`);
      await expect(store.downloadFiles('f/', ['valueOf'], down)).rejects.toSatisfy((e) =>
        hasErrorCode(e, StoreErrorCodes.notFound),
      );
      await store.delete(['o/__proto__', 'o/constructor']);
      expect((await store.list('o/')).map((o) => o.key)).toEqual([
        'o/hasOwnProperty/x',
        'o/toString',
      ]);
    });

    it('downloading a missing key fails with the not-found code', async () => {
      await store.putSmall('x/there', 'here');
      await expect(
        store.downloadFiles('x/', ['there', 'absent'], join(tmp.path, 'd')),
      ).rejects.toSatisfy((e) => hasErrorCode(e, StoreErrorCodes.notFound));
    });

    it('honours an aborted signal', async () => {
      const controller = new AbortController();
      controller.abort();
      // Through a promise chain: an implementation may also throw synchronously.
      await expect(
        Promise.resolve().then(() => store.list('', { signal: controller.signal })),
      ).rejects.toSatisfy((e) => hasErrorCode(e, StoreErrorCodes.aborted));
      await expect(
        Promise.resolve().then(() => store.putSmall('k', 'v', { signal: controller.signal })),
      ).rejects.toSatisfy((e) => hasErrorCode(e, StoreErrorCodes.aborted));
    });
  });
}
