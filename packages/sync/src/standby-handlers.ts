import type { ObjectStore, OwnerInfo } from '@feldera-sync/checkpoint';
import {
  latestCompleteCheckpoint,
  readActivationIntent,
  readActivationMarker,
  removeActivationIntent,
  writeActivationIntent,
  writeActivationMarker,
} from '@feldera-sync/checkpoint';
import type {
  LogEntry,
  PullHandlerResult,
  PullRequest,
  StandbyHandlers,
  StartEngineRequest,
  TakeoverResult,
} from '@feldera-sync/standby';
import type { Clock } from '@feldera-sync/clock';
import { systemClock } from '@feldera-sync/clock';
import type { SyncLogger } from './logger.js';
import { silentLogger } from './logger.js';
import type { PipelineIdentity, TakeoverReport } from './ownership.js';
import { takeOverOwnership } from './ownership.js';
import type { PullReport } from './pull.js';
import type { PullOptions } from './synchronizer.js';

/** The engine a standby runner starts once activated; absent when another process runs it (the CLI). */
export interface StandbyEngine {
  start(request: StartEngineRequest, signal: AbortSignal): Promise<void>;
  stop?(): Promise<void>;
  pause?(): Promise<void>;
  resume?(): Promise<void>;
}

/** What `createStandbyHandlers` wires. */
export interface StandbyHandlersOptions {
  /** The pipeline's storage directory: marker and intent live here, local restores read it. */
  storageDir: string;
  /** The synchroniser of `storageDir`; null when the pipeline has no sync (local storage only). */
  synchronizer: {
    pull(options?: PullOptions): Promise<PullReport>;
    restore(options?: PullOptions): Promise<PullReport>;
  } | null;
  /** The `bucket` store whose `owner.json` an activation takes over; null when there is none. */
  store: ObjectStore | null;
  /** Who takes the bucket over; null: activation takes nothing over (and says so in a warning). */
  identity: PipelineIdentity | null;
  /** `fail_if_no_checkpoint`, for the start restore. */
  failIfNoCheckpoint: boolean;
  /**
   * Whether the start restore removes local checkpoints of another lineage (default true: the
   * storage directory is this pipeline's, and Feldera's startup GC keeps only what the catalog names).
   */
  replaceLocalOnRestore?: boolean | undefined;
  /** Started once activated (or on a non-standby start); default: nothing to start. */
  engine?: StandbyEngine | undefined;
  clock?: Clock | undefined;
  logger?: SyncLogger | undefined;
  /** Receives the machine's log lines. */
  log?: ((entry: LogEntry) => void) | undefined;
  /** Told after every pull or restore the synchroniser made (metrics, `restored_from`). */
  onPulled?: ((request: PullRequest, report: PullReport, durationMs: number) => void) | undefined;
  /** Told after every failed pull or restore, before the error goes to the machine. */
  onPullFailed?: ((request: PullRequest, error: unknown, durationMs: number) => void) | undefined;
  /** Told after a takeover (also when there was nothing to take over). */
  onTakeover?: ((report: TakeoverReport) => void) | undefined;
}

/** What a start needs to know about the storage directory, read by `readStandbyStartFacts`. */
export interface StandbyStartFacts {
  activatedMarkerPresent: boolean;
  activationIntentPresent: boolean;
  hasLocalCheckpoint: boolean;
}

/** Reads the marker, the intent and whether a complete local checkpoint exists; a damaged catalog counts as none. */
export async function readStandbyStartFacts(
  storageDir: string,
  signal?: AbortSignal,
): Promise<StandbyStartFacts> {
  const opts = signal ? { signal } : {};
  const [marker, intent, local] = await Promise.all([
    readActivationMarker(storageDir, opts),
    readActivationIntent(storageDir, opts),
    latestCompleteCheckpoint(storageDir, opts).catch(() => null),
  ]);
  return {
    activatedMarkerPresent: marker !== null,
    activationIntentPresent: intent !== null,
    hasLocalCheckpoint: local !== null,
  };
}

