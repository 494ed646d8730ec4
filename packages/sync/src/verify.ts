import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { ObjectStore, ZipFile } from '@feldera-sync/checkpoint';
import {
  StoreErrorCodes,
  findInCatalog,
  hashFile,
  readRemoteCatalog,
  remoteKeys,
  remoteObjectName,
} from '@feldera-sync/checkpoint';
import { SyncError, hasErrorCode, throwIfAborted } from '@feldera-sync/errors';
import type { SyncContext } from './context.js';
import { SyncErrorCodes } from './errors.js';
import { readingRemote } from './layout-errors.js';
import type { CheckpointSpec } from './resolve.js';
import { removeStaging, removeStagingRootIfEmpty, stagingPath } from './staging.js';
import { transferDeadlineMs } from './deadline.js';
import { unzipTo } from './zip.js';

/** One problem found by verify. */
export interface VerifyProblem {
  key: string;
  /** `zip`: the zip's entries differ from the manifest's `zip_files` (`actual` says how). */
  problem: 'missing' | 'size' | 'sha256' | 'manifest' | 'zip';
  expected?: string | number | undefined;
  actual?: string | number | undefined;
}

/** What verify found. */
export interface VerifyReport {
  uuid: string;
  ok: boolean;
  objects: number;
  bytes: number;
  problems: VerifyProblem[];
}

/**
 * Checks that every object of a remote checkpoint exists with the size and SHA-256 its manifest
 * records. Objects are downloaded one at a time into staging and hashed from disk, so memory
 * stays bounded whatever their size.
 */
export async function verifyCheckpoint(
  ctx: SyncContext,
  store: ObjectStore,
  spec: CheckpointSpec,
  signal?: AbortSignal,
): Promise<VerifyReport> {
  const opts = signal ? { signal } : {};
  const catalog = await readingRemote(readRemoteCatalog(store, opts));
  const entry = findInCatalog(spec, catalog);
  if (!entry) {
    throw new SyncError(
      SyncErrorCodes.checkpointNotFound,
      `checkpoint '${spec}' not found in ${remoteObjectName(store, remoteKeys.catalog)}`,
      {
        details: { spec },
      },
    );
  }
  const uuid = entry.uuid;
  const problems: VerifyProblem[] = [];
  let manifest;
  try {
    manifest = await ctx.manifests.get(store, uuid, opts);
  } catch (e) {
    if (
      e instanceof SyncError &&
      (e.code === SyncErrorCodes.invalidRemote || e.code === StoreErrorCodes.tooLarge)
    ) {
      return {
        uuid,
        ok: false,
        objects: 0,
        bytes: 0,
        problems: [{ key: remoteKeys.manifest(uuid), problem: 'manifest', actual: e.message }],
      };
    }
    throw e;
  }
  if (!manifest)
    return {
      uuid,
      ok: false,
      objects: 0,
      bytes: 0,
      problems: [{ key: remoteKeys.manifest(uuid), problem: 'missing' }],
    };

  const staging = stagingPath(ctx.storageDir, 'verify', uuid);
  let bytes = 0;
  try {
    await mkdir(staging, { recursive: true });
    for (const o of manifest.objects) {
      throwIfAborted(signal, 'verify');
      const head = await store.head(o.key, opts);
      if (!head) {
        problems.push({ key: o.key, problem: 'missing' });
        continue;
      }
      if (head.size !== o.size) {
        problems.push({ key: o.key, problem: 'size', expected: o.size, actual: head.size });
        continue;
      }
      await store.downloadFiles('', [o.key], staging, {
        ...opts,
        deadlineMs: transferDeadlineMs(o.size, ctx.transferTimeoutMs),
        // Hashed below: a mismatch is reported as a problem of this object, not a failed download.
        verifiedByCaller: true,
      });
      const path = join(staging, o.key);
      const d = await hashFile(path, { signal, sizeHint: o.size });
      bytes += d.size;
      if (d.size !== o.size)
        problems.push({ key: o.key, problem: 'size', expected: o.size, actual: d.size });
      else if (d.sha256 !== o.sha256)
        problems.push({ key: o.key, problem: 'sha256', expected: o.sha256, actual: d.sha256 });
      else if (o.key === remoteKeys.zip(uuid)) {
        // The zip is whole; what it expands to must be exactly what the manifest lists, as a pull
        // would find (extracted into staging, each entry stopped at its declared size).
        const problem = await checkZip(path, join(staging, '.unzip'), manifest.zip_files, signal);
        if (problem) problems.push({ key: o.key, problem: 'zip', actual: problem });
      }
      await removeStaging(path);
      await removeStaging(join(staging, '.unzip'));
    }
  } finally {
    await removeStaging(staging);
    await removeStagingRootIfEmpty(ctx.storageDir);
  }
  return { uuid, ok: problems.length === 0, objects: manifest.objects.length, bytes, problems };
}

/** Why the zip's entries differ from `files` (names, sizes, SHA-256), or null when they agree. */
async function checkZip(
  zipPath: string,
  into: string,
  files: readonly ZipFile[],
  signal: AbortSignal | undefined,
): Promise<string | null> {
  let written;
  try {
    written = await unzipTo(zipPath, into, new Map(files.map((f) => [f.path, f.size])), signal);
  } catch (e) {
    if (hasErrorCode(e, SyncErrorCodes.integrity)) return e.message;
    throw e;
  }
  for (const f of files) {
    const d = written.get(f.path);
    if (d?.sha256 !== f.sha256) return `${JSON.stringify(f.path)} does not match its manifest`;
  }
  return null;
}
