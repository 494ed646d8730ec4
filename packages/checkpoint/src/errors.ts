/** The checkpoint catalog (`checkpoints.feldera`, local or remote) is not valid JSON or not a valid catalog. */
export const ERR_CHECKPOINT_CATALOG_CORRUPT = 'ERR_CHECKPOINT_CATALOG_CORRUPT';
/** The local catalog is missing while checkpoint directories exist; it is never repaired automatically. */
export const ERR_CHECKPOINT_CATALOG_MISSING = 'ERR_CHECKPOINT_CATALOG_MISSING';
/** A checkpoint's `dependencies.json` is not valid. */
export const ERR_CHECKPOINT_DEPENDENCIES_CORRUPT = 'ERR_CHECKPOINT_DEPENDENCIES_CORRUPT';
/** A `state.json` (checkpoint or root) is not a JSON object. */
export const ERR_CHECKPOINT_STATE_CORRUPT = 'ERR_CHECKPOINT_STATE_CORRUPT';
/** A remote manifest `dependencies/<uuid>.json` is not valid. */
export const ERR_CHECKPOINT_MANIFEST_CORRUPT = 'ERR_CHECKPOINT_MANIFEST_CORRUPT';
/** The remote `owner.json` is not valid. */
export const ERR_CHECKPOINT_OWNER_CORRUPT = 'ERR_CHECKPOINT_OWNER_CORRUPT';
/** A string that must be a UUID (checkpoint id, path component) is not one. */
export const ERR_CHECKPOINT_INVALID_UUID = 'ERR_CHECKPOINT_INVALID_UUID';
/** A file name or key that must be a relative path inside the storage directory is not one. */
export const ERR_CHECKPOINT_INVALID_PATH = 'ERR_CHECKPOINT_INVALID_PATH';
/** A filesystem operation on the storage directory failed (the native error is the cause). */
export const ERR_CHECKPOINT_IO = 'ERR_CHECKPOINT_IO';
/** A checkpoint that was asked for does not exist or is not complete. */
export const ERR_CHECKPOINT_NOT_FOUND = 'ERR_CHECKPOINT_NOT_FOUND';
/** A directory is locked by another live process (its PID is in the message). */
export const ERR_CHECKPOINT_LOCKED = 'ERR_CHECKPOINT_LOCKED';
