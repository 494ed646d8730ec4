import type { ObjectStore } from '@feldera-sync/checkpoint';
import type { Clock } from '@feldera-sync/clock';
import type { HashCache } from './hash.js';
import type { SyncLogger } from './logger.js';
import type { PipelineIdentity } from './ownership.js';
import type { PinSet } from './pins.js';
import type { ManifestCache } from './remote/manifest-cache.js';
import type { RetentionPolicy } from './retention-plan.js';

/** What every operation of one synchroniser shares. */
export interface SyncContext {
  storageDir: string;
  store: ObjectStore;
  readStore: ObjectStore | undefined;
  pipeline: PipelineIdentity;
  retention: RetentionPolicy;
  clock: Clock;
  logger: SyncLogger;
  hashes: HashCache;
  manifests: ManifestCache;
  /** Checkpoints whose files must not be garbage-collected locally (pushes in flight or queued). */
  pins: PinSet;
  /** Concurrent object checks (`head`) at most. */
  checkers: number;
  /** Configured overall deadline of one transfer (`transfer_timeout`), or null for the default. */
  transferTimeoutMs: number | null;
}
