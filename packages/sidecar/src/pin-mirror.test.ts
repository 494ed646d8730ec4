import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readFile, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { CatalogEntry } from '@feldera-sync/checkpoint';
import { inspectLocalCheckpoint, readLocalCatalog, uuidv7 } from '@feldera-sync/checkpoint';
import { createPinMirror, defaultPinDir } from './pin-mirror.js';
import { scanCatalog } from './scan.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'sidecar-pin-'));
});
afterEach(async () => rm(dir, { recursive: true, force: true }));

/** Writes one checkpoint the way Feldera commits it; `stateJson: false` stops inside the commit window. */
async function checkpoint(batches: string[], stateJson = true): Promise<CatalogEntry> {
  const uuid = uuidv7();
  for (const b of batches)
    await writeFile(join(dir, b), randomBytes(2048), { flag: 'wx' }).catch(() => undefined);
  await mkdir(join(dir, uuid));
  await writeFile(join(dir, uuid, 'pspine-0.dat'), randomBytes(512));
  await writeFile(join(dir, uuid, 'CHECKPOINT'), '');
  await writeFile(
    join(dir, uuid, 'dependencies.json'),
    JSON.stringify({ batches, state_files: ['CHECKPOINT', 'pspine-0.dat'] }),
  );
  const catalog = JSON.parse(
    await readFile(join(dir, 'checkpoints.feldera'), 'utf8').catch(() => '[]'),
  ) as unknown[];
  const entry = {
    uuid,
    identifier: null,
    fingerprint: 7,
    size: 600,
    steps: 1,
    processed_records: 2,
  };
  catalog.push(entry);
  await writeFile(join(dir, 'checkpoints.feldera'), JSON.stringify(catalog));
  if (stateJson) await writeFile(join(dir, uuid, 'state.json'), '{"step":1}');
  return (await readLocalCatalog(dir)).find((e) => e.uuid === uuid)!;
}

/** Feldera's gc_checkpoint for one checkpoint: catalog first, then its files. */
async function felderaGc(uuid: string, batches: string[]): Promise<void> {
  const catalog = JSON.parse(await readFile(join(dir, 'checkpoints.feldera'), 'utf8')) as {
    uuid: string;
  }[];
  await writeFile(
    join(dir, 'checkpoints.feldera'),
    JSON.stringify(catalog.filter((e) => e.uuid !== uuid)),
  );
  for (const b of batches) await rm(join(dir, b), { force: true });
  await rm(join(dir, uuid), { recursive: true, force: true });
}

describe('pin mirror', () => {
  it('pins with hard links (same inode), survives the engine deleting the originals, and releases cleanly', async () => {
    const a = await checkpoint(['w0-aaaa.feldera', 'w1-bbbb.feldera']);
    const b = await checkpoint(['w1-bbbb.feldera', 'w0-cccc.feldera']);
    const mirror = createPinMirror(dir);
    expect(mirror.dir).toBe(defaultPinDir(dir));
    expect(await mirror.open()).toEqual([]);
    expect(await mirror.pin(a)).toEqual({ pinned: true });
    expect(await mirror.pin(b)).toEqual({ pinned: true });
    expect((await stat(join(mirror.dir, 'w1-bbbb.feldera'))).ino).toBe(
      (await stat(join(dir, 'w1-bbbb.feldera'))).ino,
    );
    await felderaGc(a.uuid, ['w0-aaaa.feldera']);
    const pinnedA = await inspectLocalCheckpoint(mirror.dir, a.uuid);
    expect(pinnedA).toMatchObject({ complete: true, missing: [] });
    expect(await mirror.pinned()).toEqual([a.uuid, b.uuid]);
    await mirror.unpin(a.uuid);
    // w1-bbbb stays: b still needs it; a's own files are gone from the mirror.
    expect((await readdir(mirror.dir)).sort()).toEqual(
      ['checkpoints.feldera', b.uuid, 'w0-cccc.feldera', 'w1-bbbb.feldera'].sort(),
    );
    await mirror.clear();
    expect(await readdir(dir)).not.toContain('.sync-staging');
  });

  it('refuses a checkpoint inside the commit window and one the engine collected mid-pin', async () => {
    const mirror = createPinMirror(dir);
    await mirror.open();
    const open = await checkpoint(['w0-dddd.feldera'], false);
    expect(await mirror.pin(open)).toMatchObject({ pinned: false, reason: 'incomplete' });
    const gone = await checkpoint(['w0-eeee.feldera']);
    await felderaGc(gone.uuid, ['w0-eeee.feldera']);
    expect((await mirror.pin(gone)).pinned).toBe(false);
    expect(await mirror.pinned()).toEqual([]);
    expect(await readdir(mirror.dir)).toEqual([]);
  });

  it('open keeps the complete pins a killed run left and sweeps half-made ones', async () => {
    const a = await checkpoint(['w0-ffff.feldera']);
    const first = createPinMirror(dir);
    await first.open();
    await first.pin(a);
    // A kill while pinning the next one: links made, no catalog entry.
    await mkdir(join(first.dir, uuidv7()));
    await writeFile(join(first.dir, 'w9-zzzz.feldera'), 'x');
    const again = createPinMirror(dir);
    expect(await again.open()).toEqual([a.uuid]);
    expect((await readdir(again.dir)).sort()).toEqual(
      ['checkpoints.feldera', a.uuid, 'w0-ffff.feldera'].sort(),
    );
  });

  it('scanCatalog reports newest first down to the first complete entry, reading nothing older', async () => {
    const a = await checkpoint(['w0-1111.feldera']);
    const b = await checkpoint(['w0-2222.feldera']);
    const c = await checkpoint(['w0-3333.feldera'], false);
    const scan = await scanCatalog(dir, null);
    expect(scan.checkpoints).toEqual([
      { uuid: c.uuid, complete: false },
      { uuid: b.uuid, complete: true },
    ]);
    expect((await scanCatalog(dir, b.uuid)).checkpoints).toEqual([
      { uuid: c.uuid, complete: false },
    ]);
    expect(scan.entries.get(a.uuid)?.uuid).toBe(a.uuid);
  });
});
