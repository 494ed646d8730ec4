import {
  ERR_CHECKPOINT_CATALOG_CORRUPT,
  ERR_CHECKPOINT_CATALOG_MISSING,
  ERR_CHECKPOINT_DEPENDENCIES_CORRUPT,
  ERR_CHECKPOINT_INVALID_PATH,
  ERR_CHECKPOINT_INVALID_UUID,
  ERR_CHECKPOINT_MANIFEST_CORRUPT,
  ERR_CHECKPOINT_OWNER_CORRUPT,
  ERR_CHECKPOINT_STATE_CORRUPT,
} from '@feldera-sync/checkpoint';
import { SyncError, isSyncError } from '@feldera-sync/errors';
import { SyncErrorCodes } from './errors.js';

// The layouts are parsed by @feldera-sync/checkpoint, whose codes say which file is damaged. The
// synchroniser's callers match on its own documented codes, so those failures are re-coded here,
// keeping the checkpoint package's message (it names the file and the store) and the original as cause.
const REMOTE = new Set<string>([
  ERR_CHECKPOINT_CATALOG_CORRUPT,
  ERR_CHECKPOINT_MANIFEST_CORRUPT,
  ERR_CHECKPOINT_OWNER_CORRUPT,
  ERR_CHECKPOINT_INVALID_PATH,
  ERR_CHECKPOINT_INVALID_UUID,
]);
const LOCAL = new Set<string>([
  ERR_CHECKPOINT_CATALOG_CORRUPT,
  ERR_CHECKPOINT_CATALOG_MISSING,
  ERR_CHECKPOINT_DEPENDENCIES_CORRUPT,
  ERR_CHECKPOINT_STATE_CORRUPT,
  ERR_CHECKPOINT_INVALID_PATH,
]);

function recode(e: unknown, codes: ReadonlySet<string>, code: string, hint: string): unknown {
  if (!isSyncError(e) || !codes.has(e.code)) return e;
  return new SyncError(code, e.message, {
    cause: e,
    hint: e.hint ?? hint,
    details: { ...e.details, layoutCode: e.code },
  });
}

/** A damaged catalog, manifest or owner record in the bucket as `ERR_SYNC_INVALID_REMOTE`; anything else unchanged. */
export function remoteLayoutError(e: unknown): unknown {
  return recode(
    e,
    REMOTE,
    SyncErrorCodes.invalidRemote,
    'the bucket holds data this version cannot read; check that `bucket` points at a checkpoint location',
  );
}

/** A damaged catalog or checkpoint file in the storage directory as `ERR_SYNC_INVALID_LOCAL`; anything else unchanged. */
export function localLayoutError(e: unknown): unknown {
  return recode(
    e,
    LOCAL,
    SyncErrorCodes.invalidLocal,
    'the storage directory is damaged; it is never repaired automatically',
  );
}

/** Awaits a read of the bucket's layout, re-coding damage with `remoteLayoutError`. */
export async function readingRemote<T>(read: Promise<T>): Promise<T> {
  try {
    return await read;
  } catch (e) {
    throw remoteLayoutError(e);
  }
}

/** Awaits a read or write of the storage directory's layout, re-coding damage with `localLayoutError`. */
export async function readingLocal<T>(read: Promise<T>): Promise<T> {
  try {
    return await read;
  } catch (e) {
    throw localLayoutError(e);
  }
}
