/**
 * Error codes of the checkpoint layout (local storage directory and bucket); part of the API. The
 * ObjectStore port's codes are `StoreErrorCodes` (object-store.ts). The loose `ERR_CHECKPOINT_*`
 * exports below are the same values, kept for the packages that import them by name.
 */
export const CheckpointErrorCodes = {
  /** The checkpoint catalog (`checkpoints.feldera`, local or remote) is not valid JSON or not a valid catalog. */
  catalogCorrupt: 'ERR_CHECKPOINT_CATALOG_CORRUPT',
  /** The local catalog is missing while checkpoint directories exist; it is never repaired automatically. */
  catalogMissing: 'ERR_CHECKPOINT_CATALOG_MISSING',
  /** A checkpoint's `dependencies.json` is not valid. */
  dependenciesCorrupt: 'ERR_CHECKPOINT_DEPENDENCIES_CORRUPT',
  /** A `state.json` (checkpoint or root) is not a JSON object. */
  stateCorrupt: 'ERR_CHECKPOINT_STATE_CORRUPT',
  /** A remote manifest `dependencies/<uuid>.json` is not valid. */
  manifestCorrupt: 'ERR_CHECKPOINT_MANIFEST_CORRUPT',
  /** The remote `owner.json` is not valid. */
  ownerCorrupt: 'ERR_CHECKPOINT_OWNER_CORRUPT',
  /** A string that must be a UUID (checkpoint id, path component) is not one. */
  invalidUuid: 'ERR_CHECKPOINT_INVALID_UUID',
  /** A file name or key that must be a relative path inside the storage directory is not one. */
  invalidPath: 'ERR_CHECKPOINT_INVALID_PATH',
  /** A filesystem operation on the storage directory failed (the native error is the cause). */
  io: 'ERR_CHECKPOINT_IO',
  /** A checkpoint that was asked for does not exist or is not complete. */
  notFound: 'ERR_CHECKPOINT_NOT_FOUND',
  /** A directory is locked by another live process (its PID is in the message). */
  locked: 'ERR_CHECKPOINT_LOCKED',
} as const;

/** One of the codes in `CheckpointErrorCodes`. */
export type CheckpointErrorCode = (typeof CheckpointErrorCodes)[keyof typeof CheckpointErrorCodes];

/** `CheckpointErrorCodes.catalogCorrupt`. */
export const ERR_CHECKPOINT_CATALOG_CORRUPT = CheckpointErrorCodes.catalogCorrupt;
/** `CheckpointErrorCodes.catalogMissing`. */
export const ERR_CHECKPOINT_CATALOG_MISSING = CheckpointErrorCodes.catalogMissing;
/** `CheckpointErrorCodes.dependenciesCorrupt`. */
export const ERR_CHECKPOINT_DEPENDENCIES_CORRUPT = CheckpointErrorCodes.dependenciesCorrupt;
/** `CheckpointErrorCodes.stateCorrupt`. */
export const ERR_CHECKPOINT_STATE_CORRUPT = CheckpointErrorCodes.stateCorrupt;
/** `CheckpointErrorCodes.manifestCorrupt`. */
export const ERR_CHECKPOINT_MANIFEST_CORRUPT = CheckpointErrorCodes.manifestCorrupt;
/** `CheckpointErrorCodes.ownerCorrupt`. */
export const ERR_CHECKPOINT_OWNER_CORRUPT = CheckpointErrorCodes.ownerCorrupt;
/** `CheckpointErrorCodes.invalidUuid`. */
export const ERR_CHECKPOINT_INVALID_UUID = CheckpointErrorCodes.invalidUuid;
/** `CheckpointErrorCodes.invalidPath`. */
export const ERR_CHECKPOINT_INVALID_PATH = CheckpointErrorCodes.invalidPath;
/** `CheckpointErrorCodes.io`. */
export const ERR_CHECKPOINT_IO = CheckpointErrorCodes.io;
/** `CheckpointErrorCodes.notFound`. */
export const ERR_CHECKPOINT_NOT_FOUND = CheckpointErrorCodes.notFound;
/** `CheckpointErrorCodes.locked`. */
export const ERR_CHECKPOINT_LOCKED = CheckpointErrorCodes.locked;
