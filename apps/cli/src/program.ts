import { Command, CommanderError } from 'commander';
import { isSyncError } from '@feldera-sync/errors';
import { escapeUntrusted } from './format.js';
import { registerCheckpointsCommands } from './commands/checkpoints.js';
import { registerConfigCommands } from './commands/config.js';
import { registerGcCommand } from './commands/gc.js';
import { registerPullCommand } from './commands/pull.js';
import { registerPushCommand } from './commands/push.js';
import { registerRemoteCommands } from './commands/remote.js';
import { registerRestoreCommand } from './commands/restore.js';
import { registerSidecarCommand } from './commands/sidecar.js';
import { registerServeCommand } from './commands/serve.js';
import { registerStandbyCommand } from './commands/standby.js';
import { registerVerifyCommand } from './commands/verify.js';
import type { CommandContext } from './context.js';
import { createContext } from './context.js';
import { ExitCode, exitCategoryForError, formatExitCodeHelp } from './exit-codes.js';
import type { CliIo } from './io.js';
import type { CliDeps } from './deps.js';
import { defaultDeps } from './deps.js';
import { CLI_VERSION } from './version.js';

/** Name of the binary, used in messages and help. */
export const BIN_NAME = 'feldera-sync';

const ROOT_EXAMPLES = `
Examples:
  $ ${BIN_NAME} config check pipeline.json
  $ ${BIN_NAME} push --config pipeline.json --storage ./storage --pipeline orders
  $ ${BIN_NAME} checkpoints ls --remote --config pipeline.json --json
  $ ${BIN_NAME} pull --config pipeline.json --storage ./restore --checkpoint latest
  $ ${BIN_NAME} serve --embedded-s3 --demo

Secrets: S3 keys come from the config file or from FELDERA_SYNC_ACCESS_KEY /
FELDERA_SYNC_SECRET_KEY, never from flags; they are never printed.

${formatExitCodeHelp()}
`;

/** Creates the commander program wired to `io`; it never exits the process (exitOverride). */
export function createProgram(
  io: CliIo,
  deps: Partial<CliDeps> = {},
  ctx: CommandContext = createContext(io),
): Command {
  const program = new Command(BIN_NAME);
  const allDeps: CliDeps = { ...defaultDeps, ...deps };
  program
    .description('Sync Feldera pipeline checkpoints to S3-compatible object stores')
    .version(CLI_VERSION, '-V, --version', 'print the version')
    .helpOption('-h, --help', 'show help for a command')
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride()
    .configureOutput({
      writeOut: (text) => ctx.out(text),
      writeErr: (text) => ctx.err(text),
      outputError: (text, write) => write(text),
      getOutHelpWidth: () => io.stdout.columns ?? 100,
      getErrHelpWidth: () => io.stderr.columns ?? 100,
    })
    .addHelpText('after', ROOT_EXAMPLES);
  program.configureHelp({ showGlobalOptions: false, sortSubcommands: false });
  program.addHelpCommand('help [command]', 'show help for a command');

  registerConfigCommands(program, ctx);
  registerCheckpointsCommands(program, ctx, allDeps);
  registerPushCommand(program, ctx, allDeps);
  registerPullCommand(program, ctx, allDeps);
  registerVerifyCommand(program, ctx, allDeps);
  registerGcCommand(program, ctx, allDeps);
  registerRestoreCommand(program, ctx, allDeps);
  registerSidecarCommand(program, ctx, allDeps);
  registerStandbyCommand(program, ctx, allDeps);
  registerServeCommand(program, ctx, allDeps);
  registerRemoteCommands(program, ctx);
  return program;
}

/** Maps a commander error to an exit code: help and version are success, everything else is usage. */
function commanderExitCode(err: CommanderError): number {
  switch (err.code) {
    case 'commander.helpDisplayed':
    case 'commander.version':
      return ExitCode.ok;
    default:
      return ExitCode.usage;
  }
}

/** The one error boundary: prints a coded error as one message plus hint and returns its exit code. */
export function reportError(err: unknown, ctx: CommandContext): number {
  if (err instanceof CommanderError) return commanderExitCode(err);
  const category = exitCategoryForError(err);
  // Messages carry text from outside (object keys, a store's answer): no control character reaches
  // the terminal but the line breaks of multi-line messages.
  const safe = (text: string): string => text.split('\n').map(escapeUntrusted).join('\n');
  if (isSyncError(err)) {
    ctx.err(`${BIN_NAME}: error: ${safe(err.message)} [${err.code}]\n`);
    if (err.hint) ctx.err(`hint: ${safe(err.hint)}\n`);
  } else if (category === 'interrupted') {
    // Node's AbortError from a cancelled stream or fs call: the user's Ctrl-C, not a bug.
    ctx.err(`${BIN_NAME}: error: cancelled before finishing [ERR_ABORTED]\n`);
  } else {
    const message = safe(err instanceof Error ? err.message : String(err));
    ctx.err(`${BIN_NAME}: internal error: ${message}\n`);
    ctx.err(
      'hint: this is a bug; rerun with FELDERA_SYNC_DEBUG=1 for a stack trace and report it\n',
    );
  }
  if (ctx.io.env.FELDERA_SYNC_DEBUG && err instanceof Error && err.stack) ctx.err(`${err.stack}\n`);
  return ExitCode[category];
}

/** Runs the CLI on `argv` (as in `process.argv`: node, script, args...) and resolves to the exit code. */
export async function main(
  argv: readonly string[],
  io: CliIo,
  deps: Partial<CliDeps> = {},
): Promise<number> {
  const ctx = createContext(io);
  try {
    const program = createProgram(io, deps, ctx);
    await program.parseAsync([...argv], { from: 'node' });
    return ctx.exitCode;
  } catch (err) {
    return reportError(err, ctx);
  }
}
