import type { Manifest, ManifestObject, ObjectStore } from '@feldera-sync/checkpoint';
import { planSharedUploads, remoteObjectName } from '@feldera-sync/checkpoint';
import { SyncError } from '@feldera-sync/errors';
import { SyncErrorCodes } from './errors.js';

/** A remote object that is not the local file of the same name. */
export interface PushConflict {
  key: string;
  localSize: number;
  remoteSize: number;
}

/** Batch files are immutable: `ERR_SYNC_INTEGRITY` when the bucket holds another file under one's name. */
export function refuseConflicts(store: ObjectStore, conflicts: readonly PushConflict[]): void {
  if (conflicts.length === 0) return;
  const c = conflicts[0]!;
  throw new SyncError(
    SyncErrorCodes.integrity,
    `remote object ${remoteObjectName(store, c.key)} differs from the local file (remote ${c.remoteSize} bytes, local ${c.localSize} bytes); batch files are immutable`,
    { details: { conflicts: conflicts.map((x) => x.key) } },
  );
}

/**
 * The check a plan by size cannot make: a same-sized object of other content, caught once the
 * batch files' digests are in, against every manifest at hand.
 */
export function refuseDigestConflicts(
  store: ObjectStore,
  digests: readonly ManifestObject[],
  manifests: readonly Manifest[],
): void {
  const known = new Map<string, { size: number; sha256: string }>();
  for (const m of manifests) for (const o of m.objects) known.set(o.key, o);
  refuseConflicts(
    store,
    planSharedUploads(digests, known).conflicts.map((c) => ({
      key: c.key,
      localSize: c.local.size,
      remoteSize: c.remote.size,
    })),
  );
}
