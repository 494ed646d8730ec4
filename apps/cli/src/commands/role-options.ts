import { existsSync } from 'node:fs';
import { hasErrorCode } from '@feldera-sync/errors';
import type { SyncLogger } from '@feldera-sync/sync';
import type { LoadedConfigFile } from '../config-file.js';
import type { CommandContext } from '../context.js';
import type { PipelineIdentity } from '../pipeline-identity.js';
import { parseListen } from '../role-http.js';
import type { IdentityOptions } from './options.js';
import { identityFor } from './options.js';
import { readApiKeyFile, resolvePath } from './shared.js';
import { CliErrorCodes } from '../error-codes.js';

/** `--listen` parsed: where a role serves /healthz, /metrics, /status (and the standby's /activate). */
export const parseListenOption = parseListen;

/** The identity from flags and config, or null when neither names one (an invalid one still fails). */
export function optionalIdentityFor(
  file: LoadedConfigFile,
  options: IdentityOptions,
): PipelineIdentity | null {
  try {
    return identityFor(file, options);
  } catch (e) {
    if (hasErrorCode(e, CliErrorCodes.noPipelineIdentity)) return null;
    throw e;
  }
}

/** The API key of `--api-key-file`, registered as a secret; null without the flag. */
export async function apiKeyFrom(
  ctx: CommandContext,
  file: string | undefined,
): Promise<string | null> {
  if (file === undefined) return null;
  const key = (await readApiKeyFile(resolvePath(ctx, file))).trim();
  if (key === '') return null;
  ctx.secrets.add(key);
  return key;
}

/**
 * Structured log lines (one JSON object per line on stderr: time, level, msg, fields), secrets
 * masked by the context's writer.
 */
export function jsonLogger(
  ctx: CommandContext,
  role: string,
  minLevel: 'debug' | 'info' = 'info',
): SyncLogger {
  const line =
    (level: 'debug' | 'info' | 'warn' | 'error') =>
    (msg: string, fields?: Record<string, unknown>): void => {
      if (level === 'debug' && minLevel !== 'debug') return;
      ctx.err(
        JSON.stringify({
          time: new Date(ctx.now()).toISOString(),
          level,
          role,
          msg,
          ...(fields ?? {}),
        }) + '\n',
      );
    };
  return { debug: line('debug'), info: line('info'), warn: line('warn'), error: line('error') };
}

/**
 * Polls for `path` every `intervalMs`; calls `onPresent` once when it exists. A file is the
 * activation trigger that works everywhere (`kubectl exec ... touch`, a systemd path unit).
 */
export function watchForFile(
  path: string,
  intervalMs: number,
  onPresent: () => void,
): { dispose(): void } {
  let done = false;
  const check = (): void => {
    if (done || !existsSync(path)) return;
    done = true;
    clearInterval(timer);
    onPresent();
  };
  const timer = setInterval(check, intervalMs);
  timer.unref();
  queueMicrotask(check);
  return {
    dispose: () => {
      done = true;
      clearInterval(timer);
    },
  };
}
