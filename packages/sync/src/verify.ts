import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { ObjectStore } from '@feldera-sync/checkpoint';
import {
  findInCatalog,
  hashFile,
  readRemoteCatalog,
  remoteKeys,
  remoteObjectName,
} from '@feldera-sync/checkpoint';
import { SyncError, throwIfAborted } from '@feldera-sync/errors';
import type { SyncContext } from './context.js';
import { SyncErrorCodes } from './errors.js';
import { readingRemote } from './layout-errors.js';
import type { CheckpointSpec } from './resolve.js';
import { removeStaging, removeStagingRootIfEmpty, stagingPath } from './staging.js';

/** One problem found by verify. */
export interface VerifyProblem {
  key: string;
  problem: 'missing' | 'size' | 'sha256' | 'manifest';
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
    if (e instanceof SyncError && e.code === SyncErrorCodes.invalidRemote) {
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
      await store.downloadFiles('', [o.key], staging, opts);
      const path = join(staging, o.key);
      const d = await hashFile(path, { signal });
      bytes += d.size;
      await removeStaging(path);
      if (d.size !== o.size)
        problems.push({ key: o.key, problem: 'size', expected: o.size, actual: d.size });
      else if (d.sha256 !== o.sha256)
        problems.push({ key: o.key, problem: 'sha256', expected: o.sha256, actual: d.sha256 });
    }
  } finally {
    await removeStaging(staging);
    await removeStagingRootIfEmpty(ctx.storageDir);
  }
  return { uuid, ok: problems.length === 0, objects: manifest.objects.length, bytes, problems };
}
