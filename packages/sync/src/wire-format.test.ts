// What a push writes to a bucket is read by other tools through @feldera-sync/checkpoint's parsers.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  createMemoryObjectStore,
  latestCompleteCheckpoint,
  parseCatalog,
  parseManifest,
  parseOwner,
  readLocalCatalog,
  remoteKeys,
} from '@feldera-sync/checkpoint';
import { hasErrorCode } from '@feldera-sync/errors';
import { describe, expect, it } from 'vitest';
import { storagePerTest } from '../test/support/storage-builder.js';
import { SyncErrorCodes } from './errors.js';
import { createSynchronizer } from './synchronizer.js';

const A = { systemName: 'pipeline-00000000-0000-4000-8000-00000000000a', givenName: 'alpha' };
const storage = storagePerTest();
const text = (body: Uint8Array | undefined): string => new TextDecoder().decode(body);

describe('bucket formats written by a push', () => {
  it('parse with the checkpoint package: owner, catalog and a manifest matching the local checkpoint', async () => {
    const a = await storage();
    const batches = [await a.batch(3000), await a.batch(5000)];
    const uuid = await a.checkpoint(batches);
    const store = createMemoryObjectStore('memory:wire/');
    await createSynchronizer({ storageDir: a.dir, store, pipeline: A }).push(uuid);

    expect(parseOwner(text(store.objects.get(remoteKeys.owner)), remoteKeys.owner)).toMatchObject({
      format_version: 1,
      pipeline_name: A.systemName,
      given_name: A.givenName,
    });
    const catalog = parseCatalog(text(store.objects.get(remoteKeys.catalog)), remoteKeys.catalog);
    expect(catalog).toEqual(await readLocalCatalog(a.dir));
    expect(catalog[0]!.fingerprint).toBe(18446744073709551557n);

    const manifest = parseManifest(
      text(store.objects.get(remoteKeys.manifest(uuid))),
      remoteKeys.manifest(uuid),
    );
    expect(manifest.entry).toEqual(catalog[0]);
    expect(manifest.batches).toEqual(batches);
    expect(manifest.objects.map((o) => o.key)).toEqual([...batches, remoteKeys.zip(uuid)]);
    for (const o of manifest.objects) expect(store.objects.get(o.key)?.byteLength).toBe(o.size);
    expect(manifest.zip_files.map((f) => f.path).sort()).toEqual(
      ['CHECKPOINT', 'dependencies.json', 'pspine-0.dat', 'state.json'].map((f) => `${uuid}/${f}`),
    );
  });

  it('a damaged manifest is ERR_SYNC_INVALID_REMOTE on pull and a problem in verify', async () => {
    const a = await storage();
    const uuid = await a.checkpoint([await a.batch(1000)]);
    const store = createMemoryObjectStore();
    await createSynchronizer({ storageDir: a.dir, store, pipeline: A }).push(uuid);
    store.objects.set(
      remoteKeys.manifest(uuid),
      new TextEncoder().encode('{"format_version": 1, "uuid": '),
    );
    const b = await storage();
    const err = await createSynchronizer({ storageDir: b.dir, store, pipeline: A })
      .pull()
      .catch((e: unknown) => e);
    expect(hasErrorCode(err, SyncErrorCodes.invalidRemote)).toBe(true);
    expect((err as Error).message).toContain('truncated');
    const report = await createSynchronizer({ storageDir: b.dir, store, pipeline: A }).verify(uuid);
    expect(report.problems).toEqual([
      expect.objectContaining({ key: remoteKeys.manifest(uuid), problem: 'manifest' }),
    ]);
  });
});

describe('owner.json while a racing first pusher creates it', () => {
  it('an empty read (Ceph answering mid-PUT) is read again before it counts as damage', async () => {
    const a = await storage();
    const uuid = await a.checkpoint([await a.batch(1000)]);
    const store = createMemoryObjectStore();
    store.objects.set(remoteKeys.owner, new Uint8Array());
    const getSmall = store.getSmall.bind(store);
    let reads = 0;
    store.getSmall = async (key, o) => {
      if (key === remoteKeys.owner && ++reads === 2) {
        store.objects.set(
          key,
          new TextEncoder().encode(
            JSON.stringify({ pipeline_name: A.systemName, given_name: 'alpha' }),
          ),
        );
      }
      return getSmall(key, o);
    };
    await expect(
      createSynchronizer({ storageDir: a.dir, store, pipeline: A }).push(uuid),
    ).resolves.toMatchObject({ uuid });
    store.objects.set(remoteKeys.owner, new Uint8Array());
    const err = await createSynchronizer({ storageDir: a.dir, store, pipeline: A })
      .push(uuid)
      .catch((e: unknown) => e);
    expect(hasErrorCode(err, SyncErrorCodes.invalidRemote)).toBe(true);
  });
});

describe('install into an empty storage directory', () => {
  it('a pull stopped after the directory moved in, before the catalog, leaves a readable storage directory', async () => {
    const a = await storage();
    const store = createMemoryObjectStore();
    const primary = createSynchronizer({ storageDir: a.dir, store, pipeline: A });
    const c1 = await a.checkpoint([await a.batch(1000)]);
    await primary.push(c1);
    const b = await storage();
    // Cancel at the second 'installing' phase (the checkpoint directory): it moves in, the catalog does not.
    const stop = new AbortController();
    let installing = 0;
    const onProgress = (p: { phase: string }): void => {
      if (p.phase === 'installing' && ++installing === 2) stop.abort();
    };
    const err = await createSynchronizer({ storageDir: b.dir, store, pipeline: A })
      .pull({ signal: stop.signal, onProgress })
      .catch((e: unknown) => e);
    expect(hasErrorCode(err, 'ERR_ABORTED')).toBe(true);
    await expect(readFile(join(b.dir, c1, 'state.json'), 'utf8')).resolves.toBeTruthy();
    // The empty catalog written before anything moved in: the uncatalogued directory is invisible, not damage.
    await expect(readLocalCatalog(b.dir)).resolves.toEqual([]);
    await expect(latestCompleteCheckpoint(b.dir)).resolves.toBeNull();
    const c2 = await a.checkpoint([await a.batch(1000)]);
    await primary.push(c2);
    const r = await createSynchronizer({ storageDir: b.dir, store, pipeline: A }).pull();
    expect(r).toMatchObject({ uuid: c2, alreadyInstalled: false });
    expect((await latestCompleteCheckpoint(b.dir))?.uuid).toBe(c2);
    expect(await readFile(join(b.dir, 'state.json'), 'utf8')).toBe(
      await readFile(join(a.dir, c2, 'state.json'), 'utf8'),
    );
  });
});
