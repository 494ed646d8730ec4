import { join } from 'node:path';
import { SyncError } from '@feldera-sync/errors';
import { ERR_CHECKPOINT_INVALID_PATH, ERR_CHECKPOINT_INVALID_UUID } from './errors.js';
import { isUuid } from './uuidv7.js';

/** The catalog file at the storage root (and at the bucket location). */
export const CATALOG_FILE = 'checkpoints.feldera';
/** The root copy of the newest complete checkpoint's state, what a restart resumes from. */
export const ROOT_STATE_FILE = 'state.json';
/** Marker written when a standby pipeline is activated. */
export const ACTIVATION_MARKER = 'activated.feldera';
/** Empty marker inside a checkpoint directory. */
export const CHECKPOINT_MARKER = 'CHECKPOINT';
/** The dependency list inside a checkpoint directory. */
export const DEPENDENCIES_FILE = 'dependencies.json';
/** The checkpoint's state inside its directory, written last. */
export const CHECKPOINT_STATE_FILE = 'state.json';
/** Suffix of files being written; renaming away from it is the commit. */
export const MUT_SUFFIX = '.mut';
/** Staging directory inside the storage directory used by pushes (pins), pulls and verify. */
export const STAGING_DIR = '.sync-staging';

/**
 * Root entries Feldera's startup GC keeps whatever the catalog says (dbsp `checkpointer.rs`,
 * `gc_startup`; names from feldera-types `constants.rs` and dbsp `dirlock.rs`). This project's local
 * GC never deletes them.
 */
export const FELDERA_KEPT_ROOT_ENTRIES: readonly string[] = [
  'checkpoints.feldera',
  'steps.bin',
  'state.json',
  'status.json',
  'status.json.mut',
  'datafusion-tmp',
  'activated.feldera',
  'feldera.pidlock',
  'coordinator',
];

const BATCH_RE = /^w\d+-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\.feldera$/i;

/** True for an immutable batch file name `w<N>-<uuid>.feldera`. */
export function isBatchFileName(name: string): boolean {
  return BATCH_RE.test(name);
}

/** Throws `ERR_CHECKPOINT_INVALID_UUID` unless `uuid` is a UUID, so it is safe as a path component. */
export function assertUuid(uuid: string, what = 'checkpoint uuid'): void {
  if (!isUuid(uuid)) {
    throw new SyncError(ERR_CHECKPOINT_INVALID_UUID, `${what} '${uuid}' is not a UUID`, {
      details: { uuid },
    });
  }
}

/**
 * Why `name` is not a bare file name (one path component, as Feldera's dependency lists hold), or
 * null when it is one.
 */
export function bareNameProblem(name: string): string | null {
  if (name.length === 0) return 'is empty';
  if (name.includes('/')) return "contains '/'";
  if (name.includes('\\')) return "contains '\\'";
  if (name === '.' || name === '..') return 'is a directory reference';
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(name)) return 'contains a control character';
  if (name.length > 255) return 'is longer than 255 characters';
  return null;
}

/** True when `p` is a clean relative `/`-separated path that stays inside its root. */
export function isSafeRelativePath(p: string): boolean {
  if (p.length === 0 || p.startsWith('/') || p.includes('\\') || p.includes('\0')) return false;
  return p.split('/').every((seg) => seg !== '' && seg !== '.' && seg !== '..');
}

/** Throws `ERR_CHECKPOINT_INVALID_PATH` unless `p` is a safe relative path. */
export function assertSafeRelativePath(p: string, what: string): void {
  if (!isSafeRelativePath(p)) {
    throw new SyncError(
      ERR_CHECKPOINT_INVALID_PATH,
      `${what} '${p}' is not a relative path inside the storage directory`,
      {
        details: { path: p },
      },
    );
  }
}

/** Absolute paths of one checkpoint's directory and its fixed files. */
export interface CheckpointPaths {
  dir: string;
  marker: string;
  dependencies: string;
  state: string;
}

/** Paths of checkpoint `uuid` inside `storageDir`; throws on a non-UUID. */
export function checkpointPaths(storageDir: string, uuid: string): CheckpointPaths {
  assertUuid(uuid);
  const dir = join(storageDir, uuid);
  return {
    dir,
    marker: join(dir, CHECKPOINT_MARKER),
    dependencies: join(dir, DEPENDENCIES_FILE),
    state: join(dir, CHECKPOINT_STATE_FILE),
  };
}
