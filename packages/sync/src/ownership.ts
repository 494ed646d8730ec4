import type { ObjectStore, OwnerInfo } from '@feldera-sync/checkpoint';
import {
  decideOwnership,
  ownershipMismatchMessage,
  readOwner,
  remoteKeys,
  remoteObjectName,
  StoreErrorCodes,
  writeOwner,
} from '@feldera-sync/checkpoint';
import { SyncError, hasErrorCode, isSyncError } from '@feldera-sync/errors';
import { SyncErrorCodes } from './errors.js';
import { readingRemote } from './layout-errors.js';
import type { Clock } from '@feldera-sync/clock';
import type { SyncLogger } from './logger.js';

/** The pipeline on whose behalf the synchroniser writes. */
export interface PipelineIdentity {
  /** Never changes: `pipeline-<uuid>`. Ownership is by this name. */
  systemName: string;
  /** The name people use; may change. */
  givenName: string;
}

/** The identity in the owner record's terms. */
function asOwner(me: PipelineIdentity): { pipeline_name: string; given_name: string } {
  return { pipeline_name: me.systemName, given_name: me.givenName };
}

/** The bucket's `owner.json`, or null; a damaged one is `ERR_SYNC_INVALID_REMOTE`. */
export function readBucketOwner(
  store: ObjectStore,
  signal?: AbortSignal,
): Promise<OwnerInfo | null> {
  return readingRemote(readOwner(store, signal ? { signal } : {}));
}

/**
 * `owner.json` while another first pusher may be creating it: Ceph RGW can answer a read that races
 * the creating PUT with an empty body, so an unreadable record is read again a few times before it
 * counts as damage.
 */
async function readOwnerDuringCreate(
  store: ObjectStore,
  clock: Clock,
  signal?: AbortSignal,
): Promise<OwnerInfo | null> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await readBucketOwner(store, signal);
    } catch (e) {
      if (!hasErrorCode(e, SyncErrorCodes.invalidRemote) || attempt >= 4) throw e;
      await new Promise<void>((resolve) => clock.setTimeout(resolve, 100 * attempt));
    }
  }
}

/** Feldera's exact refusal (docs/checkpoint-layout.md, "The bucket location"). */
export function ownerMismatchError(
  owner: OwnerInfo,
  me: PipelineIdentity,
  where: string,
): SyncError {
  return new SyncError(SyncErrorCodes.ownerMismatch, ownershipMismatchMessage(owner, asOwner(me)), {
    hint: `use a different \`bucket\` for this pipeline, or remove ${remoteKeys.owner} from ${where} if the owner no longer exists`,
    details: { owner: owner.pipeline_name, current: me.systemName },
  });
}

/**
 * Makes sure `owner.json` names this pipeline, creating it when missing. Uses a conditional
 * create where the store supports it, so of two first pushers exactly one wins.
 */
export async function ensureOwner(
  store: ObjectStore,
  me: PipelineIdentity,
  clock: Clock,
  logger: SyncLogger,
  signal?: AbortSignal,
): Promise<OwnerInfo> {
  const opts = signal ? { signal } : {};
  const existing = await readOwnerDuringCreate(store, clock, signal);
  const decision = decideOwnership(existing, asOwner(me), new Date(clock.now()).toISOString());
  switch (decision.action) {
    case 'proceed':
      return existing!;
    case 'refuse':
      throw ownerMismatchError(decision.owner, me, store.description);
    case 'create':
      break;
  }
  if (!store.capabilities.conditionalPut) {
    logger.warn(
      'object store does not enforce If-None-Match; owner.json is created by read-check-write and two first pushers could race',
      { store: store.description },
    );
  }
  try {
    await writeOwner(store, decision.owner, { ...opts, ifNoneMatch: true });
  } catch (e) {
    // Lost the race (412), or a store that answers a lost race with 500: whoever won decides.
    if (
      !isSyncError(e) ||
      hasErrorCode(e, StoreErrorCodes.auth) ||
      hasErrorCode(e, StoreErrorCodes.aborted)
    )
      throw e;
    const winner = await readOwnerDuringCreate(store, clock, signal);
    if (!winner) throw e;
    if (winner.pipeline_name !== me.systemName)
      throw ownerMismatchError(winner, me, store.description);
    return winner;
  }
  if (store.capabilities.conditionalPut) return decision.owner;
  // Read back: on stores without conditional PUT this narrows the race to the write itself.
  const after = await readOwnerDuringCreate(store, clock, signal);
  if (after && after.pipeline_name !== me.systemName)
    throw ownerMismatchError(after, me, store.description);
  return after ?? decision.owner;
}

/** Re-reads `owner.json` just before the commit; throws when it no longer names this pipeline. */
export async function assertStillOwner(
  store: ObjectStore,
  me: PipelineIdentity,
  signal?: AbortSignal,
): Promise<void> {
  const owner = await readBucketOwner(store, signal);
  if (!owner || owner.pipeline_name !== me.systemName) {
    throw new SyncError(
      SyncErrorCodes.ownerChanged,
      `owner.json of ${store.description} changed during the push (now ${owner ? `${owner.given_name} (id: ${owner.pipeline_name})` : 'missing'}); the catalog was not written`,
      { hint: 'another pipeline is writing to this bucket; give each pipeline its own `bucket`' },
    );
  }
}

/** What a takeover found and did. */
export interface TakeoverReport {
  /** The owner before the takeover; null when the bucket had none. */
  previous: OwnerInfo | null;
  /** False when this pipeline already owned the bucket (or it had no owner): nothing was written. */
  tookOver: boolean;
}

/**
 * Failover: makes `owner.json` name this pipeline when an activated standby takes over the bucket
 * its primary owned. The old primary is fenced: its next push re-reads `owner.json` and refuses.
 * A bucket without an owner is left alone (the first push creates the record).
 */
export async function takeOverOwnership(
  store: ObjectStore,
  me: PipelineIdentity,
  clock: Clock,
  logger: SyncLogger,
  signal?: AbortSignal,
): Promise<TakeoverReport> {
  const opts = signal ? { signal } : {};
  const previous = await readOwnerDuringCreate(store, clock, signal);
  if (!previous || previous.pipeline_name === me.systemName) return { previous, tookOver: false };
  const record: OwnerInfo = {
    ...asOwner(me),
    format_version: previous.format_version,
    created_at: new Date(clock.now()).toISOString(),
    previous_owner: { pipeline_name: previous.pipeline_name, given_name: previous.given_name },
  };
  await writeOwner(store, record, opts);
  const after = await readBucketOwner(store, signal);
  if (!after || after.pipeline_name !== me.systemName) {
    throw new SyncError(
      SyncErrorCodes.ownerChanged,
      `taking over ${remoteObjectName(store, remoteKeys.owner)} from ${previous.given_name} (id: ${previous.pipeline_name}) lost to ${after ? `${after.given_name} (id: ${after.pipeline_name})` : 'a delete'}`,
      {
        hint: 'another pipeline is writing owner.json at the same time; make sure only one standby is activated',
      },
    );
  }
  logger.warn(
    `took over ${store.description} from ${previous.given_name} (id: ${previous.pipeline_name}); its pushes are now refused`,
    {
      previous: previous.pipeline_name,
    },
  );
  return { previous, tookOver: true };
}
