export { createSynchronizer } from './synchronizer.js';
export { synchronizerSettingsFrom } from './sync-config-settings.js';
export type {
  Synchronizer,
  SynchronizerOptions,
  PushRequestOptions,
  PullOptions,
} from './synchronizer.js';
export type { PushReport } from './push.js';
export type { PullReport } from './pull.js';
export type { VerifyReport, VerifyProblem } from './verify.js';
export type { GcReport } from './gc.js';
export type { RetentionReport } from './retention.js';
export type { SyncStatus, SyncFailure, StatusEvent } from './status.js';
export { initialStatus, reduceStatus } from './status.js';
export type { SyncProgress, SyncPhase, ProgressListener } from './progress.js';
export type { CheckpointSpec, CheckpointSource } from './resolve.js';
export type { PipelineIdentity, TakeoverReport } from './ownership.js';
export { takeOverOwnership } from './ownership.js';
export {
  createStandbyHandlers,
  previousOwnerOf,
  readStandbyStartFacts,
} from './standby-handlers.js';
export type {
  StandbyEngine,
  StandbyHandlersOptions,
  StandbyStartFacts,
} from './standby-handlers.js';
export type { RetentionPolicy } from './retention-plan.js';
export type { HashCacheOptions } from './hash.js';
export { HASH_CACHE_FILE } from './hash.js';
export { nextPeriodicDelay } from './backoff.js';
export type { PeriodicSchedule } from './backoff.js';
export { decidePushRequest } from './push-queue.js';
export type { PushQueueDecision, PushQueueState } from './push-queue.js';
// One implementation of each layout decision and format: the checkpoint package's, re-exported under
// the names this package has always exported.
export { planSharedUploads as planPushUploads } from '@feldera-sync/checkpoint';
export { SyncErrorCodes } from './errors.js';
export { readingRemote, remoteLayoutError } from './layout-errors.js';
export type { SyncErrorCode } from './errors.js';
// The shared clock, re-exported for existing importers.
export type { Clock, TimerHandle } from '@feldera-sync/clock';
export { systemClock } from '@feldera-sync/clock';
export type { SyncLogger } from './logger.js';
export type { SyncEvent } from './sync-events.js';
export { silentLogger } from './logger.js';
export { STAGING_DIR, remoteKeys } from '@feldera-sync/checkpoint';
export type { Manifest, ManifestObject, OwnerInfo as Owner } from '@feldera-sync/checkpoint';
