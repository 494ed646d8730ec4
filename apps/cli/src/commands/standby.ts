import type { Command } from 'commander';
import { ERR_ABORTED, isSyncError } from '@feldera-sync/errors';
import type { StandbyRunner } from '@feldera-sync/standby';
import { createStandbyRunner, systemClock } from '@feldera-sync/standby';
import { createStandbyHandlers, readStandbyStartFacts } from '@feldera-sync/sync';
import type { SyncLogger } from '@feldera-sync/sync';
import type { CommandContext } from '../context.js';
import type { CliDeps } from '../deps.js';
import { formatBytes, formatTimestamp } from '../format.js';
import type { MetricFamily, RoleHttpServer } from '../role-http.js';
import { startRoleHttp } from '../role-http.js';
import { openBucket, READ_ONLY_IDENTITY, synchronizerFor } from './options.js';
import {
  apiKeyFrom,
  optionalIdentityFor,
  parseListenOption,
  watchForFile,
} from './role-options.js';
import { resolvePath, waitForSignal } from './shared.js';

interface StandbyCommandOptions {
  config?: string;
  storage: string;
  pipeline?: string;
  pipelineId?: string;
  listen?: { host: string; port: number };
  activateFile?: string;
  apiKeyFile?: string;
}

function describe(err: unknown): string {
  return isSyncError(err)
    ? `${err.message} [${err.code}]`
    : err instanceof Error
      ? err.message
      : String(err);
}

/** The standby's Prometheus metrics, from the runner's snapshot. */
export function standbyMetrics(runner: StandbyRunner): MetricFamily[] {
  const s = runner.snapshot();
  const g = (name: string, help: string, value: number): MetricFamily => ({
    name,
    help,
    type: 'gauge',
    samples: [{ value }],
  });
  return [
    g('feldera_sync_standby_up', 'The standby process is running (1)', 1),
    g(
      'feldera_sync_standby_activated',
      'The storage directory has been activated (1) or not (0)',
      s.activated ? 1 : 0,
    ),
    {
      name: 'feldera_sync_standby_pulls_total',
      help: 'Completed pull attempts',
      type: 'counter',
      samples: [{ value: s.totalPulls }],
    },
    {
      name: 'feldera_sync_standby_pull_failures_total',
      help: 'Failed pull attempts',
      type: 'counter',
      samples: [{ value: s.failedPulls }],
    },
    g(
      'feldera_sync_standby_consecutive_pull_failures',
      'Failed pulls since the last successful one',
      s.consecutivePullFailures,
    ),
    g(
      'feldera_sync_standby_last_pull_timestamp_seconds',
      'When the last successful pull finished (0: never)',
      s.lastPullAtMs === null ? 0 : s.lastPullAtMs / 1000,
    ),
    g(
      'feldera_sync_standby_checkpoint_age_seconds',
      'Age of the newest pulled checkpoint, from its UUIDv7 time (-1: none)',
      s.checkpointAgeMs === null ? -1 : s.checkpointAgeMs / 1000,
    ),
  ];
}

