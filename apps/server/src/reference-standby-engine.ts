import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { ROOT_STATE_FILE } from '@feldera-sync/checkpoint';
import type { RuntimeConfig, SyncConfig } from '@feldera-sync/config';
import { periodicCheckpointIntervalSecs } from '@feldera-sync/config';
import { createReferenceEngine } from '@feldera-sync/engine';
import type { Engine } from '@feldera-sync/engine';
import type { StandbyEngine, Synchronizer } from '@feldera-sync/sync';
import type { PipelineLogger } from './pipeline-log.js';
import type { RestoreOrigin } from './restore-origin.js';

/** The engine the standby runner starts, and the one running now. */
export interface ReferenceStandbyEngine extends StandbyEngine {
  /** The open engine, or null before the start and after the stop. */
  current(): Engine | null;
}

/** What `createReferenceStandbyEngine` needs from the run. */
export interface ReferenceStandbyEngineOptions {
  storageDir: string;
  config: RuntimeConfig;
  sync: SyncConfig | null;
  synchronizer: Synchronizer | null;
  logger: PipelineLogger;
  name: () => string;
  origin: RestoreOrigin;
}

/**
 * The server's engine for the standby runner: the reference engine over the storage directory,
 * with the periodic pusher running while it runs (docs/start-from-checkpoint.md).
 */
export function createReferenceStandbyEngine(
  options: ReferenceStandbyEngineOptions,
): ReferenceStandbyEngine {
  const { storageDir, sync, synchronizer, logger } = options;
  const intervalSecs = periodicCheckpointIntervalSecs(options.config);
  let engine: Engine | null = null;
  return {
    current: () => engine,
    async start(request, signal) {
      const opened = createReferenceEngine({
        ...(intervalSecs === null ? {} : { checkpointIntervalMs: intervalSecs * 1000 }),
        pins: () => synchronizer?.pins() ?? [],
        onBackgroundError: (error) =>
          logger.warn(
            { pipeline: options.name(), code: error.code, err: error.message },
            'engine background work failed',
          ),
      });
      if (request.checkpointUuid === null && sync?.start_from_checkpoint) {
        // start_from_checkpoint resolved to nothing (and fail_if_no_checkpoint is off): start from
        // empty state (docs/start-from-checkpoint.md). The engine resumes from the root state.json,
        // which may name some other local checkpoint; move it out of the way. The checkpoints
        // themselves stay, so a later start from "latest" still finds them.
        await rm(join(storageDir, ROOT_STATE_FILE), { force: true });
      }
      await opened.open(storageDir, { signal });
      engine = opened;
      // Without start_from_checkpoint the engine still resumes from the storage directory's root
      // state.json.
      options.origin.engineStarted(
        request.checkpointUuid,
        opened.status().lastCheckpoint?.uuid ?? null,
      );
      if (sync?.push_interval)
        synchronizer?.startPeriodic({ intervalMs: sync.push_interval * 1000 });
    },
    async stop() {
      synchronizer?.stopPeriodic();
      const closing = engine;
      engine = null;
      await closing?.close();
    },
  };
}
