import { readFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { SyncError } from '@feldera-sync/errors';
import type { CommandContext } from '../context.js';
import { formatBytes, formatJson } from '../format.js';
import { DEFAULT_SERVER_URL, RemoteClient } from '../remote-client.js';
import type { PipelineStatusAnswer, SyncStatusAnswer } from '../remote-client.js';
import { requestSyncAndWait } from '../remote-sync-wait.js';
import { parseSeconds, resolvePath } from './shared.js';
import { CliErrorCodes } from '../error-codes.js';

/** Environment variable with the server URL for `remote ...`. */
export const SERVER_URL_ENV = 'FELDERA_SYNC_URL';
/** Environment variable with the API key for `remote ...` (instead of --api-key-file). */
export const API_KEY_ENV = 'FELDERA_SYNC_API_KEY';

interface RemoteOptions {
  url?: string;
  apiKeyFile?: string;
  json?: boolean;
  wait?: boolean;
  timeout: number;
  interval: number;
}

async function clientFor(
  ctx: CommandContext,
  options: RemoteOptions,
  signal?: AbortSignal,
): Promise<RemoteClient> {
  let apiKey = ctx.io.env[API_KEY_ENV];
  if (options.apiKeyFile) {
    const path = resolvePath(ctx, options.apiKeyFile);
    try {
      apiKey = (await readFile(path, 'utf8')).trim();
    } catch (err) {
      throw new SyncError(
        CliErrorCodes.configRead,
        `cannot read the API key file ${path}: ${(err as Error).message}`,
        { cause: err },
      );
    }
  }
  if (apiKey) ctx.secrets.add(apiKey);
  const fetchImpl = ctx.io.fetch ?? globalThis.fetch;
  return new RemoteClient({
    url: options.url ?? ctx.io.env[SERVER_URL_ENV] ?? DEFAULT_SERVER_URL,
    apiKey,
    fetch: fetchImpl,
    signal,
  });
}

function formatSyncStatus(status: SyncStatusAnswer): string {
  const lines = [
    `last manual sync:   ${status.success ?? '-'}`,
    `last periodic sync: ${status.periodic ?? '-'}`,
    `last failure:       ${status.failure ? `${status.failure.uuid}: ${status.failure.error}` : '-'}`,
  ];
  const p = status.progress;
  if (p) {
    lines.push(
      `running:            ${p.uuid} ${formatBytes(p.bytes_done)}/${formatBytes(p.bytes_total)}, ${p.objects_done}/${p.objects_total} objects`,
    );
  }
  return lines.join('\n') + '\n';
}

function formatStatus(status: PipelineStatusAnswer): string {
  const lines = Object.entries(status)
    .filter(([, v]) => v === null || typeof v !== 'object')
    .map(([k, v]) => `${k}: ${v === null ? '-' : String(v as string | number | boolean)}`);
  for (const [k, v] of Object.entries(status)) {
    if (v !== null && typeof v === 'object') lines.push(`${k}: ${JSON.stringify(v)}`);
  }
  return lines.join('\n') + '\n';
}

function addCommon(command: Command): Command {
  return command
    .argument('<pipeline>', 'pipeline name')
    .option('--url <url>', `server URL (default: $${SERVER_URL_ENV} or ${DEFAULT_SERVER_URL})`)
    .option('--api-key-file <file>', `file holding the API key (default: $${API_KEY_ENV})`)
    .option('--json', 'print the server answer as JSON');
}

/** Registers `remote sync | sync-status | activate | status`. */
export function registerRemoteCommands(program: Command, ctx: CommandContext): void {
  const remote = program
    .command('remote')
    .description('call a running feldera-sync (or Feldera) server, as a Feldera client would')
    .addHelpText(
      'after',
      '\nExamples:\n  $ feldera-sync remote sync orders --wait\n  $ feldera-sync remote status orders --url http://10.0.0.5:8080 --api-key-file key.txt\n',
    );

  addCommon(remote.command('sync'))
    .description("push the pipeline's newest checkpoint to its bucket (POST .../checkpoint/sync)")
    .option(
      '--wait',
      'poll sync_status until the sync finished; re-issue it if the server restarted',
    )
    .option('--timeout <seconds>', 'give up waiting after this long', parseSeconds, 600)
    .option('--interval <seconds>', 'polling interval', parseSeconds, 1)
    .addHelpText('after', '\nExample:\n  $ feldera-sync remote sync orders --wait --timeout 300\n')
    .action(async (pipeline: string, options: RemoteOptions) => {
      const client = await clientFor(ctx, options);
      if (!options.wait) {
        const answer = await client.requestSync(pipeline);
        ctx.out(
          options.json
            ? formatJson(answer)
            : `sync of ${answer.checkpoint_uuid} requested (incarnation ${answer.incarnation_uuid})\n`,
        );
        return;
      }
      const result = await requestSyncAndWait(client, pipeline, {
        pollMs: options.interval * 1000,
        timeoutMs: options.timeout * 1000,
        now: ctx.now,
        sleep: ctx.sleep,
        onEvent: (event) => {
          switch (event.type) {
            case 'requested':
              ctx.err(
                `sync of ${event.answer.checkpoint_uuid} requested (incarnation ${event.answer.incarnation_uuid})\n`,
              );
              break;
            case 'restarted':
              ctx.err(
                `server restarted (incarnation ${event.requested} is now ${event.expected ?? 'unknown'}): re-issuing the sync\n`,
              );
              break;
            case 'retrying':
              ctx.err(`waiting for the server: ${event.reason}\n`);
              break;
            case 'progress': {
              const p = event.status.progress;
              if (p && !options.json)
                ctx.err(
                  `syncing ${p.uuid}: ${formatBytes(p.bytes_done)}/${formatBytes(p.bytes_total)}, ${p.objects_done}/${p.objects_total} objects\n`,
                );
              break;
            }
          }
        },
      });
      ctx.out(
        options.json
          ? formatJson({ ...result, success: true })
          : `checkpoint ${result.checkpoint_uuid} synced\n`,
      );
    });

  addCommon(remote.command('sync-status'))
    .description(
      'last manual and periodic sync, last failure and the running sync (GET .../checkpoint/sync_status)',
    )
    .option(
      '--incarnation <uuid>',
      'fail with IncarnationUuidMismatch when the pipeline restarted since this incarnation',
    )
    .addHelpText('after', '\nExample:\n  $ feldera-sync remote sync-status orders --json\n')
    .action(async (pipeline: string, options: RemoteOptions & { incarnation?: string }) => {
      const client = await clientFor(ctx, options);
      const status = await client.syncStatus(pipeline, options.incarnation);
      ctx.out(options.json ? formatJson(status) : formatSyncStatus(status));
    });

  addCommon(remote.command('activate'))
    .description(
      'leave standby: final pull, then run from the newest checkpoint (POST .../activate)',
    )
    .option('--wait', 'poll status until the pipeline runs')
    .option('--timeout <seconds>', 'give up waiting after this long', parseSeconds, 600)
    .option('--interval <seconds>', 'polling interval', parseSeconds, 1)
    .addHelpText('after', '\nExample:\n  $ feldera-sync remote activate orders --wait\n')
    .action(async (pipeline: string, options: RemoteOptions) => {
      const client = await clientFor(ctx, options);
      const answer = await client.activate(pipeline);
      if (!options.wait) {
        ctx.out(options.json ? formatJson(answer) : `activation of ${pipeline} requested\n`);
        return;
      }
      const deadline = ctx.now() + options.timeout * 1000;
      for (;;) {
        const status = await client.status(pipeline);
        if (status.runtime_status === 'Running') {
          ctx.out(options.json ? formatJson(status) : `${pipeline} is running\n`);
          return;
        }
        if (status.runtime_status === 'Failed' || status.runtime_status === 'Stopped') {
          throw new SyncError(
            CliErrorCodes.syncFailed,
            `activation of ${pipeline} failed: the pipeline is ${status.runtime_status}`,
            {
              details: { status },
              hint: 'see `feldera-sync remote status` and the server log',
            },
          );
        }
        if (ctx.now() >= deadline) {
          throw new SyncError(
            CliErrorCodes.waitTimeout,
            `${pipeline} is still ${status.runtime_status} after ${options.timeout}s`,
            {
              hint: 'raise --timeout, or check `feldera-sync remote status`',
            },
          );
        }
        await ctx.sleep(options.interval * 1000);
      }
    });

  addCommon(remote.command('status'))
    .description('runtime status, incarnation and standby details (GET .../status)')
    .addHelpText('after', '\nExample:\n  $ feldera-sync remote status orders\n')
    .action(async (pipeline: string, options: RemoteOptions) => {
      const client = await clientFor(ctx, options);
      const status = await client.status(pipeline);
      ctx.out(options.json ? formatJson(status) : formatStatus(status));
    });
}
