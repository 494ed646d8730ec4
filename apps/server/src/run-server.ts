import { mkdir, readFile } from 'node:fs/promises';
import { isIP } from 'node:net';
import { join, resolve } from 'node:path';
import { isMainThread } from 'node:worker_threads';
import pino from 'pino';
import type { Logger } from 'pino';
import { SyncError } from '@feldera-sync/errors';
import { acquireDirLock } from '@feldera-sync/checkpoint';
import type { DirLock } from '@feldera-sync/checkpoint';
import { buildApp } from './app.js';
import { startEmbeddedS3 } from './embedded-s3.js';
import { ServerErrorCodes } from './error-codes.js';
import type { EmbeddedS3 } from './embedded-s3.js';
import { PipelineManager } from './pipeline-manager.js';
import { PipelineRegistry } from './pipeline-registry.js';

/** How the server process is configured (by the CLI's `serve` or by `main`). */
export interface ServerOptions {
  host: string;
  port: number;
  dataDir: string;
  apiKeyFile?: string | undefined;
  embeddedS3?: boolean | undefined;
  /** Port of the embedded store; 0 picks a free one. */
  embeddedS3Port?: number | undefined;
  demo?: boolean | undefined;
  /** How long SIGTERM waits for a running push before cancelling it. */
  shutdownGraceMs?: number | undefined;
  rcloneBinary?: string | undefined;
  logLevel?: string | undefined;
  /** Where human-oriented startup text goes (the walk-through). */
  print?: ((text: string) => void) | undefined;
}

/** A running server: its address and how to stop it. */
export interface RunningServer {
  url: string;
  logger: Logger;
  close(): Promise<void>;
}

/**
 * Files this process creates (the registry, storage directories, what the engine, the synchroniser
 * and rclone write) are its owner's alone, whatever the mode of the directory they land in: the
 * process's umask becomes 077. Worker threads cannot change it; there the explicit modes of the
 * server's own files and directories still hold.
 */
export function applyPrivateUmask(): void {
  if (isMainThread) process.umask(0o077);
}

function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || (isIP(host) === 4 && host.startsWith('127.'));
}

/** Starts the server: registry, optional embedded store and demo pipeline, HTTP listener. */
export async function runServer(options: ServerOptions): Promise<RunningServer> {
  const logger = pino({
    level: options.logLevel ?? 'info',
    // Belt and braces: these paths never hold secrets by construction, but redact them anyway.
    redact: {
      paths: [
        '*.secret_key',
        '*.access_key',
        '*.*.secret_key',
        '*.*.access_key',
        'req.headers.authorization',
      ],
      censor: '***',
    },
  });
  let apiKey: string | undefined;
  if (options.apiKeyFile) {
    try {
      apiKey = (await readFile(options.apiKeyFile, 'utf8')).trim();
    } catch (cause) {
      const code = (cause as NodeJS.ErrnoException).code ?? 'unreadable';
      throw new SyncError(
        ServerErrorCodes.apiKeyFile,
        `cannot read the API key file ${options.apiKeyFile} (${code})`,
        { cause, hint: 'pass --api-key-file a readable file holding the key' },
      );
    }
    if (apiKey.length < 16) {
      throw new SyncError(
        ServerErrorCodes.apiKeyWeak,
        `the API key in ${options.apiKeyFile} is shorter than 16 characters`,
        {
          hint: 'generate one with: openssl rand -hex 32',
        },
      );
    }
  }
  if (!isLoopback(options.host) && !apiKey) {
    throw new SyncError(
      ServerErrorCodes.apiKeyRequired,
      `refusing to listen on ${options.host} without an API key`,
      {
        hint: 'pass --api-key-file FILE, or listen on 127.0.0.1',
      },
    );
  }
  const dataDir = resolve(options.dataDir);
  applyPrivateUmask();
  // One server per data directory for the life of the process: a second one would run the same
  // pipelines on the same storage directories. ERR_CHECKPOINT_LOCKED names the holder's PID; a lock
  // left by a killed server is taken over.
  await mkdir(dataDir, { recursive: true, mode: 0o700 });
  const dataLock = await acquireDirLock(dataDir, { command: 'feldera-sync server' });
  try {
    return await startOn(dataDir, dataLock, logger, apiKey, options);
  } catch (e) {
    await dataLock.release();
    throw e;
  }
}

