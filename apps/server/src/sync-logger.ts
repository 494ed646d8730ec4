import type { SyncEvent, SyncLogger } from '@feldera-sync/sync';
import type { PipelineLogger } from './pipeline-log.js';

/**
 * The synchroniser's logger for one pipeline: lines go to the pipeline's log with its current name;
 * typed events go to `onEvent` (metrics), never parsed from the lines.
 */
export function pipelineSyncLogger(
  logger: PipelineLogger,
  name: () => string,
  onEvent: (event: SyncEvent) => void,
): SyncLogger {
  return {
    debug: (msg, fields) => logger.debug({ ...fields, pipeline: name() }, msg),
    info: (msg, fields) => logger.info({ ...fields, pipeline: name() }, msg),
    warn: (msg, fields) => logger.warn({ ...fields, pipeline: name() }, msg),
    error: (msg, fields) => logger.error({ ...fields, pipeline: name() }, msg),
    event: onEvent,
  };
}
