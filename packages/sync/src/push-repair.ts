import type { Manifest, ManifestObject } from '@feldera-sync/checkpoint';
import { planRepair, remoteObjectName } from '@feldera-sync/checkpoint';
import { SyncError } from '@feldera-sync/errors';
import type { SyncContext } from './context.js';
import { SyncErrorCodes } from './errors.js';
import { mapLimit } from './remote/manifest-cache.js';

/**
 * An "already synced" answer is checked, not trusted: the keys of a committed checkpoint's manifest
 * that the bucket lacks (or holds at another size), all of which the local files can supply, to be
 * sent again; `ERR_SYNC_INTEGRITY` when one cannot be re-sent as the manifest records it.
 */
export async function planRepairOfSynced(
  ctx: SyncContext,
  manifest: Manifest,
  local: readonly ManifestObject[],
  opts: { signal?: AbortSignal },
): Promise<string[]> {
  const heads = await mapLimit(manifest.objects, ctx.checkers, (o) => ctx.store.head(o.key, opts));
  const present = new Map<string, number>();
  for (const h of heads) if (h) present.set(h.key, h.size);
  const { upload, unrepairable } = planRepair(manifest, present, local);
  if (unrepairable.length > 0) {
    const u = unrepairable[0]!;
    throw new SyncError(
      SyncErrorCodes.integrity,
      `remote checkpoint ${manifest.uuid} lacks ${remoteObjectName(ctx.store, u.key)}, and the local copy differs from its manifest (${u.reason})`,
      {
        hint: 'run verify; the checkpoint cannot be repaired from this storage directory',
        details: { missing: unrepairable.map((x) => x.key) },
      },
    );
  }
  return upload;
}
