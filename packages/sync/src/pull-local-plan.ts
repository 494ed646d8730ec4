import { statSync } from 'node:fs';
import { join } from 'node:path';
import type { Manifest, ObjectStore, PullPlan } from '@feldera-sync/checkpoint';
import { hashFile, planPull, remoteKeys, remoteObjectName } from '@feldera-sync/checkpoint';
import { SyncError } from '@feldera-sync/errors';
import type { SyncContext } from './context.js';
import { SyncErrorCodes } from './errors.js';

/**
 * A file's size, or null when it does not exist. Synchronous stat (an inode lookup, no data read):
 * a pull asks it for every object, and the asynchronous call costs 10 times the CPU.
 */
export function sizeOf(path: string): number | null {
  try {
    return statSync(path).size;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw e;
  }
}

/**
 * The checkpoint package's pull plan from what local storage holds. Shared files are immutable, so
 * one present under a manifest's name must hash as the manifest says (else the storage directory and
 * the bucket disagree, and nothing is touched). The zip is skipped only when every file it expands to
 * is present with the recorded SHA-256 (a pull killed after moving the directory into place).
 */
export async function planFromLocal(
  ctx: SyncContext,
  store: ObjectStore,
  manifest: Manifest,
  signal?: AbortSignal,
): Promise<PullPlan> {
  const zipKey = remoteKeys.zip(manifest.uuid);
  const shared = new Map<string, number>();
  for (const o of manifest.objects) {
    if (o.key === zipKey) continue;
    const localPath = join(ctx.storageDir, o.key);
    if (sizeOf(localPath) === null) continue;
    const d = await ctx.hashes.digest(localPath, signal);
    if (d.size !== o.size || d.sha256 !== o.sha256) {
      throw new SyncError(
        SyncErrorCodes.integrity,
        `local file ${o.key} differs from ${remoteObjectName(store, o.key)} as its manifest records`,
        {
          hint: 'batch files are immutable: the storage directory and the bucket hold different data under one name; clear the storage directory',
          details: { key: o.key },
        },
      );
    }
    shared.set(o.key, d.size);
  }
  const withZipFiles = new Map(shared);
  for (const f of manifest.zip_files) {
    const size = sizeOf(join(ctx.storageDir, f.path));
    if (size !== null) withZipFiles.set(f.path, size);
  }
  const plan = planPull(manifest, withZipFiles);
  if (plan.present.every((o) => o.key !== zipKey)) return plan;
  for (const f of manifest.zip_files) {
    const d = await hashFile(join(ctx.storageDir, f.path), { signal, sizeHint: f.size });
    if (d.sha256 !== f.sha256) return planPull(manifest, shared);
  }
  return plan;
}
