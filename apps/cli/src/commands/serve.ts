import type { Command } from 'commander';
import { SyncError } from '@feldera-sync/errors';
import type { CommandContext } from '../context.js';
import type { CliDeps } from '../deps.js';
import { RCLONE_BINARY_ENV } from '../stores.js';
import {
  parseMilliseconds,
  parsePort,
  readApiKeyFile,
  resolvePath,
  waitForSignal,
} from './shared.js';
import { CliErrorCodes } from '../error-codes.js';

interface ServeCommandOptions {
  host: string;
  port?: number;
  dataDir: string;
  apiKeyFile?: string;
  embeddedS3?: boolean;
  embeddedS3Port?: number;
  demo?: boolean;
  shutdownGraceMs: number;
  logLevel: string;
}

/** Registers `serve`. */
export function registerServeCommand(program: Command, ctx: CommandContext, deps: CliDeps): void {
  const env = ctx.io.env;
  program
    .command('serve')
    .description(
      'run the feldera-sync server (Feldera-compatible pipeline, checkpoint and sync endpoints)',
    )
    .option(
      '--host <host>',
      'address to listen on (non-loopback needs --api-key-file)',
      env.FELDERA_SYNC_HOST ?? '127.0.0.1',
    )
    .option('--port <port>', 'port to listen on (default: $FELDERA_SYNC_PORT or 8080)', parsePort)
    .option(
      '--data-dir <dir>',
      'where pipelines and their storage live',
      env.FELDERA_SYNC_DATA_DIR ?? '.feldera-sync-data',
    )
    .option(
      '--api-key-file <file>',
      'file holding the API key clients send as "Authorization: Bearer <key>"',
    )
    .option('--embedded-s3', 'also run an in-process S3 store (s3rver) on 127.0.0.1')
    .option(
      '--embedded-s3-port <port>',
      'port of the embedded store (default: a free one)',
      parsePort,
    )
    .option('--demo', 'create a demo pipeline using the embedded store and print a walk-through')
    .option(
      '--shutdown-grace-ms <ms>',
      'how long SIGTERM waits for a running push',
      parseMilliseconds,
      30_000,
    )
    .option('--log-level <level>', 'pino log level', env.FELDERA_SYNC_LOG_LEVEL ?? 'info')
    .addHelpText(
      'after',
      '\nExamples:\n  $ feldera-sync serve --embedded-s3 --demo\n  $ feldera-sync serve --host 0.0.0.0 --port 8080 --api-key-file /etc/feldera-sync/key\n',
    )
    .action(async (options: ServeCommandOptions) => {
      const port = options.port ?? portFromEnv(env.FELDERA_SYNC_PORT);
      const apiKeyFile =
        options.apiKeyFile === undefined ? undefined : resolvePath(ctx, options.apiKeyFile);
      const waiting = waitForSignal(ctx, ['SIGINT', 'SIGTERM']);
      try {
        if (apiKeyFile !== undefined) {
          // The server reads it again; reading it here turns a bad path into an actionable error.
          const apiKey = (await readApiKeyFile(apiKeyFile)).trim();
          if (apiKey !== '') ctx.secrets.add(apiKey);
        }
        const server = await deps.runServer({
          host: options.host,
          port,
          dataDir: resolvePath(ctx, options.dataDir),
          apiKeyFile,
          embeddedS3: options.embeddedS3 === true,
          embeddedS3Port: options.embeddedS3Port,
          demo: options.demo === true,
          shutdownGraceMs: options.shutdownGraceMs,
          rcloneBinary: env[RCLONE_BINARY_ENV],
          logLevel: options.logLevel,
          print: (text) => ctx.err(`${text}\n`),
        });
        ctx.err(`feldera-sync server listening on ${server.url} (Ctrl-C to stop)\n`);
        const signal = await waiting.promise;
        ctx.err(`${signal} received: shutting down\n`);
        await server.close();
      } finally {
        waiting.dispose();
      }
    });
}

/** `FELDERA_SYNC_PORT`, checked like `--port`; 8080 when unset. */
function portFromEnv(value: string | undefined): number {
  if (value === undefined || value === '') return 8080;
  try {
    return parsePort(value);
  } catch {
    throw new SyncError(
      CliErrorCodes.usage,
      `FELDERA_SYNC_PORT=${JSON.stringify(value)} is not a port number 0..65535`,
      {
        hint: 'fix or unset FELDERA_SYNC_PORT, or pass --port',
      },
    );
  }
}
