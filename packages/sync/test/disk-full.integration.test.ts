// A full disk is a coded, recoverable failure: ERR_DISK_FULL naming the path, the storage directory
// as it was, nothing written to the bucket by a push that failed locally. A small tmpfs stands for
// the full disk (mounting needs root: elsewhere the suite is skipped with that reason).
import { execFileSync } from 'node:child_process';
import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { createMemoryObjectStore } from '@feldera-sync/checkpoint';
import { LocalDiskErrorCodes, hasErrorCode } from '@feldera-sync/errors';
import { createSynchronizer } from '@feldera-sync/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { StorageBuilder, snapshotTree, tempDir } from './support/storage-builder.js';

const A = { systemName: 'pipeline-00000000-0000-4000-8000-00000000000a', givenName: 'alpha' };
const MiB = 1024 * 1024;
const root = process.getuid?.() === 0;

describe.skipIf(!root)('a full disk (tmpfs, needs root)', () => {
  let base: string;
  let mount: string;
  beforeAll(async () => {
    base = await tempDir('disk-full-');
    mount = join(base, 'small');
    await mkdir(mount);
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=4m', 'tmpfs', mount]);
  });
  afterAll(async () => {
    if (mount) execFileSync('umount', [mount]);
    await rm(base, { recursive: true, force: true });
  });

  it('a pull that does not fit fails with ERR_DISK_FULL and leaves the storage directory as it was', async () => {
    const src = new StorageBuilder(join(base, 'src'));
    const store = createMemoryObjectStore();
    const small = await src.checkpoint([await src.batch(64 * 1024)]);
    const big = await src.checkpoint([await src.batch(3 * MiB), await src.batch(3 * MiB)]);
    const primary = createSynchronizer({ storageDir: src.dir, store, pipeline: A });
    await primary.push(small);
    await primary.push(big);
    await primary.close();
    const dir = join(mount, 'pull');
    const first = createSynchronizer({ storageDir: dir, store, pipeline: A });
    await first.restore({ spec: small });
    await first.close();
    const before = await snapshotTree(dir);
    const s = createSynchronizer({ storageDir: dir, store, pipeline: A });
    const err = await s.restore({ spec: big }).catch((e: unknown) => e);
    await s.close();
    expect(hasErrorCode(err, LocalDiskErrorCodes.full), String(err)).toBe(true);
    expect((err as Error).message).toContain(dir);
    expect((err as Error).message).toContain('no space left on the device');
    expect(await snapshotTree(dir)).toEqual(before);
    await rm(dir, { recursive: true, force: true });
  });

  it('a push whose zip does not fit fails with ERR_DISK_FULL and writes nothing to a fresh bucket, owner.json included', async () => {
    const b = new StorageBuilder(join(mount, 'push'));
    const c1 = await b.checkpoint([await b.batch(64 * 1024)], { operatorBytes: 2 * MiB });
    const store = createMemoryObjectStore();
    const s = createSynchronizer({ storageDir: b.dir, store, pipeline: A });
    const err = await s.push(c1).catch((e: unknown) => e);
    await s.close();
    expect(hasErrorCode(err, LocalDiskErrorCodes.full), String(err)).toBe(true);
    expect([...store.objects.keys()]).toEqual([]);
    await rm(b.dir, { recursive: true, force: true });
  });
});
