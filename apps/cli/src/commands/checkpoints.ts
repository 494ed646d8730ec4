import type { Command } from 'commander';
import {
  catalogEntryToJson,
  listLocalCheckpoints,
  readRemoteCatalog,
} from '@feldera-sync/checkpoint';
import type { CatalogEntry } from '@feldera-sync/checkpoint';
import { SyncError } from '@feldera-sync/errors';
import { formatCatalogTable } from '../catalog-table.js';
import type { CommandContext } from '../context.js';
import type { CliDeps } from '../deps.js';
import { formatJson } from '../format.js';
import { openBucket } from './options.js';
import { resolvePath } from './shared.js';
import { CliErrorCodes } from '../error-codes.js';

interface LsOptions {
  storage?: string;
  remote?: boolean;
  readBucket?: boolean;
  config?: string;
  json?: boolean;
}

/** Registers `checkpoints ls`. */
export function registerCheckpointsCommands(
  program: Command,
  ctx: CommandContext,
  deps: CliDeps,
): void {
  const checkpoints = program
    .command('checkpoints')
    .description('inspect local and remote checkpoint catalogs');
  checkpoints
    .command('ls')
    .description(
      'list checkpoints of a storage directory (--storage) or of the bucket (--remote --config)',
    )
    .option('--storage <dir>', 'storage directory whose local catalog to list')
    .option('--remote', 'list the remote catalog of the bucket in --config')
    .option('--read-bucket', "with --remote: list the config's read_bucket instead")
    .option('--config <file>', 'runtime config or bare sync object (for --remote)')
    .option('--json', 'print the catalog entries as a JSON array')
    .addHelpText(
      'after',
      '\nExamples:\n  $ feldera-sync checkpoints ls --storage ./storage\n  $ feldera-sync checkpoints ls --remote --config pipeline.json --json\n',
    )
    .action(async (options: LsOptions) => {
      let entries: CatalogEntry[];
      if (options.remote) {
        if (options.storage)
          throw new SyncError(CliErrorCodes.usage, 'pass either --storage or --remote, not both');
        const bucket = await openBucket(ctx, deps, options);
        const store = options.readBucket ? bucket.readStore : bucket.store;
        if (!store)
          throw new SyncError(CliErrorCodes.usage, '--read-bucket needs read_bucket in the config');
        entries = await readRemoteCatalog(store);
      } else {
        if (!options.storage) {
          throw new SyncError(
            CliErrorCodes.usage,
            'checkpoints ls needs --storage DIR or --remote --config FILE',
            {
              hint: 'run `feldera-sync checkpoints ls --help` for examples',
            },
          );
        }
        // Local: each entry also says whether it is complete on disk (Feldera catalogues a
        // checkpoint before writing its state.json, and files can go missing).
        const local = await listLocalCheckpoints(resolvePath(ctx, options.storage));
        const states = local.map((c) => ({
          complete: c.complete,
          missing: c.missing,
          problem: c.problem,
        }));
        ctx.out(
          options.json
            ? formatJson(
                local.map((c) => ({
                  ...catalogEntryToJson(c.entry),
                  complete: c.complete,
                  missing: c.missing,
                  problem: c.problem,
                })),
              )
            : formatCatalogTable(
                local.map((c) => c.entry),
                states,
              ),
        );
        return;
      }
      ctx.out(
        options.json ? formatJson(entries.map(catalogEntryToJson)) : formatCatalogTable(entries),
      );
    });
}
