import type { Command } from 'commander';
import type { CommandContext } from '../context.js';
import type { CliDeps } from '../deps.js';
import { formatBytes, formatDuration, formatJson, formatSpeed } from '../format.js';
import { openBucket, readIdentityFor, synchronizerFor } from './options.js';
import { parseCheckpointSpec } from './shared.js';
import { completedSnapshot, startTransferSession } from './transfer.js';

interface PullCommandOptions {
  config?: string;
  storage: string;
  checkpoint: string;
  json?: boolean;
  replaceLocal?: boolean;
}

/** Registers `pull`. */
export function registerPullCommand(program: Command, ctx: CommandContext, deps: CliDeps): void {
  program
    .command('pull')
    .description(
      'download a checkpoint from the bucket (then read_bucket), verify it and install it into the storage directory',
    )
    .requiredOption('--config <file>', 'runtime config or bare sync object')
    .requiredOption('--storage <dir>', 'storage directory to install into (created when missing)')
    .option('--checkpoint <ref>', '"latest" or a checkpoint UUID', parseCheckpointSpec, 'latest')
    .option('--json', 'print one JSON report instead of text')
    .option(
      '--replace-local',
      'remove local checkpoints the source does not name (another lineage) instead of refusing',
    )
    .addHelpText(
      'after',
      '\nExample:\n  $ feldera-sync pull --config pipeline.json --storage ./restore --checkpoint latest\n' +
        '\nA storage directory that holds checkpoints of another lineage (ones the bucket does not name)\n' +
        'is refused (exit 8) and left unchanged; --replace-local removes them, catalog first, keeps\n' +
        'everything else Feldera keeps (steps.bin, status.json, unknown files) and prints what it removed.\n',
    )
    .action(async (options: PullCommandOptions) => {
      const bucket = await openBucket(ctx, deps, options);
      const sync = synchronizerFor(ctx, bucket, options.storage, readIdentityFor(bucket.file, {}));
      const session = startTransferSession(ctx, 'pull', options.json === true);
      try {
        const report = await sync.pull({
          spec: options.checkpoint,
          failIfNoCheckpoint: true,
          replaceLocal: options.replaceLocal === true,
          signal: session.signal,
          onProgress: (p) => session.progress.update(p),
        });
        session.progress.finish(completedSnapshot(report.bytes, report.objects, report.durationMs));
        const seconds = report.durationMs / 1000;
        if (options.json) {
          ctx.out(
            formatJson({
              operation: 'pull',
              checkpoint_uuid: report.uuid,
              source: report.source,
              bytes: report.bytes,
              objects: report.objects,
              seconds,
              reused_objects: report.reused,
              reused_bytes: report.reusedBytes,
              already_installed: report.alreadyInstalled,
              removed_local: report.removedLocal,
            }),
          );
          return;
        }
        for (const uuid of report.removedLocal)
          ctx.out(`removed local checkpoint ${uuid} (not in the source's catalog)\n`);
        if (report.alreadyInstalled) {
          ctx.out(`checkpoint ${report.uuid} is already installed in ${options.storage}\n`);
          return;
        }
        const speed = seconds > 0 ? report.bytes / seconds : 0;
        ctx.out(
          `pulled ${report.uuid} from ${report.source}: ${formatBytes(report.bytes)} in ${report.objects} objects, ${formatDuration(seconds)}, ${formatSpeed(speed)}` +
            ` (${report.reused} objects, ${formatBytes(report.reusedBytes)} reused)\n`,
        );
      } finally {
        session.progress.finish();
        session.dispose();
        await sync.close();
      }
    });
}
