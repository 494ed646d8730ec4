import { watch } from 'node:fs';
import type { FSWatcher } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import type { Command } from 'commander';
import { InvalidArgumentError } from 'commander';
import type { CatalogEntry, DirLock } from '@feldera-sync/checkpoint';
import { acquireDirLock } from '@feldera-sync/checkpoint';
import { ERR_ABORTED, hasErrorCode, isSyncError, SyncError } from '@feldera-sync/errors';
import type { SidecarEffect, SidecarEvent, SidecarState } from '@feldera-sync/sidecar';
import {
  createPinMirror,
  initialSidecarState,
  scanCatalog,
  sidecarTransition,
  sidecarView,
} from '@feldera-sync/sidecar';
import { createSynchronizer, SyncErrorCodes } from '@feldera-sync/sync';
import type { CommandContext } from '../context.js';
import type { CliDeps } from '../deps.js';
import type { MetricFamily, RoleHttpServer } from '../role-http.js';
import { startRoleHttp } from '../role-http.js';
import { identityFor, openBucket } from './options.js';
import { jsonLogger, parseListenOption } from './role-options.js';
import { parseMilliseconds, resolvePath, waitForSignal } from './shared.js';

interface SidecarCommandOptions {
  config?: string;
  storage: string;
  pipeline?: string;
  pipelineId?: string;
  listen?: { host: string; port: number };
  pollIntervalMs: number;
  graceMs: number;
  pinDir?: string;
  logLevel: 'debug' | 'info';
}

function parsePollInterval(value: string): number {
  const ms = parseMilliseconds(value);
  if (ms < 50) throw new InvalidArgumentError('expected at least 50 milliseconds');
  return ms;
}

function parseLogLevel(value: string): 'debug' | 'info' {
  if (value !== 'debug' && value !== 'info')
    throw new InvalidArgumentError('expected "info" or "debug"');
  return value;
}

function describeError(e: unknown): { code?: string; error: string } {
  if (isSyncError(e)) return { code: e.code, error: e.message };
  return { error: e instanceof Error ? e.message : String(e) };
}

/** Byte and time totals of the pushes, for metrics. */
interface PushTotals {
  bytes: number;
  objects: number;
  seconds: number;
  skippedObjects: number;
  alreadySynced: number;
}

/** The sidecar's Prometheus metrics, from the planner's view and the push totals. */
export function sidecarMetrics(
  state: SidecarState,
  totals: PushTotals,
  now: number,
): MetricFamily[] {
  const v = sidecarView(state, now);
  const g = (name: string, help: string, value: number): MetricFamily => ({
    name,
    help,
    type: 'gauge',
    samples: [{ value }],
  });
  const c = (name: string, help: string, value: number): MetricFamily => ({
    name,
    help,
    type: 'counter',
    samples: [{ value }],
  });
  return [
    g('feldera_sync_sidecar_up', 'The sidecar process is running (1)', 1),
    {
      name: 'feldera_sync_sidecar_last_pushed_info',
      help: 'The newest checkpoint this sidecar pushed (label uuid)',
      type: 'gauge',
      samples: v.lastPushed === null ? [] : [{ labels: { uuid: v.lastPushed }, value: 1 }],
    },
    g(
      'feldera_sync_sidecar_last_pushed_checkpoint_timestamp_seconds',
      'UUIDv7 time of the newest pushed checkpoint (0: none yet)',
      (v.lastPushedTimeMs ?? 0) / 1000,
    ),
    g(
      'feldera_sync_sidecar_last_pushed_checkpoint_age_seconds',
      'Now minus the UUIDv7 time of the newest pushed checkpoint (-1: none yet)',
      v.lastPushedAgeSeconds ?? -1,
    ),
    g(
      'feldera_sync_sidecar_newest_local_checkpoint_timestamp_seconds',
      'UUIDv7 time of the newest complete local checkpoint seen (0: none)',
      (v.newestLocalTimeMs ?? 0) / 1000,
    ),
    g(
      'feldera_sync_sidecar_lag_seconds',
      'Newest complete local checkpoint time minus newest pushed checkpoint time (-1: unknown)',
      v.lagSeconds ?? -1,
    ),
    g(
      'feldera_sync_sidecar_last_push_success_timestamp_seconds',
      'When the last successful push finished (0: never)',
      (state.lastPushSucceededAtMs ?? 0) / 1000,
    ),
    {
      name: 'feldera_sync_sidecar_pushes_total',
      help: 'Finished pushes by result',
      type: 'counter',
      samples: [
        { labels: { result: 'success' }, value: v.counters.pushes },
        { labels: { result: 'failure' }, value: v.counters.pushFailures },
      ],
    },
    g(
      'feldera_sync_sidecar_consecutive_push_failures',
      'Failed pushes since the last success',
      v.consecutiveFailures,
    ),
    c('feldera_sync_sidecar_push_bytes_total', 'Bytes uploaded by pushes', totals.bytes),
    c('feldera_sync_sidecar_push_objects_total', 'Objects uploaded by pushes', totals.objects),
    c(
      'feldera_sync_sidecar_push_skipped_objects_total',
      'Objects a push found already in the bucket',
      totals.skippedObjects,
    ),
    c('feldera_sync_sidecar_push_seconds_total', 'Time spent in successful pushes', totals.seconds),
    g('feldera_sync_sidecar_pins', 'Checkpoints pinned now', v.pins.length),
    c('feldera_sync_sidecar_pinned_total', 'Checkpoints pinned', v.counters.pinned),
    c(
      'feldera_sync_sidecar_pin_failures_total',
      'Checkpoints that vanished (engine GC) before they could be pinned',
      v.counters.pinFailures,
    ),
    c(
      'feldera_sync_sidecar_superseded_total',
      'Pinned checkpoints released unpushed because a newer one was pinned',
      v.counters.superseded,
    ),
  ];
}

