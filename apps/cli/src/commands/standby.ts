import type { Command } from 'commander';
import { latestCompleteCheckpoint, writeActivationMarker } from '@feldera-sync/checkpoint';
import { createStandbyRunner } from '@feldera-sync/standby';
import { systemClock } from '@feldera-sync/sync';
import { isSyncError } from '@feldera-sync/errors';
import type { CommandContext } from '../context.js';
import type { CliDeps } from '../deps.js';
import { formatBytes, formatTimestamp } from '../format.js';
import { openBucket, readIdentityFor, synchronizerFor } from './options.js';
import { resolvePath, waitForSignal } from './shared.js';

interface StandbyCommandOptions {
  config?: string;
  storage: string;
  checkpoint?: string;
}

function describe(err: unknown): string {
  return isSyncError(err)
    ? `${err.message} [${err.code}]`
    : err instanceof Error
      ? err.message
      : String(err);
}

/** Registers `standby`. */
export function registerStandbyCommand(program: Command, ctx: CommandContext, deps: CliDeps): void {
  program
    .command('standby')
    .description(
      'pull the newest checkpoint every pull_interval seconds until stopped (SIGTERM/Ctrl-C) or activated (SIGUSR1)',
    )
    .requiredOption(
      '--config <file>',
      'runtime config or bare sync object (start_from_checkpoint, pull_interval)',
    )
    .requiredOption('--storage <dir>', 'storage directory kept up to date')
    .addHelpText(
      'after',
      `
Runs in the foreground and prints each pull. SIGTERM or Ctrl-C stops it (exit 0). SIGUSR1
activates: one final pull of anything newer, then activated.feldera is written and it exits 0 with
the storage directory holding the newest checkpoint; if that final pull fails it exits non-zero.

Example:
  $ feldera-sync standby --config pipeline.json --storage ./standby &
  $ kill -USR1 %1   # fail over: final pull, then exit
`,
    )
    .action(async (options: StandbyCommandOptions) => {
      const bucket = await openBucket(ctx, deps, options);
      const storageDir = resolvePath(ctx, options.storage);
      const sync = synchronizerFor(ctx, bucket, options.storage, readIdentityFor(bucket.file, {}));
      const stamp = (): string => formatTimestamp(ctx.now());
      let lastPulled: string | null = null;
      const runner = createStandbyRunner({
        clock: systemClock,
        handlers: {
          pull: async (request, signal) => {
            try {
              const pullFromRemote = request.sources === 'remote' || request.mode !== 'restore';
              const report = pullFromRemote
                ? await sync.pull({ spec: request.checkpoint, signal })
                : await sync.restore({ spec: request.checkpoint, signal });
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
              return { checkpointUuid: report.uuid, bytes: report.bytes };
            } catch (err) {
              if (!signal.aborted) ctx.err(`${stamp()} pull failed: ${describe(err)}\n`);
              throw err;
            }
          },
          startEngine: () => Promise.resolve(),
          // Feldera's form: the metadata of the checkpoint activated from (the newest pulled), or null.
          writeMarker: async (signal) =>
            writeActivationMarker(
              storageDir,
              await latestCompleteCheckpoint(storageDir, { signal }),
              { signal },
            ),
        },
      });
      const waiting = waitForSignal(ctx, ['SIGINT', 'SIGTERM', 'SIGUSR1']);
      try {
        await runner.start({
          initial: 'standby',
          startFromCheckpoint: bucket.file.sync.start_from_checkpoint ?? 'latest',
          pullIntervalMs: bucket.file.sync.pull_interval * 1000,
          failIfNoCheckpoint: false,
          activatedMarkerPresent: false,
        });
        ctx.err(
          `standby: pulling from ${bucket.store.description} every ${bucket.file.sync.pull_interval}s into ${storageDir}; SIGUSR1 activates, SIGTERM/Ctrl-C stops\n`,
        );
        const signal = await waiting.promise;
        if (signal === 'SIGUSR1') {
          ctx.err('standby: activating: final pull\n');
          await runner.activate();
          const snapshot = runner.snapshot();
          ctx.out(
            `${stamp()} activated: storage holds ${snapshot.runningFrom?.uuid ?? lastPulled ?? 'no checkpoint'}\n`,
          );
        } else {
          ctx.err(`standby: ${signal} received, stopping\n`);
        }
      } finally {
        waiting.dispose();
        await runner.stop();
        await sync.close();
      }
    });
}
