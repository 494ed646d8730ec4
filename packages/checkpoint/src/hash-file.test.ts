import { createHash, randomBytes } from 'node:crypto';
import { appendFile, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ERR_ABORTED, hasErrorCode } from '@feldera-sync/errors';
import { ERR_CHECKPOINT_IO, SMALL_FILE_BYTES, hashFile } from './index.js';

const sha = (b: Buffer): string => createHash('sha256').update(b).digest('hex');

// Real files in a temp directory: the small synchronous path, the two-buffer path and the edges
// between them must give the digest of exactly the bytes on disk.
describe('hashFile', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'fsync-hash-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  const sizes = [
    0,
    1,
    2048,
    SMALL_FILE_BYTES - 1,
    SMALL_FILE_BYTES,
    SMALL_FILE_BYTES + 1,
    (1 << 20) - 1,
    1 << 20,
    (1 << 20) + 1,
    3.5 * (1 << 20),
  ];
  it.each(sizes)('hashes a %i-byte file the same with and without a size hint', async (size) => {
    const bytes = randomBytes(size);
    const path = join(dir, `f-${size}`);
    await writeFile(path, bytes);
    const want = { size, sha256: sha(bytes) };
    expect(await hashFile(path)).toEqual(want);
    expect(await hashFile(path, { sizeHint: size })).toEqual(want);
  });

  it('reads the bytes on disk when the hint is stale (the file grew past the small bound)', async () => {
    const path = join(dir, 'grown');
    const first = randomBytes(1000);
    await writeFile(path, first);
    const more = randomBytes(SMALL_FILE_BYTES + 5000);
    await appendFile(path, more);
    const all = Buffer.concat([first, more]);
    expect(await hashFile(path, { sizeHint: 1000 })).toEqual({
      size: all.length,
      sha256: sha(all),
    });
  });

  it('hashes many small files through one shared buffer without mixing them up', async () => {
    const files = Array.from({ length: 50 }, (_, i) => randomBytes(100 + i * 997));
    await Promise.all(files.map((b, i) => writeFile(join(dir, `s${i}`), b)));
    const got = await Promise.all(
      files.map((b, i) => hashFile(join(dir, `s${i}`), { sizeHint: b.length })),
    );
    expect(got).toEqual(files.map((b) => ({ size: b.length, sha256: sha(b) })));
  });

  it('fails with the I/O code naming the file, and with the abort code when cancelled', async () => {
    const missing = join(dir, 'absent');
    for (const sizeHint of [undefined, 10]) {
      const e = await hashFile(missing, { sizeHint }).catch((x: unknown) => x);
      expect(hasErrorCode(e, ERR_CHECKPOINT_IO)).toBe(true);
      expect(String((e as Error).message)).toContain(missing);
    }
    const path = join(dir, 'big');
    await writeFile(path, randomBytes(4 << 20));
    const controller = new AbortController();
    controller.abort();
    expect(
      hasErrorCode(
        await hashFile(path, { signal: controller.signal }).catch((x: unknown) => x),
        ERR_ABORTED,
      ),
    ).toBe(true);
  });
});