/** Registers `sidecar`: follow a running pipeline's storage directory and push its checkpoints. */
export function registerSidecarCommand(program: Command, ctx: CommandContext, deps: CliDeps): void {
  program
    .command('sidecar')
    .description(
      'beside a running pipeline: pin every new complete checkpoint at once and push the newest every push_interval',
    )
    .requiredOption('--config <file>', 'runtime config or bare sync object (bucket, push_interval)')
    .requiredOption(
      '--storage <dir>',
      "the pipeline's storage directory (only read, apart from pins)",
    )
    .option('--pipeline <name>', 'given name of the owner pipeline')
    .option('--pipeline-id <id>', 'system name pipeline-<uuid> of the owner pipeline')
    .option(
      '--listen <host:port>',
      'serve /healthz, /metrics (Prometheus) and /status (JSON) there, e.g. 0.0.0.0:9464',
      parseListenOption,
    )
    .option(
      '--poll-interval-ms <ms>',
      'polling fallback beside file-system events',
      parsePollInterval,
      1_000,
    )
    .option(
      '--grace-ms <ms>',
      'on SIGTERM, how long a running push may finish before it is cancelled',
      parseMilliseconds,
      20_000,
    )
    .option(
      '--pin-dir <dir>',
      'where pins live (hard links: same filesystem as --storage); default <storage>/.sync-staging/sidecar',
    )
    .option('--log-level <level>', 'info or debug', parseLogLevel, 'info')
    .addHelpText(
      'after',
      `
Watches the storage directory's catalog (file-system events, with polling as a fallback). Each new
complete checkpoint (in the catalog with its state.json) is pinned at once with hard links, so
the engine's own GC may delete the originals; the newest pin is pushed every push_interval, or as
soon as it is complete when push_interval is not set, with the synchroniser's owner check,
incremental crash-safe push and retention. A pin is released as soon as its push ends or a newer
checkpoint supersedes it. Logs one JSON object per line on stderr. SIGTERM or Ctrl-C: stop pinning,
let a running push finish within --grace-ms (else cancel it), release every pin, exit 0.

Example:
  $ feldera-sync sidecar --config pipeline.json --storage /storage --pipeline orders --listen 0.0.0.0:9464
`,
    )
    .action(async (options: SidecarCommandOptions) => {
      const bucket = await openBucket(ctx, deps, options);
      const identity = identityFor(bucket.file, options);
      const storageDir = resolvePath(ctx, options.storage);
      const log = jsonLogger(ctx, 'sidecar', options.logLevel);
      await mkdir(storageDir, { recursive: true });
      const lock: DirLock = await acquireDirLock(storageDir, { command: 'feldera-sync sidecar' });
      const mirror = createPinMirror(
        storageDir,
        options.pinDir === undefined ? undefined : resolvePath(ctx, options.pinDir),
      );
      const sync = createSynchronizer({
        storageDir: mirror.dir,
        store: bucket.store,
        readStore: bucket.readStore,
        pipeline: identity,
        retention: {
          minCount: bucket.file.sync.retention_min_count,
          minAgeDays: bucket.file.sync.retention_min_age,
        },
        checkers: bucket.file.sync.checkers,
        logger: log,
        // The storage directory's lock (held above for the sidecar's life) covers its pins.
        lockStorage: false,
      });
      const pushIntervalMs =
        bucket.file.sync.push_interval === null || bucket.file.sync.push_interval === undefined
          ? null
          : bucket.file.sync.push_interval * 1000;
      let state = initialSidecarState({ pushIntervalMs });
      const totals: PushTotals = {
        bytes: 0,
        objects: 0,
        seconds: 0,
        skippedObjects: 0,
        alreadySynced: 0,
      };
      const entries = new Map<string, CatalogEntry>();
      const pushAbort = new AbortController();
      let running: Promise<void> | null = null;
      let stopping = false;
      let timer: ReturnType<typeof setTimeout> | null = null;
      let watcher: FSWatcher | null = null;
      let poller: ReturnType<typeof setInterval> | null = null;
      let http: RoleHttpServer | null = null;
      let scanning = false;
      let rescan = false;
      let lastScanError: string | null = null;
      // Events are applied one at a time, effects in order; a push runs in the background and comes
      // back as an event.
      let queue: Promise<void> = Promise.resolve();

      const arm = (): void => {
        if (timer !== null) clearTimeout(timer);
        timer = null;
        if (state.wakeAtMs === null || stopping) return;
        const delay = Math.max(0, state.wakeAtMs - ctx.now());
        timer = setTimeout(() => feed({ type: 'tick', at: ctx.now() }), delay);
      };

      const runEffect = async (effect: SidecarEffect): Promise<SidecarEvent | null> => {
        switch (effect.type) {
          case 'pin': {
            const entry = entries.get(effect.uuid);
            const result = entry
              ? await mirror.pin(entry).catch((e: unknown) => {
                  log.warn('pin failed', { uuid: effect.uuid, ...describeError(e) });
                  return { pinned: false as const, reason: 'vanished' as const, detail: 'error' };
                })
              : { pinned: false as const, reason: 'vanished' as const, detail: 'not catalogued' };
            if (result.pinned) {
              log.info('checkpoint pinned', { uuid: effect.uuid });
              return { type: 'pinned', uuid: effect.uuid, at: ctx.now() };
            }
            log.info('checkpoint not pinned', {
              uuid: effect.uuid,
              reason: result.reason,
              detail: result.detail,
            });
            return { type: 'pinFailed', uuid: effect.uuid, at: ctx.now() };
          }
          case 'unpin':
            await mirror
              .unpin(effect.uuid)
              .catch((e: unknown) =>
                log.warn('releasing a pin failed', { uuid: effect.uuid, ...describeError(e) }),
              );
            log.debug('pin released', { uuid: effect.uuid });
            return null;
          case 'push': {
            const uuid = effect.uuid;
            log.info('push started', { uuid });
            const started = ctx.now();
            running = sync
              .push(uuid, { signal: pushAbort.signal })
              .then(
                (report) => {
                  totals.bytes += report.bytes;
                  totals.objects += report.objects;
                  totals.skippedObjects += report.skippedObjects;
                  totals.seconds += report.durationMs / 1000;
                  if (report.alreadySynced) totals.alreadySynced++;
                  log.info('push succeeded', {
                    uuid,
                    bytes: report.bytes,
                    objects: report.objects,
                    skippedObjects: report.skippedObjects,
                    alreadySynced: report.alreadySynced,
                    durationMs: report.durationMs,
                    retentionRemoved: report.retention.removed.length,
                  });
                  feed({ type: 'pushSucceeded', uuid, at: ctx.now() });
                },
                (e: unknown) => {
                  const pinLost = hasErrorCode(e, SyncErrorCodes.checkpointNotFound);
                  log.warn('push failed', {
                    uuid,
                    pinLost,
                    durationMs: ctx.now() - started,
                    ...describeError(e),
                  });
                  feed({ type: 'pushFailed', uuid, pinLost, at: ctx.now() });
                },
              )
              .finally(() => {
                running = null;
              });
            return null;
          }
        }
      };

      const apply = async (event: SidecarEvent): Promise<void> => {
        let pending: SidecarEvent | null = event;
        while (pending !== null) {
          const [next, effects] = sidecarTransition(state, pending);
          state = next;
          pending = null;
          for (const effect of effects) {
            const follow = await runEffect(effect);
            // A pin's outcome is the next event (nothing else runs in between).
            if (follow !== null) pending = follow;
          }
        }
        arm();
      };

      const feed = (event: SidecarEvent): void => {
        queue = queue
          .then(() => apply(event))
          .catch((e: unknown) => {
            log.error('sidecar step failed', describeError(e));
          });
      };

      const scan = (): void => {
        if (stopping) return;
        if (scanning) {
          rescan = true;
          return;
        }
        scanning = true;
        queue = queue
          .then(async () => {
            do {
              rescan = false;
              try {
                const found = await scanCatalog(storageDir, state.newestSeen);
                lastScanError = null;
                for (const [k, v] of found.entries) entries.set(k, v);
                for (const k of [...entries.keys()]) if (!found.entries.has(k)) entries.delete(k);
                if (found.checkpoints.length > 0)
                  await apply({ type: 'observed', checkpoints: found.checkpoints, at: ctx.now() });
              } catch (e) {
                const d = describeError(e);
                if (lastScanError !== d.error) log.warn('reading the catalog failed', d);
                lastScanError = d.error;
              }
            } while (rescan && !stopping);
          })
          .finally(() => {
            scanning = false;
          });
      };

      const waiting = waitForSignal(ctx, ['SIGINT', 'SIGTERM']);
      try {
        const recovered = await mirror.open();
        if (recovered.length > 0) {
          log.info('resuming pins a previous run left', { pins: recovered });
          feed({ type: 'recovered', pins: recovered, at: ctx.now() });
        }
        if (options.listen) {
          http = await startRoleHttp(
            options.listen,
            {
              role: 'sidecar',
              healthy: () => !stopping,
              status: () => {
                const v = sidecarView(state, ctx.now());
                return {
                  role: 'sidecar',
                  storage: storageDir,
                  bucket: bucket.store.description,
                  owner: identity.systemName,
                  push_interval_secs: pushIntervalMs === null ? null : pushIntervalMs / 1000,
                  last_pushed_checkpoint: v.lastPushed,
                  last_pushed_checkpoint_age_secs: v.lastPushedAgeSeconds,
                  last_push_at:
                    state.lastPushSucceededAtMs === null
                      ? null
                      : new Date(state.lastPushSucceededAtMs).toISOString(),
                  newest_local_checkpoint: v.newestLocal,
                  lag_secs: v.lagSeconds,
                  pushing: v.pushing,
                  pins: v.pins,
                  consecutive_push_failures: v.consecutiveFailures,
                  last_failure: sync.status().failure,
                  counters: v.counters,
                  bytes_pushed: totals.bytes,
                  last_scan_error: lastScanError,
                };
              },
              metrics: () => sidecarMetrics(state, totals, ctx.now()),
            },
            null,
          );
        }
        try {
          watcher = watch(storageDir, { persistent: false }, () => scan());
          watcher.on('error', (e) => {
            log.warn('file-system events stopped; polling only', describeError(e));
            watcher?.close();
            watcher = null;
          });
        } catch (e) {
          log.warn('file-system events unavailable; polling only', describeError(e));
        }
        poller = setInterval(scan, options.pollIntervalMs);
        log.info('sidecar started', {
          storage: storageDir,
          bucket: bucket.store.description,
          owner: identity.systemName,
          pushIntervalSecs: pushIntervalMs === null ? null : pushIntervalMs / 1000,
          pinDir: mirror.dir,
          listen: http?.url ?? null,
          watching: watcher !== null ? 'fs-events+polling' : 'polling',
        });
        scan();
        const signal = await waiting.promise;
        log.info('stopping', { signal });
      } finally {
        stopping = true;
        waiting.dispose();
        if (poller !== null) clearInterval(poller);
        watcher?.close();
        if (timer !== null) clearTimeout(timer);
        feed({ type: 'stop', at: ctx.now() });
        await queue;
        const push = running as Promise<void> | null;
        if (push !== null) {
          const cancel = setTimeout(() => {
            log.warn('grace period over: cancelling the running push', {
              graceMs: options.graceMs,
            });
            pushAbort.abort(new SyncError(ERR_ABORTED, 'sidecar stopping'));
          }, options.graceMs);
          await push;
          clearTimeout(cancel);
        }
        await queue;
        await sync.close();
        await mirror.clear().catch(() => undefined);
        await http?.close();
        await lock.release();
        log.info('stopped', { lastPushed: state.lastPushed });
      }
    });
}
