export type {
  ObjectStore,
  ObjectStoreCapabilities,
  PutOptions,
  RemoteObject,
  StoreCallOptions,
  StoreErrorCode,
  TransferOptions,
  TransferProgress,
  TransferResult,
} from './object-store.js';
export { StoreErrorCodes } from './object-store.js';
export { createMemoryObjectStore } from './memory-object-store.js';
export type { MemoryObjectStore } from './memory-object-store.js';

export {
  ERR_CHECKPOINT_CATALOG_CORRUPT,
  ERR_CHECKPOINT_CATALOG_MISSING,
  ERR_CHECKPOINT_DEPENDENCIES_CORRUPT,
  ERR_CHECKPOINT_INVALID_PATH,
  ERR_CHECKPOINT_INVALID_UUID,
  ERR_CHECKPOINT_IO,
  ERR_CHECKPOINT_MANIFEST_CORRUPT,
  ERR_CHECKPOINT_NOT_FOUND,
  ERR_CHECKPOINT_OWNER_CORRUPT,
  ERR_CHECKPOINT_STATE_CORRUPT,
} from './errors.js';
export { parseJsonLossless, stringifyJsonLossless, JsonSyntaxError } from './lossless-json.js';
export type { JsonValue } from './lossless-json.js';
export { compareUuidv7, createUuidv7Generator, isUuid, uuidv7, uuidv7TimeMs } from './uuidv7.js';
export type { RandomBytes } from './uuidv7.js';
export {
  CatalogEntrySchema,
  CatalogSchema,
  catalogEntryToJson,
  insertCatalogEntry,
  parseCatalog,
  serializeCatalog,
} from './catalog.js';
export type { CatalogEntry } from './catalog.js';
export { DependenciesSchema, parseDependencies, serializeDependencies } from './dependencies.js';
export type { CheckpointDependencies } from './dependencies.js';
export {
  ACTIVATION_MARKER,
  CATALOG_FILE,
  CHECKPOINT_MARKER,
  CHECKPOINT_STATE_FILE,
  DEPENDENCIES_FILE,
  MUT_SUFFIX,
  ROOT_STATE_FILE,
  STAGING_DIR,
  assertSafeRelativePath,
  assertUuid,
  checkpointPaths,
  isBatchFileName,
  isSafeRelativePath,
} from './local-paths.js';
export type { CheckpointPaths } from './local-paths.js';
export { fsyncDir, writeFileAtomic } from './atomic-file.js';
export type { IoOptions } from './atomic-file.js';
export { parseStateFile } from './state-file.js';
export {
  appendToLocalCatalog,
  listCheckpointDirs,
  readLocalCatalog,
  writeLocalCatalog,
} from './local-catalog.js';
export {
  createCheckpointDir,
  inspectLocalCheckpoint,
  latestCompleteCheckpoint,
  listLocalCheckpoints,
  readCheckpointState,
  readDependencies,
  readRootState,
  syncDirTree,
  writeCheckpointState,
  writeDependencies,
  writeRootState,
} from './local-checkpoint.js';
export type { LocalCheckpointInspection, LocalCheckpointStatus, SharedFile } from './local-checkpoint.js';
export { readActivationMarker, removeActivationMarker, writeActivationMarker } from './activation-marker.js';
export type { ActivationInfo } from './activation-marker.js';
