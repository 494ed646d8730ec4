import { mkdir, readFile, rename, rm, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { ObjectStore } from '@feldera-sync/checkpoint';
import { SyncError, throwIfAborted } from '@feldera-sync/errors';
import type { SyncContext } from './context.js';
import { SyncErrorCodes } from './errors.js';
import { fsyncDir, fsyncFile, writeFileAtomic } from './local/fs-atomic.js';
import type { CatalogEntry } from './local/local-layout.js';
import {
  CHECKPOINT_MARKER,
  STATE_FILE,
  inspectLocalCheckpoint,
  readLocalCatalog,
  withCatalogEntry,
  writeLocalCatalog,
} from './local/local-layout.js';
import type { ProgressListener } from './progress.js';
import { ProgressTracker } from './progress.js';
import type { ManifestObject } from './remote/remote-layout.js';
import { remoteKeys } from './remote/remote-layout.js';
import type { CheckpointSource } from './resolve.js';
import { hashFile } from './hash.js';
import { listStaging, removeStaging, stagingPath } from './staging.js';
import { unzipTo } from './zip.js';

/** Options of one pull. */
export interface InstallOptions {
  signal?: AbortSignal | undefined;
  onProgress?: ProgressListener | undefined;
}

/** What a pull did. */
export interface PullReport {
  /** The checkpoint now installed, or null when none was found. */
  uuid: string | null;
  source: CheckpointSource;
  /** Bytes downloaded. */
  bytes: number;
  /** Objects downloaded. */
  objects: number;
  /** Objects already present locally and reused. */
  reused: number;
  reusedBytes: number;
  /** The checkpoint was already installed; nothing was downloaded. */
  alreadyInstalled: boolean;
  durationMs: number;
}

function integrityError(store: ObjectStore, o: ManifestObject, actual: { size: number; sha256?: string }): SyncError {
  const what = actual.size !== o.size ? `size ${actual.size}, manifest says ${o.size}` : `SHA-256 ${actual.sha256}, manifest says ${o.sha256}`;
  return new SyncError(SyncErrorCodes.integrity, `object ${store.description}${o.key} failed verification: ${what}`, {
    hint: 'the remote copy is damaged; push the checkpoint again from a healthy pipeline or restore another checkpoint',
    details: { key: o.key, expectedSize: o.size, actualSize: actual.size, expectedSha256: o.sha256, actualSha256: actual.sha256 },
  });
}

async function sizeOf(path: string): Promise<number | null> {
  try {
    return (await stat(path)).size;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw e;
  }
}

/** Makes root `state.json` a copy of the checkpoint's `state.json` (atomic; no write when equal). */
export async function pointRootStateAt(storageDir: string, uuid: string): Promise<void> {
  const wanted = await readFile(join(storageDir, uuid, STATE_FILE));
  const current = await readFile(join(storageDir, STATE_FILE)).catch(() => null);
  if (current && Buffer.compare(current, wanted) === 0) return;
  await writeFileAtomic(join(storageDir, STATE_FILE), wanted);
}

/** Removes staging directories left by a killed pull. */
export async function cleanPullLeftovers(storageDir: string): Promise<void> {
  for (const uuid of (await listStaging(storageDir)).pull) await removeStaging(stagingPath(storageDir, 'pull', uuid));
}

/**
 * Downloads what local storage lacks of a remote checkpoint into staging, verifies every object
 * against its manifest, then installs: root files, checkpoint directory, catalog, root
 * `state.json`. Until the catalog rename the storage directory still reads as before.
 */
export async function installCheckpoint(
  ctx: SyncContext,
  store: ObjectStore,
  source: 'bucket' | 'read_bucket',
  entry: CatalogEntry,
  options: InstallOptions = {},
): Promise<PullReport> {
  const { signal } = options;
  const opts = signal ? { signal } : {};
  const started = ctx.clock.now();
  const uuid = entry.uuid;
  throwIfAborted(signal, 'pull');

  const already = await inspectLocalCheckpoint(ctx.storageDir, uuid);
  if (already.complete) {
    await pointRootStateAt(ctx.storageDir, uuid);
    return { uuid, source, bytes: 0, objects: 0, reused: 0, reusedBytes: 0, alreadyInstalled: true, durationMs: ctx.clock.now() - started };
  }

  const manifest = await ctx.manifests.get(store, uuid, opts);
  if (!manifest) {
    throw new SyncError(SyncErrorCodes.invalidRemote, `${store.description}${remoteKeys.manifest(uuid)} is missing though the catalog names ${uuid}`, {
      hint: 'the remote checkpoint is incomplete; run verify, or push it again',
    });
  }
  const zipKey = remoteKeys.zip(uuid);
  const zipObject = manifest.objects.find((o) => o.key === zipKey);
  if (!zipObject) throw new SyncError(SyncErrorCodes.invalidRemote, `${store.description}${remoteKeys.manifest(uuid)} lists no ${zipKey}`);

  await cleanPullLeftovers(ctx.storageDir);
  const staging = stagingPath(ctx.storageDir, 'pull', uuid);
  await mkdir(staging, { recursive: true });
  try {
    // Reuse immutable root files already present (verified by hash, cached per file).
    const download: ManifestObject[] = [zipObject];
    let reused = 0;
    let reusedBytes = 0;
    for (const o of manifest.objects) {
      if (o.key === zipKey) continue;
      const localPath = join(ctx.storageDir, o.key);
      const size = await sizeOf(localPath);
      if (size === null) {
        download.push(o);
        continue;
      }
      const d = await ctx.hashes.digest(localPath, signal);
      if (d.size !== o.size || d.sha256 !== o.sha256) {
        throw new SyncError(SyncErrorCodes.integrity, `local file ${o.key} differs from ${store.description}${o.key} as its manifest records`, {
          hint: 'batch files are immutable: the storage directory and the bucket hold different data under one name; clear the storage directory',
          details: { key: o.key },
        });
      }
      reused++;
      reusedBytes += o.size;
    }

    const bytesTotal = download.reduce((s, o) => s + o.size, 0);
    const progress = new ProgressTracker('pull', uuid, bytesTotal, download.length, options.onProgress ?? (() => {}));
    progress.phase('downloading');
    const r = await store.downloadFiles('', download.map((o) => o.key), staging, { ...opts, onProgress: progress.transfer() });
    progress.done(r.bytes, r.objects);

    progress.phase('verifying');
    for (const o of download) {
      const path = join(staging, o.key);
      const size = await sizeOf(path);
      if (size !== o.size) throw integrityError(store, o, { size: size ?? 0 });
      const d = await hashFile(path, signal);
      if (d.sha256 !== o.sha256) throw integrityError(store, o, d);
      await fsyncFile(path);
    }
    const unzipDir = join(staging, '.unzip');
    await unzipTo(join(staging, zipKey), unzipDir, signal);
    const ckptStaging = join(unzipDir, uuid);
    for (const f of [CHECKPOINT_MARKER, STATE_FILE]) {
      if ((await sizeOf(join(ckptStaging, f))) === null) {
        throw new SyncError(SyncErrorCodes.integrity, `${store.description}${zipKey} has no ${uuid}/${f}`, { details: { key: zipKey } });
      }
    }
    for (const f of manifest.zip_files) {
      const d = await hashFile(join(unzipDir, f.path), signal).catch(() => ({ size: -1, sha256: '' }));
      if (d.size !== f.size || d.sha256 !== f.sha256) {
        throw new SyncError(SyncErrorCodes.integrity, `${store.description}${zipKey}: ${f.path} does not match its manifest`, {
          details: { key: zipKey, path: f.path },
        });
      }
      await fsyncFile(join(unzipDir, f.path));
    }

    // Install in commit order. Root files are immutable and unreferenced until the catalog names
    // the checkpoint, so a kill between these steps leaves nothing the layout would read.
    throwIfAborted(signal, 'pull');
    progress.phase('installing');
    for (const o of download) {
      if (o.key === zipKey) continue;
      const target = join(ctx.storageDir, o.key);
      await mkdir(dirname(target), { recursive: true });
      await rename(join(staging, o.key), target);
      await ctx.hashes.remember(target, o);
    }
    await fsyncDir(ctx.storageDir);
    const ckptDir = join(ctx.storageDir, uuid);
    await rm(ckptDir, { recursive: true, force: true });
    await rename(ckptStaging, ckptDir);
    await fsyncDir(ctx.storageDir);
    const catalog = await readLocalCatalog(ctx.storageDir);
    await writeLocalCatalog(ctx.storageDir, withCatalogEntry(catalog, entry));
    await pointRootStateAt(ctx.storageDir, uuid);

    const durationMs = ctx.clock.now() - started;
    return { uuid, source, bytes: r.bytes, objects: r.objects, reused, reusedBytes, alreadyInstalled: false, durationMs };
  } finally {
    await removeStaging(staging);
  }
}
