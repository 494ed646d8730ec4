export type {
  GetSmallOptions,
  MultipartUploads,
  PendingUpload,
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
export { StoreErrorCodes, tooLargeError } from './object-store.js';
export { createMemoryObjectStore } from './memory-object-store.js';
export type { MemoryObjectStore } from './memory-object-store.js';

export {
  CheckpointErrorCodes,
  ERR_CHECKPOINT_CATALOG_CORRUPT,
  ERR_CHECKPOINT_CATALOG_MISSING,
  ERR_CHECKPOINT_DEPENDENCIES_CORRUPT,
  ERR_CHECKPOINT_INVALID_PATH,
  ERR_CHECKPOINT_INVALID_UUID,
  ERR_CHECKPOINT_IO,
  ERR_CHECKPOINT_LOCKED,
  ERR_CHECKPOINT_MANIFEST_CORRUPT,
  ERR_CHECKPOINT_NOT_FOUND,
  ERR_CHECKPOINT_OWNER_CORRUPT,
  ERR_CHECKPOINT_STATE_CORRUPT,
} from './errors.js';
export type { CheckpointErrorCode } from './errors.js';
export { parseJsonLossless, stringifyJsonLossless, JsonSyntaxError } from './lossless-json.js';
export type { JsonValue } from './lossless-json.js';
export { compareUuidv7, createUuidv7Generator, isUuid, uuidv7, uuidv7TimeMs } from './uuidv7.js';
export type { RandomBytes } from './uuidv7.js';
export {
  CatalogEntrySchema,
  CatalogSchema,
  MAX_CATALOG_ENTRIES,
  catalogEntryToJson,
  insertCatalogEntry,
  parseCatalog,
  serializeCatalog,
} from './catalog.js';
export type { CatalogEntry } from './catalog.js';
export {
  DependenciesSchema,
  missingStateFiles,
  parseDependencies,
  serializeDependencies,
} from './dependencies.js';
export type { CheckpointDependencies } from './dependencies.js';
export {
  ACTIVATION_MARKER,
  CATALOG_FILE,
  CHECKPOINT_MARKER,
  CHECKPOINT_STATE_FILE,
  DEPENDENCIES_FILE,
  FELDERA_KEPT_ROOT_ENTRIES,
  MUT_SUFFIX,
  ROOT_STATE_FILE,
  STAGING_DIR,
  assertSafeRelativePath,
  assertUuid,
  bareNameProblem,
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
  commitCheckpointFiles,
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
export type {
  LocalCheckpointInspection,
  LocalCheckpointStatus,
  SharedFile,
} from './local-checkpoint.js';
export {
  readActivationMarker,
  removeActivationMarker,
  writeActivationMarker,
} from './activation-marker.js';
export type { ActivationInfo } from './activation-marker.js';
export {
  ACTIVATION_INTENT_FILE,
  parseActivationIntent,
  readActivationIntent,
  removeActivationIntent,
  serializeActivationIntent,
  writeActivationIntent,
} from './activation-intent.js';
export type { ActivationIntent } from './activation-intent.js';
export { hashFile, SMALL_FILE_BYTES } from './hash-file.js';
export type { HashFileOptions } from './hash-file.js';
export {
  MANIFEST_FORMAT_VERSION,
  MAX_MANIFEST_ENTRIES,
  MAX_RECORDED_SIZE,
  ManifestObjectSchema,
  ManifestSchema,
  OwnerSchema,
  REMOTE_FORMAT_VERSION,
  ZipFileSchema,
  buildManifest,
  decideOwnership,
  ownerFor,
  ownershipMismatchMessage,
  parseManifest,
  parseOwner,
  remoteKeys,
  serializeManifest,
  serializeOwner,
} from './remote-layout.js';
export type {
  BuildManifestInput,
  Manifest,
  ManifestObject,
  OwnerInfo,
  OwnershipDecision,
  PipelineIdentity,
  ZipFile,
} from './remote-layout.js';
export {
  readManifest,
  readManifests,
  readOwner,
  readRemoteCatalog,
  REMOTE_READ_LIMITS,
  remoteObjectName,
  writeManifest,
  writeOwner,
  writeRemoteCatalog,
} from './remote-store.js';
export type { ManifestLookup, ReadManifestsOptions } from './remote-store.js';
export { findInCatalog, isCheckpointSpec, resolveCheckpoint } from './resolve-checkpoint.js';
export type {
  CheckpointSource,
  ResolveInput,
  ResolveLook,
  ResolveResult,
} from './resolve-checkpoint.js';
export { planPush, planRepair, planSharedUploads } from './plan-push.js';
export type {
  PushCandidate,
  PushCheckpoint,
  PushPlan,
  PushRemoteState,
  PushStep,
  RepairPlan,
  SharedUploadPlan,
} from './plan-push.js';
export { planPull } from './plan-pull.js';
export type { PullPlan, PullStep } from './plan-pull.js';
export { planRetention, selectRetained } from './plan-retention.js';
export type { RetentionOptions, RetentionPlan, RetentionStep } from './plan-retention.js';
export { planLocalGc } from './plan-local-gc.js';
export type { LocalGcOptions, LocalGcPlan } from './plan-local-gc.js';
export { DIR_LOCK_FILE, acquireDirLock, judgeHolder } from './dir-lock.js';
export type { DirLock, HolderLiveness, LockHolder } from './dir-lock.js';