/** The system name a takeover replaced: the previous owner, or the one recorded when we already own it. */
export function previousOwnerOf(
  report: TakeoverReport,
  me: PipelineIdentity | null,
): string | null {
  if (report.tookOver) return report.previous?.pipeline_name ?? null;
  const prev = report.previous;
  if (prev === null || me === null || prev.pipeline_name !== me.systemName) return null;
  // A completed (or repeated) takeover: the record names whom it replaced. Untrusted, so checked.
  const recorded = (prev as OwnerInfo & { previous_owner?: unknown }).previous_owner;
  if (typeof recorded !== 'object' || recorded === null) return null;
  const name = (recorded as { pipeline_name?: unknown }).pipeline_name;
  return typeof name === 'string' && name.length <= 200 ? name : null;
}

/**
 * The standby runner's handlers for a storage directory and its bucket, the one wiring the server
 * and the CLI share: pulls and restores through the synchroniser; the activation intent, the
 * takeover of `owner.json` and Feldera's `activated.feldera` in that order; the engine as given.
 */
export function createStandbyHandlers(options: StandbyHandlersOptions): StandbyHandlers {
  const { storageDir, synchronizer, store, identity } = options;
  const clock = options.clock ?? systemClock;
  const logger = options.logger ?? silentLogger;
  const engine = options.engine;
  const handlers: StandbyHandlers = {
    pull: async (request, signal): Promise<PullHandlerResult> => {
      if (request.sources === 'local-only' || synchronizer === null) {
        const local = await latestCompleteCheckpoint(storageDir, { signal });
        return { checkpointUuid: local?.uuid ?? null };
      }
      const started = clock.now();
      try {
        const report =
          request.sources === 'local-first'
            ? await synchronizer.restore({
                spec: request.checkpoint,
                failIfNoCheckpoint: request.mode === 'restore' && options.failIfNoCheckpoint,
                replaceLocal: options.replaceLocalOnRestore ?? true,
                signal,
              })
            : await synchronizer.pull({
                spec: request.checkpoint,
                failIfNoCheckpoint: false,
                signal,
              });
        options.onPulled?.(request, report, clock.now() - started);
        return { checkpointUuid: report.uuid, bytes: report.bytes };
      } catch (error) {
        options.onPullFailed?.(request, error, clock.now() - started);
        throw error;
      }
    },
    recordActivationIntent: async (signal) => {
      const local = await latestCompleteCheckpoint(storageDir, { signal });
      await writeActivationIntent(
        storageDir,
        {
          checkpoint: local?.uuid ?? null,
          pipelineName: identity?.systemName ?? null,
          givenName: identity?.givenName ?? null,
          recordedAt: new Date(clock.now()).toISOString(),
        },
        { signal },
      );
    },
    takeOverOwnership: async (signal): Promise<TakeoverResult> => {
      if (store === null) return { previousOwner: null };
      if (identity === null) {
        logger.warn(
          'activation without a pipeline identity: owner.json was not taken over, so the pipeline that runs on this directory must take the bucket over before it can push',
          { store: store.description },
        );
        return { previousOwner: null };
      }
      const report = await takeOverOwnership(store, identity, clock, logger, signal);
      options.onTakeover?.(report);
      return { previousOwner: previousOwnerOf(report, identity) };
    },
    writeMarker: async (signal) => {
      // Feldera's form: the metadata of the checkpoint activated from (the newest local one), or null.
      const local = await latestCompleteCheckpoint(storageDir, { signal });
      await writeActivationMarker(storageDir, local, { signal });
      await removeActivationIntent(storageDir, { signal });
    },
    startEngine: (request, signal) => engine?.start(request, signal) ?? Promise.resolve(),
  };
  if (options.log) handlers.log = options.log;
  if (engine?.stop) handlers.stopEngine = engine.stop.bind(engine);
  if (engine?.pause) handlers.pauseEngine = engine.pause.bind(engine);
  if (engine?.resume) handlers.resumeEngine = engine.resume.bind(engine);
  return handlers;
}
