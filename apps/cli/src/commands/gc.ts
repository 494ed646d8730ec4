import { InvalidArgumentError } from 'commander';
import type { Command } from 'commander';
import { readRemoteCatalog } from '@feldera-sync/checkpoint';
import type { CommandContext } from '../context.js';
import type { CliDeps } from '../deps.js';
import { escapeUntrusted, formatJson } from '../format.js';
import { openBucket, readIdentityFor, synchronizerFor } from './options.js';
import { withScratchDir } from './scratch.js';
import { startTransferSession } from './transfer.js';

interface GcCommandOptions {
  config?: string;
  dryRun?: boolean;
  json?: boolean;
  uploadsOlderThan: number;
}

/** Registers `gc`. */
export function registerGcCommand(program: Command, ctx: CommandContext, deps: CliDeps): void {
  program
    .command('gc')
    .description(
      'apply remote retention and delete objects no catalogued checkpoint needs (left by interrupted pushes)',
    )
    .requiredOption(
      '--config <file>',
      'runtime config or bare sync object (retention_min_count, retention_min_age)',
    )
    .option('--dry-run', 'print what would be deleted, delete nothing')
    .option(
      '--uploads-older-than <hours>',
      'abort unfinished multipart uploads started more than this many hours ago',
      parseHours,
      24,
    )
    .option('--json', 'print the plan and result as one JSON object')
    .addHelpText(
      'after',
      `
Applies remote retention (keep the newest retention_min_count checkpoints and every one younger
than retention_min_age days; every push applies it too), then removes orphaned objects older than
the retention window, and aborts unfinished multipart uploads (left by killed uploads) older
than --uploads-older-than hours (default 24). --dry-run prints the plans and deletes nothing.
read_bucket is never modified.

Examples:
  $ feldera-sync gc --config pipeline.json --dry-run
  $ feldera-sync gc --config pipeline.json
`,
    )
    .action(async (options: GcCommandOptions) => {
      const bucket = await openBucket(ctx, deps, options);
      const dryRun = options.dryRun === true;
      await withScratchDir(async (scratch) => {
        const sync = synchronizerFor(ctx, bucket, scratch, readIdentityFor(bucket.file, {}));
        const session = startTransferSession(ctx, 'gc', true);
        try {
          const catalog = await readRemoteCatalog(bucket.store, { signal: session.signal });
          const policy = {
            minCount: bucket.file.sync.retention_min_count,
            minAgeDays: bucket.file.sync.retention_min_age,
          };
          const report = await sync.gc({
            dryRun,
            signal: session.signal,
            uploadGraceMs: options.uploadsOlderThan * 3_600_000,
          });
          const removed = new Set(report.retention.removed);
          const keep = catalog.filter((e) => !removed.has(e.uuid));
          if (options.json) {
            ctx.out(
              formatJson({
                operation: 'gc',
                dry_run: dryRun,
                retention: {
                  policy: { min_count: policy.minCount, min_age_days: policy.minAgeDays },
                  keep: keep.map((e) => e.uuid),
                  remove: report.retention.removed,
                  deleted_objects: report.retention.deletedObjects,
                  refused: report.retention.refused,
                },
                orphans: report.orphans,
                young: report.young,
                foreign: report.foreign,
                aborted_uploads: report.abortedUploads,
                refused: report.refused,
              }),
            );
            return;
          }
          const verb = dryRun ? 'would delete' : 'deleted';
          ctx.out(
            `retention (min ${policy.minCount} checkpoints, min age ${policy.minAgeDays} days): keep ${keep.length}, ${dryRun ? 'would remove' : 'removed'} ${removed.size}` +
              (dryRun ? '\n' : ` (${report.retention.deletedObjects} objects deleted)\n`),
          );
          for (const uuid of report.retention.removed) ctx.out(`  expired: ${uuid}\n`);
          if (report.retention.refused)
            ctx.out(`retention: deleted nothing: ${report.retention.refused.message}\n`);
          if (report.refused) {
            ctx.out(`orphans: deleted nothing: ${report.refused.message}\n`);
            return;
          }
          ctx.out(
            `orphans: ${verb} ${report.orphans.length} object${report.orphans.length === 1 ? '' : 's'}; kept ${report.young.length} recent unreferenced object${report.young.length === 1 ? '' : 's'}\n`,
          );
          for (const key of report.orphans) ctx.out(`  ${verb}: ${key}\n`);
          if (report.abortedUploads.length > 0) {
            ctx.out(
              `unfinished uploads: ${dryRun ? 'would abort' : 'aborted'} ${report.abortedUploads.length}\n`,
            );
            for (const key of report.abortedUploads.slice(0, 20))
              ctx.out(`  ${dryRun ? 'would abort' : 'aborted'}: ${escapeUntrusted(key)}\n`);
          }
          if (report.foreign.length > 0) {
            ctx.out(
              `left alone ${report.foreign.length} object${report.foreign.length === 1 ? '' : 's'} whose names this layout never writes:\n`,
            );
            for (const key of report.foreign.slice(0, 20))
              ctx.out(`  foreign: ${escapeUntrusted(key)}\n`);
            if (report.foreign.length > 20)
              ctx.out(`  ... and ${report.foreign.length - 20} more\n`);
          }
        } finally {
          session.dispose();
          await sync.close();
        }
      });
    });
}

/** `--uploads-older-than`: hours, 0 or more (0 aborts every unfinished upload). */
function parseHours(value: string): number {
  const n = Number(value);
  if (!/^\d+(\.\d+)?$/.test(value) || !Number.isFinite(n) || n > 24 * 365)
    throw new InvalidArgumentError('must be a number of hours between 0 and 8760');
  return n;
}