async function startOn(
  dataDir: string,
  dataLock: DirLock,
  logger: Logger,
  apiKey: string | undefined,
  options: ServerOptions,
): Promise<RunningServer> {
  const registry = await PipelineRegistry.open(dataDir);
  let embedded: EmbeddedS3 | undefined;
  if (options.embeddedS3) {
    embedded = await startEmbeddedS3({
      directory: join(dataDir, 'embedded-s3'),
      port: options.embeddedS3Port ?? 0,
    });
  }
  const manager = new PipelineManager({
    registry,
    logger,
    rcloneBinary: options.rcloneBinary ?? 'rclone',
  });
  const app = await buildApp({ pipelines: manager, apiKey, logger });
  // Pipelines that were running are restarted once the server listens (so the console URL is the
  // first thing printed); requests wait until that is done, so none sees them stopped meanwhile.
  let markRestarted = (): void => undefined;
  const restarted = new Promise<void>((resolve) => (markRestarted = resolve));
  app.addHook('onRequest', async () => {
    await restarted;
  });
  // The console first: it is what an operator opens. Printed from fastify's listen text, which is
  // resolved as the socket listens and before fastify logs it, so nothing comes before it.
  let announced = false;
  await app.listen({
    host: options.host,
    port: options.port,
    listenTextResolver: (address) => {
      if (!announced) {
        announced = true;
        options.print?.(`feldera-sync console: ${address}/`);
      }
      return `Server listening at ${address}`;
    },
  });
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : options.port;
  const host = options.host.includes(':') ? `[${options.host}]` : options.host;
  const url = `http://${host}:${port}`;
  logger.info({ url, console: `${url}/` }, 'feldera-sync server listening');
  if (embedded) {
    logger.info(
      { endpoint: embedded.endpoint, bucket: embedded.bucket },
      'embedded S3 store listening',
    );
  }
  try {
    await manager.init();
  } finally {
    markRestarted();
  }

  if (options.demo && embedded) {
    await manager.ensureDemoPipeline('demo', embedded);
    options.print?.(demoWalkthrough(url, 'demo', apiKey !== undefined));
  }

  let closing: Promise<void> | undefined;
  const close = (): Promise<void> => {
    closing ??= (async () => {
      await app.close();
      await manager.shutdown(options.shutdownGraceMs ?? 30_000);
      await embedded?.close();
      await dataLock.release();
    })();
    return closing;
  };
  return { url, logger, close };
}

/** The curl walk-through printed by the main job. */
export function demoWalkthrough(url: string, name: string, withKey: boolean): string {
  const auth = withKey ? ' -H "Authorization: Bearer $KEY"' : '';
  const p = `${url}/v0/pipelines/${name}`;
  return [
    '',
    `feldera-sync is running at ${url}`,
    `  console:  ${url}/  (pipelines ${name} and ${name}-standby)`,
    `  OpenAPI:  ${url}/openapi.json`,
    `  metrics:  ${url}/metrics`,
    `  pipeline: ${p}/status`,
    '',
    'Try it:',
    `  curl -s${auth} -X POST '${p}/ingress/users' -d '[{"insert":{"id":1,"name":"ada"}},{"insert":{"id":2,"name":"grace"}}]'`,
    `  curl -s${auth} '${p}/tables/users'`,
    `  curl -s${auth} -X POST '${p}/checkpoint'`,
    `  curl -s${auth} -X POST '${p}/checkpoint/sync'`,
    `  curl -s${auth} '${p}/checkpoint/sync_status'`,
    `  curl -s${auth} '${p}/checkpoints/remote'`,
    '',
  ].join('\n');
}
