import type { Command } from 'commander';
import type { CommandContext } from '../context.js';
import type { CliDeps } from '../deps.js';
import { formatBytes, formatDuration, formatJson, formatSpeed } from '../format.js';
import { identityFor, openBucket, synchronizerFor } from './options.js';
import { parseCheckpointSpec } from './shared.js';
import { completedSnapshot, startTransferSession } from './transfer.js';

interface PushCommandOptions {
  config?: string;
  storage: string;
  checkpoint: string;
  pipeline?: string;
  pipelineId?: string;
  json?: boolean;
}

/** Registers `push`. */
export function registerPushCommand(program: Command, ctx: CommandContext, deps: CliDeps): void {
  program
    .command('push')
    .description('push a complete local checkpoint to the bucket, then apply remote retention')
    .requiredOption('--config <file>', 'runtime config or bare sync object')
    .requiredOption('--storage <dir>', 'storage directory holding the checkpoint')
    .option(
      '--checkpoint <uuid>',
      'checkpoint UUID, or "latest" for the newest complete one',
      parseCheckpointSpec,
      'latest',
    )
    .option('--pipeline <name>', "owner name recorded in owner.json (default: the config's name)")
    .option(
      '--pipeline-id <id>',
      "act as this owner (pipeline-<uuid>), e.g. a server's pipeline; default derived from the name",
    )
    .option('--json', 'print one JSON report instead of text')
    .addHelpText(
      'after',
      `
The owner identity is --pipeline-id, else the config's system_name, else pipeline-<uuidv5(name)>
derived from --pipeline or the config's name; a push without any of them is refused.

Examples:
  $ feldera-sync push --config pipeline.json --storage ./storage --pipeline orders
  $ feldera-sync push --config pipeline.json --storage ./storage --pipeline-id pipeline-0190d0c4-1f6e-4a1e-9c6f-3b5e7a2d9f10 --json
`,
    )
    .action(async (options: PushCommandOptions) => {
      const bucket = await openBucket(ctx, deps, options);
      const pipeline = identityFor(bucket.file, options);
      const sync = synchronizerFor(ctx, bucket, options.storage, pipeline);
      const session = startTransferSession(ctx, 'push', options.json === true);
      try {
        const report = await sync.push(options.checkpoint, {
          signal: session.signal,
          onProgress: (p) => session.progress.update(p),
        });
        session.progress.finish(completedSnapshot(report.bytes, report.objects, report.durationMs));
        const seconds = report.durationMs / 1000;
        if (options.json) {
          ctx.out(
            formatJson({
              operation: 'push',
              checkpoint_uuid: report.uuid,
              bytes: report.bytes,
              objects: report.objects,
              seconds,
              skipped_bytes: report.skippedBytes,
              skipped_objects: report.skippedObjects,
              already_synced: report.alreadySynced,
              speed_bytes_per_sec: report.speed,
              owner: { system_name: pipeline.systemName, given_name: pipeline.givenName },
              retention: {
                removed: report.retention.removed,
                deleted_objects: report.retention.deletedObjects,
                refused: report.retention.refused,
              },
            }),
          );
          return;
        }
        const already = report.alreadySynced ? ' (already in the bucket)' : '';
        ctx.out(
          `pushed ${report.uuid}${already}: ${formatBytes(report.bytes)} in ${report.objects} objects, ${formatDuration(seconds)}, ${formatSpeed(report.speed)}` +
            ` (${report.skippedObjects} objects, ${formatBytes(report.skippedBytes)} already there)\n`,
        );
        const { retention } = report;
        if (retention.refused)
          ctx.out(`retention: deleted nothing: ${retention.refused.message}\n`);
        else if (retention.removed.length > 0)
          ctx.out(
            `retention: removed ${retention.removed.length} checkpoints (${retention.deletedObjects} objects): ${retention.removed.join(', ')}\n`,
          );
      } finally {
        session.progress.finish();
        session.dispose();
        await sync.close();
      }
    });
}
