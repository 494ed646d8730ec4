import type { CatalogEntry, CheckpointDependencies, SharedFile } from '@feldera-sync/checkpoint';
import {
  CATALOG_FILE,
  ERR_CHECKPOINT_CATALOG_MISSING,
  inspectLocalCheckpoint,
  isBatchFileName,
  isUuid,
  readLocalCatalog,
} from '@feldera-sync/checkpoint';
import { SyncError, hasErrorCode } from '@feldera-sync/errors';
import type { SyncContext } from './context.js';
import { SyncErrorCodes } from './errors.js';
import { localLayoutError, readingLocal } from './layout-errors.js';

/** A catalogued, complete local checkpoint: what a push sends. */
export interface PushableCheckpoint {
  entry: CatalogEntry;
  deps: CheckpointDependencies;
  shared: SharedFile[];
  /** The files directly inside `<uuid>/`, bare names. */
  files: string[];
}

/** `ERR_SYNC_CHECKPOINT_NOT_FOUND` naming what is missing locally. */
export function checkpointNotFound(uuid: string, missing: readonly string[]): SyncError {
  return new SyncError(
    SyncErrorCodes.checkpointNotFound,
    `checkpoint '${uuid}' not found in local storage`,
    {
      hint: 'push only checkpoints listed by `checkpoints.feldera` whose files are complete',
      details: { uuid, missing: missing.slice(0, 20) },
    },
  );
}

/**
 * The local checkpoint `uuid` when it is catalogued and complete, before any object-store request;
 * `ERR_SYNC_CHECKPOINT_NOT_FOUND` naming what is missing otherwise (docs/sync.md, "Push").
 */
export async function readPushableCheckpoint(
  ctx: SyncContext,
  uuid: string,
  signal: AbortSignal | undefined,
): Promise<PushableCheckpoint> {
  if (!isUuid(uuid)) throw checkpointNotFound(uuid, ['not a UUID']);
  let catalog: CatalogEntry[];
  try {
    catalog = await readLocalCatalog(ctx.storageDir, { signal });
  } catch (e) {
    // No catalog at all: nothing is catalogued, so nothing can be pushed.
    if (!hasErrorCode(e, ERR_CHECKPOINT_CATALOG_MISSING)) throw localLayoutError(e);
    catalog = [];
  }
  const entry = catalog.find((e) => e.uuid === uuid);
  const found = await readingLocal(inspectLocalCheckpoint(ctx.storageDir, uuid, { signal }));
  if (!entry || !found.complete || !found.deps)
    throw checkpointNotFound(uuid, [...(entry ? [] : [`${CATALOG_FILE} entry`]), ...found.missing]);
  // The remote layout holds batch files under their own names; Feldera names them w<N>-<uuid>.feldera.
  const odd = found.deps.batches.filter((b) => !isBatchFileName(b));
  if (odd.length > 0) {
    throw new SyncError(
      SyncErrorCodes.invalidLocal,
      `checkpoint '${uuid}' names batch files that are not w<N>-<uuid>.feldera: ${odd.slice(0, 5).join(', ')}`,
      {
        hint: 'the storage directory was not written by Feldera; it cannot be pushed',
        details: { uuid, batches: odd.slice(0, 20) },
      },
    );
  }
  return {
    entry,
    deps: found.deps,
    shared: found.shared,
    files: found.files.map((f) => f.slice(found.uuid.length + 1)),
  };
}
