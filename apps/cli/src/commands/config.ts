import type { Command } from 'commander';
import {
  RUNTIME_CONFIG_JSON_SCHEMA,
  SYNC_CONFIG_JSON_SCHEMA,
  formatIssue,
  redactConfig,
} from '@feldera-sync/config';
import type { ConfigWarning } from '@feldera-sync/config';
import { checkConfigFile } from '../config-file.js';
import type { CommandContext } from '../context.js';
import { ExitCode } from '../exit-codes.js';
import { formatJson } from '../format.js';
import { ACCESS_KEY_ENV, SECRET_KEY_ENV } from '../credentials.js';

function formatWarning(w: ConfigWarning): string {
  return `warning: ${w.path}: ${w.message} (rule: ${w.rule})`;
}

/** Registers `config check` and `config schema`. */
export function registerConfigCommands(program: Command, ctx: CommandContext): void {
  const config = program
    .command('config')
    .description('validate config files and print their JSON Schema')
    .addHelpText(
      'after',
      '\nExamples:\n  $ feldera-sync config check pipeline.json\n  $ feldera-sync config schema --sync > sync.schema.json\n',
    );

  config
    .command('check')
    .description(
      'validate a runtime config (storage.backend.config.sync) or a bare sync object; print every problem with its path',
    )
    .argument('<file>', 'JSON config file')
    .option('--json', 'print one JSON report {ok, kind, issues, warnings, config}')
    .addHelpText(
      'after',
      `\nExit status is ${ExitCode.config} when the file has problems.\n\nExample:\n  $ feldera-sync config check pipeline.json\n`,
    )
    .action(async (file: string, options: { json?: boolean }) => {
      const check = await checkConfigFile(file, ctx.io.cwd);
      if (!check.ok) {
        const { issues, warnings } = check.error;
        if (options.json) {
          ctx.out(formatJson({ ok: false, file: check.path, issues, warnings }));
        } else {
          ctx.out(`${check.path}: ${issues.length} problem${issues.length === 1 ? '' : 's'}\n`);
          for (const issue of issues) ctx.out(`  error: ${formatIssue(issue)}\n`);
          for (const w of warnings) ctx.out(`  ${formatWarning(w)}\n`);
        }
        ctx.exitCode = ExitCode.config;
        return;
      }
      const { file: loaded } = check;
      const sync = loaded.parsed.sync;
      if (options.json) {
        ctx.out(
          formatJson({
            ok: true,
            file: loaded.path,
            kind: loaded.parsed.kind,
            issues: [],
            warnings: loaded.warnings,
            config: redactConfig(loaded.parsed.config),
          }),
        );
        return;
      }
      ctx.out(
        `${loaded.path}: valid ${loaded.parsed.kind === 'runtime' ? 'runtime config' : 'sync config'}\n`,
      );
      if (sync === null) {
        ctx.out('  sync: not configured (no storage.backend.config.sync)\n');
      } else {
        const credentials =
          sync.access_key !== null
            ? 'static keys in the file (masked)'
            : `none in the file (${ACCESS_KEY_ENV}/${SECRET_KEY_ENV} or environment credentials)`;
        const lines = [
          ['bucket', sync.bucket],
          ['read_bucket', sync.read_bucket ?? '-'],
          ['endpoint', redactConfig({ endpoint: sync.endpoint ?? '-' }).endpoint],
          ['provider', sync.provider],
          ['region', sync.region ?? '-'],
          ['credentials', credentials],
          ['owner', loaded.systemName ?? loaded.name ?? '- (pass --pipeline NAME to push)'],
        ];
        for (const [k, v] of lines) ctx.out(`  ${k}: ${v}\n`);
      }
      for (const w of loaded.warnings) ctx.out(`  ${formatWarning(w)}\n`);
    });

  config
    .command('schema')
    .description('print the JSON Schema of config files (runtime config by default)')
    .option('--sync', 'the schema of a bare sync object instead')
    .addHelpText(
      'after',
      '\nExample:\n  $ feldera-sync config schema > runtime-config.schema.json\n',
    )
    .action((options: { sync?: boolean }) => {
      ctx.out(formatJson(options.sync ? SYNC_CONFIG_JSON_SCHEMA : RUNTIME_CONFIG_JSON_SCHEMA));
    });
}