/** Registers `standby`. */
export function registerStandbyCommand(program: Command, ctx: CommandContext, deps: CliDeps): void {
  program
    .command('standby')
    .description(
      'pull the newest checkpoint every pull_interval seconds until stopped (SIGTERM/Ctrl-C) or activated (SIGUSR1, POST /activate, --activate-file)',
    )
    .requiredOption(
      '--config <file>',
      'runtime config or bare sync object (start_from_checkpoint, pull_interval)',
    )
    .requiredOption('--storage <dir>', 'storage directory kept up to date')
    .option('--pipeline <name>', 'given name of the pipeline taking the bucket over on activation')
    .option(
      '--pipeline-id <id>',
      'system name pipeline-<uuid> taking the bucket over on activation',
    )
    .option(
      '--listen <host:port>',
      'serve /healthz, /metrics, /status and POST /activate there (e.g. 127.0.0.1:9464)',
      parseListenOption,
    )
    .option('--activate-file <path>', 'activate as soon as this file exists')
    .option(
      '--api-key-file <file>',
      'POST /activate needs "Authorization: Bearer <key>" with the key in this file (required off loopback)',
    )
    .addHelpText(
      'after',
      `
Runs in the foreground and prints each pull. SIGTERM or Ctrl-C stops it (exit 0). Activation,
by SIGUSR1, POST /activate on --listen, or the --activate-file appearing: one final pull of
anything newer, the bucket's owner.json taken over (with --pipeline/--pipeline-id or the
config's name), activated.feldera written in Feldera's form, then exit 0 so the engine can start on
the directory. A failed final pull or takeover exits with its root cause's code. A directory that
is already activated (activated.feldera) exits 0 at once; an interrupted activation is completed.

Example:
  $ feldera-sync standby --config pipeline.json --storage ./standby --pipeline orders-b &
  $ kill -USR1 %1   # fail over: final pull, takeover, marker, exit 0
`,
    )
    .action(async (options: StandbyCommandOptions) => {
      const bucket = await openBucket(ctx, deps, options);
      const storageDir = resolvePath(ctx, options.storage);
      const identity = optionalIdentityFor(bucket.file, options);
      const apiKey = await apiKeyFrom(ctx, options.apiKeyFile);
      if (identity === null)
        ctx.err(
          "standby: warning: no pipeline identity (--pipeline, --pipeline-id or the config's name): activation will not take the bucket over\n",
        );
      const sync = synchronizerFor(ctx, bucket, options.storage, identity ?? READ_ONLY_IDENTITY);
      const stamp = (): string => formatTimestamp(ctx.now());
      let lastPulled: string | null = null;
      const logger: SyncLogger = {
        debug: () => undefined,
        info: () => undefined,
        warn: (msg) => ctx.err(`standby: warning: ${msg}\n`),
        error: (msg) => ctx.err(`standby: error: ${msg}\n`),
      };
      const runner = createStandbyRunner({
        clock: systemClock,
        handlers: createStandbyHandlers({
          storageDir,
          synchronizer: sync,
          store: bucket.store,
          identity,
          failIfNoCheckpoint: bucket.file.sync.fail_if_no_checkpoint,
          replaceLocalOnRestore: false,
          logger,
          onPulled: (_request, report) => {
            if (report.uuid === null) {
              ctx.out(`${stamp()} no checkpoint in the bucket yet\n`);
            } else if (report.alreadyInstalled || report.uuid === lastPulled) {
              ctx.out(`${stamp()} up to date: ${report.uuid}\n`);
            } else {
              ctx.out(
                `${stamp()} checkpoint pulled successfully: ${report.uuid} from ${report.source} (${formatBytes(report.bytes)}, ${report.objects} objects)\n`,
              );
            }
            lastPulled = report.uuid ?? lastPulled;
          },
          onPullFailed: (_request, err) => {
            if (!(isSyncError(err) && err.code === ERR_ABORTED))
              ctx.err(`${stamp()} pull failed: ${describe(err)}\n`);
          },
          onTakeover: (report) => {
            if (report.tookOver && report.previous)
              ctx.out(
                `${stamp()} took over the bucket from ${report.previous.given_name} (id: ${report.previous.pipeline_name})\n`,
              );
          },
        }),
      });
      const waiting = waitForSignal(ctx, ['SIGINT', 'SIGTERM', 'SIGUSR1']);
      let http: RoleHttpServer | null = null;
      let fileWatch: { dispose(): void } | null = null;
      let stopping = false;
      // One activation, whichever source asks first; later requests get the machine's verdict.
      let activationSource: string | null = null;
      let onActivation: (source: string) => void = () => undefined;
      const activationRequested = new Promise<string>((resolve) => {
        onActivation = resolve;
      });
      const requestActivation = (source: string) => {
        const { outcome } = runner.requestActivate('running');
        if (outcome.accepted && activationSource === null) {
          activationSource = source;
          onActivation(source);
        }
        return { accepted: outcome.accepted, reason: outcome.reason, state: runner.state.name };
      };
      const finish = (): void => {
        ctx.out(
          `${stamp()} activated: storage holds ${runner.snapshot().runningFrom?.uuid ?? lastPulled ?? 'no checkpoint'}\n`,
        );
      };
      try {
        const facts = await readStandbyStartFacts(storageDir);
        if (options.listen) {
          http = await startRoleHttp(
            options.listen,
            {
              role: 'standby',
              healthy: () => !stopping,
              status: () => {
                const s = runner.snapshot();
                return {
                  role: 'standby',
                  storage: storageDir,
                  bucket: bucket.store.description,
                  state: s.state,
                  runtime_status: s.runtimeStatus,
                  activated: s.activated,
                  total_pulls: s.totalPulls,
                  failed_pulls: s.failedPulls,
                  consecutive_pull_failures: s.consecutivePullFailures,
                  last_pull_at:
                    s.lastPullAtMs === null ? null : new Date(s.lastPullAtMs).toISOString(),
                  last_pulled_checkpoint: s.lastPulledCheckpoint?.uuid ?? null,
                  checkpoint_age_seconds:
                    s.checkpointAgeMs === null ? null : s.checkpointAgeMs / 1000,
                  last_pull_error: s.lastPullError,
                  failure: s.failure,
                  took_over_from: s.tookOverFrom,
                };
              },
              metrics: () => standbyMetrics(runner),
              activate: () => requestActivation('POST /activate'),
            },
            apiKey,
          );
          ctx.err(
            `standby: serving /healthz, /metrics, /status and POST /activate on ${http.url}\n`,
          );
        }
        await runner.start({
          initial: 'standby',
          startFromCheckpoint: bucket.file.sync.start_from_checkpoint ?? 'latest',
          pullIntervalMs: bucket.file.sync.pull_interval * 1000,
          failIfNoCheckpoint: bucket.file.sync.fail_if_no_checkpoint,
          ...facts,
        });
        if (runner.state.name !== 'standby') {
          // Already activated (the marker), or an interrupted activation just completed: the engine
          // may start on the directory, as Feldera's standby loop returns at once when activated.
          ctx.err(
            facts.activationIntentPresent
              ? 'standby: an interrupted activation was completed\n'
              : 'standby: activated.feldera present: this directory was activated before; nothing to stand by for\n',
          );
          finish();
          return;
        }
        ctx.err(
          `standby: pulling from ${bucket.store.description} every ${bucket.file.sync.pull_interval}s into ${storageDir}; SIGUSR1${options.listen ? ', POST /activate' : ''}${options.activateFile ? `, ${options.activateFile}` : ''} activates, SIGTERM/Ctrl-C stops\n`,
        );
        if (options.activateFile) {
          const path = resolvePath(ctx, options.activateFile);
          fileWatch = watchForFile(path, 500, () => requestActivation(path));
        }
        void waiting.promise.then((signal) => {
          if (signal === 'SIGUSR1') requestActivation('SIGUSR1');
        });
        const first = await Promise.race([
          activationRequested.then((source) => ({ kind: 'activate' as const, source })),
          waiting.promise.then((signal) => ({ kind: 'signal' as const, signal })),
        ]);
        if (first.kind === 'signal' && first.signal !== 'SIGUSR1') {
          ctx.err(`standby: ${first.signal} received, stopping\n`);
          return;
        }
        const source = first.kind === 'activate' ? first.source : await activationRequested;
        ctx.err(`standby: activating (${source}): final pull, takeover, marker\n`);
        await runner.activate();
        finish();
      } finally {
        stopping = true;
        fileWatch?.dispose();
        waiting.dispose();
        await runner.stop();
        await sync.close();
        await http?.close();
      }
    });
}
