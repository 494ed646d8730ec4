import type { ObjectStore } from '@feldera-sync/checkpoint';
import { StoreErrorCodes } from '@feldera-sync/checkpoint';
import { SyncError, hasErrorCode, isSyncError } from '@feldera-sync/errors';
import { SyncErrorCodes } from './errors.js';
import type { SyncLogger } from './logger.js';
import type { Owner } from './remote/remote-layout.js';
import { readOwner, remoteKeys } from './remote/remote-layout.js';

/** The pipeline on whose behalf the synchroniser writes. */
export interface PipelineIdentity {
  /** Never changes: `pipeline-<uuid>`. Ownership is by this name. */
  systemName: string;
  /** The name people use; may change. */
  givenName: string;
}

/** The exact SPEC section 3 refusal. */
export function ownerMismatchError(owner: Owner, me: PipelineIdentity, where: string): SyncError {
  const given = owner.given_name ?? owner.pipeline_name;
  return new SyncError(
    SyncErrorCodes.ownerMismatch,
    `S3 checkpoint bucket is already owned by ${given} (id: ${owner.pipeline_name}). Current pipeline is ${me.givenName} (id: ${me.systemName}). Refusing to write checkpoint data`,
    {
      hint: `use a different \`bucket\` for this pipeline, or remove ${where}${remoteKeys.owner} if the owner no longer exists`,
      details: { owner: owner.pipeline_name, current: me.systemName },
    },
  );
}

/**
 * Makes sure `owner.json` names this pipeline, creating it when missing. Uses a conditional
 * create where the store supports it, so of two first pushers exactly one wins.
 */
export async function ensureOwner(
  store: ObjectStore,
  me: PipelineIdentity,
  now: Date,
  logger: SyncLogger,
  signal?: AbortSignal,
): Promise<Owner> {
  const opts = signal ? { signal } : {};
  const existing = await readOwner(store, opts);
  if (existing) {
    if (existing.pipeline_name !== me.systemName) throw ownerMismatchError(existing, me, store.description);
    return existing;
  }
  const owner: Owner = { format_version: 1, pipeline_name: me.systemName, given_name: me.givenName, created_at: now.toISOString() };
  if (!store.capabilities.conditionalPut) {
    logger.warn(
      'object store does not enforce If-None-Match; owner.json is created by read-check-write and two first pushers could race',
      { store: store.description },
    );
  }
  try {
    await store.putSmall(remoteKeys.owner, JSON.stringify(owner, null, 2), { ...opts, ifNoneMatch: true });
  } catch (e) {
    // Lost the race (412), or a store that answers a lost race with 500: whoever won decides.
    if (!isSyncError(e) || hasErrorCode(e, StoreErrorCodes.auth) || hasErrorCode(e, StoreErrorCodes.aborted)) throw e;
    const winner = await readOwner(store, opts);
    if (!winner) throw e;
    if (winner.pipeline_name !== me.systemName) throw ownerMismatchError(winner, me, store.description);
    return winner;
  }
  if (store.capabilities.conditionalPut) return owner;
  // Read back: on stores without conditional PUT this narrows the race to the write itself.
  const after = await readOwner(store, opts);
  if (after && after.pipeline_name !== me.systemName) throw ownerMismatchError(after, me, store.description);
  return after ?? owner;
}

/** Re-reads `owner.json` just before the commit; throws when it no longer names this pipeline. */
export async function assertStillOwner(store: ObjectStore, me: PipelineIdentity, signal?: AbortSignal): Promise<void> {
  const owner = await readOwner(store, signal ? { signal } : {});
  if (!owner || owner.pipeline_name !== me.systemName) {
    throw new SyncError(
      SyncErrorCodes.ownerChanged,
      `owner.json of ${store.description} changed during the push (now ${owner ? `${owner.given_name ?? owner.pipeline_name} (id: ${owner.pipeline_name})` : 'missing'}); the catalog was not written`,
      { hint: 'another pipeline is writing to this bucket; give each pipeline its own `bucket`' },
    );
  }
}
