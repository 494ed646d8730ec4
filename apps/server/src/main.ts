#!/usr/bin/env node
import { parseArgs } from 'node:util';
import { isSyncError } from '@feldera-sync/errors';
import { runServer } from './run-server.js';

/** Process entry: parses flags, runs the server, owns signals and the exit code. */
async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      host: { type: 'string', default: process.env.FELDERA_SYNC_HOST ?? '127.0.0.1' },
      port: { type: 'string', default: process.env.FELDERA_SYNC_PORT ?? '8080' },
      'data-dir': {
        type: 'string',
        default: process.env.FELDERA_SYNC_DATA_DIR ?? '.feldera-sync-data',
      },
      'api-key-file': { type: 'string' },
      'embedded-s3': { type: 'boolean', default: false },
      'embedded-s3-port': { type: 'string' },
      demo: { type: 'boolean', default: false },
      'shutdown-grace-ms': { type: 'string', default: '30000' },
      'log-level': { type: 'string', default: process.env.FELDERA_SYNC_LOG_LEVEL ?? 'info' },
    },
  });
  const server = await runServer({
    host: values.host,
    port: Number(values.port),
    dataDir: values['data-dir'],
    apiKeyFile: values['api-key-file'],
    embeddedS3: values['embedded-s3'],
    embeddedS3Port:
      values['embedded-s3-port'] === undefined ? undefined : Number(values['embedded-s3-port']),
    demo: values.demo,
    shutdownGraceMs: Number(values['shutdown-grace-ms']),
    logLevel: values['log-level'],
    print: (text) => process.stderr.write(text + '\n'),
  });
  let stopping = false;
  const stop = (signal: string): void => {
    if (stopping) return;
    stopping = true;
    server.logger.info({ signal }, 'shutting down');
    server.close().then(
      () => process.exit(0),
      (err: unknown) => {
        server.logger.error({ err: String(err) }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
}

main().catch((err: unknown) => {
  const message = isSyncError(err)
    ? `${err.describe()} [${err.code}]`
    : err instanceof Error
      ? err.message
      : String(err);
  process.stderr.write(`feldera-sync server: ${message}\n`);
  process.exit(1);
});
