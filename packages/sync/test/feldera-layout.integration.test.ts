// The synchroniser on a storage directory written by hand from Feldera's sources (test-utils'
// fixture), through rclone, against Ceph RGW and s3rver: push, pull into an empty directory,
// verify, and what a pull does to another lineage. Every directory left behind is checked with
// Feldera's own startup and restore rules (`felderaRestoreCheck`).
import { readFile, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { hasErrorCode } from '@feldera-sync/errors';
import { SyncErrorCodes, createSynchronizer } from '@feldera-sync/sync';
import type { ObjectStore } from '@feldera-sync/checkpoint';
import {
  FELDERA_FIXTURE,
  copyFelderaFixture,
  felderaRestoreCheck,
  generateStorageDir,
  s3Providers,
} from '@feldera-sync/test-utils';
import type { S3Server, TestBucket } from '@feldera-sync/test-utils';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { removeDir, snapshotTree, tempDir } from './support/storage-builder.js';
import { storeFor } from './support/stores.js';

const providers = await s3Providers();
const A = { systemName: 'pipeline-00000000-0000-4000-8000-00000000000a', givenName: 'alpha' };
const B = { systemName: 'pipeline-00000000-0000-4000-8000-00000000000b', givenName: 'beta' };

/** The files a pull of `uuid` installs, as in the source: its directory, its batches, root state.json. */
async function checkpointFiles(dir: string, uuid: string): Promise<string[]> {
  const deps = JSON.parse(await readFile(join(dir, uuid, 'dependencies.json'), 'utf8')) as
    string[] | { batches: string[] };
  const batches = Array.isArray(deps) ? deps : deps.batches;
  const inDir = (await readdir(join(dir, uuid))).map((n) => `${uuid}/${n}`);
  return [...inDir, ...batches, 'state.json'].sort();
}

describe.each(providers)('Feldera layout on $name', (provider) => {
  let server: S3Server;
  let bucket: TestBucket;
  const dirs: string[] = [];
  const dir = async (): Promise<string> => {
    const d = await tempDir('feldera-layout-');
    dirs.push(d);
    return d;
  };
  const sync = (storageDir: string, store: ObjectStore, pipeline = A) =>
    createSynchronizer({
      storageDir,
      store,
      pipeline,
      retention: { minCount: 10, minAgeDays: 30 },
    });

  beforeAll(async () => {
    if (!provider.skipReason) server = await provider.start();
  });
  afterAll(async () => {
    for (const d of dirs) await removeDir(d);
    if (!provider.skipReason) await server.close();
  });
  beforeEach(async ({ skip }) => {
    if (provider.skipReason) skip(provider.skipReason);
    bucket = await server.createBucket();
    return async () => {
      await bucket.remove();
    };
  });

  it('pushes every complete checkpoint of the fixture (V1, V2 without state_files, V2) and refuses the commit window', async () => {
    const src = await copyFelderaFixture(await dir());
    const before = await snapshotTree(src);
    const store = storeFor(bucket);
    const s = sync(src, store);
    for (const uuid of [
      FELDERA_FIXTURE.v1,
      FELDERA_FIXTURE.v2NoStateFiles,
      FELDERA_FIXTURE.complete,
    ]) {
      const r = await s.push(uuid);
      expect(r).toMatchObject({ uuid, alreadySynced: false });
    }
    const err = await s.push(FELDERA_FIXTURE.commitWindow).catch((e: unknown) => e);
    expect(hasErrorCode(err, SyncErrorCodes.checkpointNotFound)).toBe(true);
    expect((err as Error).message).toBe(
      `checkpoint '${FELDERA_FIXTURE.commitWindow}' not found in local storage`,
    );
    // `latest` is the newest complete checkpoint, not the catalogued one still being committed.
    expect((await s.push('latest')).uuid).toBe(FELDERA_FIXTURE.complete);
    await s.close();
    // The push changed nothing in Feldera's directory and left nothing behind.
    expect(await snapshotTree(src)).toEqual(before);
    const manifest = JSON.parse(
      new TextDecoder().decode(
        await store.getSmall(`dependencies/${FELDERA_FIXTURE.complete}.json`),
      ),
    ) as { state_files: string[]; format_version: number };
    expect(manifest.format_version).toBe(2);
    expect(manifest.state_files).toEqual(['CHECKPOINT', 'pspine-0.dat', 'z1-1.dat']);
  });

  it('pulls each checkpoint into an empty directory byte for byte; Feldera would resume from it; verify passes', async () => {
    const src = await copyFelderaFixture(await dir());
    const store = storeFor(bucket);
    const primary = sync(src, store);
    for (const uuid of [
      FELDERA_FIXTURE.v1,
      FELDERA_FIXTURE.v2NoStateFiles,
      FELDERA_FIXTURE.complete,
    ])
      await primary.push(uuid);
    for (const uuid of [
      FELDERA_FIXTURE.v1,
      FELDERA_FIXTURE.v2NoStateFiles,
      FELDERA_FIXTURE.complete,
    ]) {
      const dst = await dir();
      const r = await sync(dst, store, B).restore({ spec: uuid });
      expect(r).toMatchObject({ uuid, source: 'bucket', removedLocal: [] });
      const wanted = await checkpointFiles(src, uuid);
      const got = await snapshotTree(dst);
      expect(Object.keys(got).sort()).toEqual(['checkpoints.feldera', ...wanted].sort());
      const original = await snapshotTree(src);
      for (const f of wanted) {
        // The root state.json is the pulled checkpoint's own state.json.
        const from = f === 'state.json' ? `${uuid}/state.json` : f;
        expect(got[f], f).toBe(original[from]);
      }
      expect(await felderaRestoreCheck(dst)).toEqual({
        ok: true,
        problems: [],
        resumesFrom: uuid,
        wouldRemove: [],
      });
      const v = await primary.verify(uuid);
      expect(v).toMatchObject({ ok: true, problems: [] });
      expect(await readdir(src)).not.toContain('.sync-staging');
    }
    await primary.close();
  });

  it('a pull refuses a directory holding another lineage, changing nothing; with replaceLocal it removes it and keeps what Feldera keeps', async () => {
    const src = await copyFelderaFixture(await dir());
    const store = storeFor(bucket);
    await sync(src, store).push(FELDERA_FIXTURE.complete);
    const other = await dir();
    const g = await generateStorageDir(other, {
      seed: 4,
      checkpoints: 2,
      felderaRootEntries: true,
    });
    await writeFile(join(other, 'operator-notes.txt'), 'not ours');
    const before = await snapshotTree(other);
    const standby = sync(other, store, B);
    const err = await standby.restore({ spec: FELDERA_FIXTURE.complete }).catch((e: unknown) => e);
    expect(hasErrorCode(err, SyncErrorCodes.foreignCheckpoints)).toBe(true);
    expect((err as Error).message).toContain('holds 2 checkpoints that');
    expect(await snapshotTree(other)).toEqual(before);

    const r = await standby.restore({ spec: FELDERA_FIXTURE.complete, replaceLocal: true });
    expect(r.removedLocal).toEqual(g.checkpoints.map((c) => c.uuid));
    const root = await readdir(other);
    for (const kept of ['steps.bin', 'status.json', 'feldera.pidlock', 'operator-notes.txt'])
      expect(root).toContain(kept);
    for (const c of g.checkpoints) expect(root).not.toContain(c.uuid);
    for (const b of g.batchFiles) expect(root).not.toContain(b.path);
    expect(await felderaRestoreCheck(other)).toEqual({
      ok: true,
      problems: [],
      resumesFrom: FELDERA_FIXTURE.complete,
      wouldRemove: [],
    });
    await standby.close();
  });
});
