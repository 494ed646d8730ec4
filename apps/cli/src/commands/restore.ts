import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { Command } from 'commander';
import { ROOT_STATE_FILE } from '@feldera-sync/checkpoint';
import type { PullReport } from '@feldera-sync/sync';
import type { CommandContext } from '../context.js';
import type { CliDeps } from '../deps.js';
import { formatBytes, formatDuration, formatJson } from '../format.js';
import { openBucket, readIdentityFor, synchronizerFor } from './options.js';
import { parseCheckpointSpec, resolvePath } from './shared.js';
import { completedSnapshot, startTransferSession } from './transfer.js';

interface RestoreCommandOptions {
  config?: string;
  storage: string;
  checkpoint?: string;
  replaceLocal?: boolean;
  json?: boolean;
}

/** What a restore did; each outcome has its line in the README's exit-code table. */
export type RestoreOutcome = 'restored' | 'already_local' | 'empty' | 'not_configured';

/** The outcome of a finished restore, from the synchroniser's report (pure). */
export function restoreOutcome(report: Pick<PullReport, 'source'>): RestoreOutcome {
  switch (report.source) {
    case 'bucket':
    case 'read_bucket':
      return 'restored';
    case 'local':
      return 'already_local';
    case 'none':
      return 'empty';
  }
}

/** Registers `restore`: the init-container role. */
export function registerRestoreCommand(program: Command, ctx: CommandContext, deps: CliDeps): void {
  program
    .command('restore')
    .description(
      'before the pipeline starts (an init container): apply start_from_checkpoint as Feldera would, installing what it finds',
    )
    .requiredOption(
      '--config <file>',
      'runtime config or bare sync object (start_from_checkpoint, fail_if_no_checkpoint)',
    )
    .requiredOption('--storage <dir>', 'the pipeline storage directory (created when missing)')
    .option(
      '--checkpoint <ref>',
      'override start_from_checkpoint: "latest" or a checkpoint UUID',
      parseCheckpointSpec,
    )
    .option(
      '--replace-local',
      'remove local checkpoints of another lineage (ones the source does not name) instead of refusing',
    )
    .option('--json', 'print one JSON report instead of text')
    .addHelpText(
      'after',
      `
Resolves start_from_checkpoint in the documented order and stops at the first hit: local storage (no request
at all), then bucket, then read_bucket. Idempotent: a second run finds the checkpoint locally and
changes nothing.

Exit codes by outcome:
  0  restored        a remote checkpoint was downloaded, verified and installed
  0  already_local   the checkpoint is in local storage: nothing to do
  0  empty           nothing found and fail_if_no_checkpoint is off: the pipeline starts from empty
                     state (a root state.json naming another checkpoint is removed)
  0  not_configured  no start_from_checkpoint: nothing to restore
  5  nothing found and fail_if_no_checkpoint is set [ERR_SYNC_NO_CHECKPOINT]
  4/7/6/8/3  error: credentials refused / store unreachable / integrity / another lineage or the
             directory in use / configuration
Example:
  $ feldera-sync restore --config pipeline.json --storage /storage
`,
    )
    .action(async (options: RestoreCommandOptions) => {
      const bucket = await openBucket(ctx, deps, options);
      const storageDir = resolvePath(ctx, options.storage);
      const spec = options.checkpoint ?? bucket.file.sync.start_from_checkpoint ?? null;
      const json = options.json === true;
      if (spec === null) {
        if (json)
          ctx.out(
            formatJson({ operation: 'restore', outcome: 'not_configured', checkpoint_uuid: null }),
          );
        else ctx.out('restore: start_from_checkpoint is not set: nothing to restore\n');
        return;
      }
      const failIfNoCheckpoint = bucket.file.sync.fail_if_no_checkpoint;
      const sync = synchronizerFor(ctx, bucket, options.storage, readIdentityFor(bucket.file, {}));
      const session = startTransferSession(ctx, 'restore', json);
      try {
        const report = await sync.restore({
          spec,
          failIfNoCheckpoint,
          replaceLocal: options.replaceLocal === true,
          signal: session.signal,
          onProgress: (p) => session.progress.update(p),
        });
        session.progress.finish(completedSnapshot(report.bytes, report.objects, report.durationMs));
        const outcome = restoreOutcome(report);
        let removedRootState = false;
        if (outcome === 'empty') {
          // Nothing found without fail_if_no_checkpoint: start from empty state (docs/start-from-checkpoint.md). Feldera resumes from the root
          // state.json, which may name some other local checkpoint: move it out of the way (the
          // checkpoints stay, so a later start from "latest" still finds them).
          const path = join(storageDir, ROOT_STATE_FILE);
          removedRootState = await rm(path).then(
            () => true,
            () => false,
          );
        }
        const seconds = report.durationMs / 1000;
        if (json) {
          ctx.out(
            formatJson({
              operation: 'restore',
              outcome,
              checkpoint_uuid: report.uuid,
              source: report.source,
              bytes: report.bytes,
              objects: report.objects,
              seconds,
              reused_objects: report.reused,
              removed_local: report.removedLocal,
              removed_root_state: removedRootState,
            }),
          );
          return;
        }
        for (const uuid of report.removedLocal)
          ctx.out(`removed local checkpoint ${uuid} (not in the source's catalog)\n`);
        switch (outcome) {
          case 'restored':
            ctx.out(
              `restored ${report.uuid} from ${report.source}: ${formatBytes(report.bytes)} in ${report.objects} objects, ${formatDuration(seconds)}\n`,
            );
            break;
          case 'already_local':
            ctx.out(`checkpoint ${report.uuid} is already in local storage: nothing to do\n`);
            break;
          case 'empty':
            ctx.out(
              `no checkpoint '${spec}' in local storage, bucket or read_bucket: starting from empty state${removedRootState ? ' (root state.json removed)' : ''}\n`,
            );
            break;
          case 'not_configured':
            break;
        }
      } finally {
        session.progress.finish();
        session.dispose();
        await sync.close();
      }
    });
}
