import type { Command } from 'commander';
import { SyncError } from '@feldera-sync/errors';
import type { CommandContext } from '../context.js';
import type { CliDeps } from '../deps.js';
import { formatBytes, formatJson, escapeUntrusted } from '../format.js';
import { openBucket, readIdentityFor, synchronizerFor } from './options.js';
import { withScratchDir } from './scratch.js';
import { parseCheckpointSpec } from './shared.js';
import { startTransferSession } from './transfer.js';
import { CliErrorCodes } from '../error-codes.js';
import { SyncErrorCodes } from '@feldera-sync/sync';

interface VerifyCommandOptions {
  config?: string;
  checkpoint: string;
  readBucket?: boolean;
  json?: boolean;
}

/** Registers `verify`. */
export function registerVerifyCommand(program: Command, ctx: CommandContext, deps: CliDeps): void {
  program
    .command('verify')
    .description(
      'check every object of a remote checkpoint against the size and SHA-256 in its manifest',
    )
    .requiredOption('--config <file>', 'runtime config or bare sync object')
    .option('--checkpoint <ref>', '"latest" or a checkpoint UUID', parseCheckpointSpec, 'latest')
    .option('--read-bucket', "verify the config's read_bucket instead of bucket")
    .option('--json', 'print the findings as one JSON object')
    .addHelpText(
      'after',
      '\nExits 6 when an object is missing or does not match.\n\nExample:\n  $ feldera-sync verify --config pipeline.json --checkpoint latest\n',
    )
    .action(async (options: VerifyCommandOptions) => {
      const bucket = await openBucket(ctx, deps, options);
      if (options.readBucket && !bucket.readStore)
        throw new SyncError(CliErrorCodes.usage, '--read-bucket needs read_bucket in the config');
      await withScratchDir(async (scratch) => {
        const sync = synchronizerFor(ctx, bucket, scratch, readIdentityFor(bucket.file, {}));
        const session = startTransferSession(ctx, 'verify', true);
        try {
          const report = await sync.verify(options.checkpoint, {
            signal: session.signal,
            ...(options.readBucket ? { source: 'read_bucket' as const } : {}),
          });
          if (options.json) {
            ctx.out(
              formatJson({
                operation: 'verify',
                checkpoint_uuid: report.uuid,
                ok: report.ok,
                objects: report.objects,
                bytes: report.bytes,
                problems: report.problems,
              }),
            );
          } else if (report.ok) {
            ctx.out(
              `checkpoint ${report.uuid} is intact: ${report.objects} objects, ${formatBytes(report.bytes)} checked against the manifest\n`,
            );
          } else {
            ctx.out(
              `checkpoint ${report.uuid} is damaged: ${report.problems.length} problem${report.problems.length === 1 ? '' : 's'}\n`,
            );
            for (const p of report.problems) {
              const detail =
                p.expected !== undefined || p.actual !== undefined
                  ? ` (expected ${String(p.expected ?? '-')}, found ${String(p.actual ?? '-')})`
                  : '';
              // The manifest problem's `actual` is the parser's message, with names from the bucket.
              ctx.out(`  ${p.problem}: ${escapeUntrusted(p.key + detail)}\n`);
            }
          }
          if (!report.ok) {
            throw new SyncError(
              SyncErrorCodes.integrity,
              `checkpoint ${report.uuid} failed verification (${report.problems.length} problems)`,
              {
                hint: 'push the checkpoint again from a pipeline that holds it, or pull an older checkpoint',
              },
            );
          }
        } finally {
          session.dispose();
          await sync.close();
        }
      });
    });
}
