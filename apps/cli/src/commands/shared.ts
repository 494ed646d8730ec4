import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { InvalidArgumentError } from 'commander';
import { isUuid } from '@feldera-sync/checkpoint';
import { MAX_TIMER_DELAY_MS } from '@feldera-sync/config';
import { SyncError } from '@feldera-sync/errors';
import type { CommandContext } from '../context.js';
import type { CliSignal } from '../io.js';
import { CliErrorCodes } from '../error-codes.js';

/** `--checkpoint` values: `latest` or a UUID (lowercased). */
export function parseCheckpointSpec(value: string): string {
  if (value === 'latest') return value;
  if (isUuid(value)) return value.toLowerCase();
  throw new InvalidArgumentError('expected "latest" or a checkpoint UUID');
}

/** `--checkpoint` for push: a UUID or `latest` (the newest complete local checkpoint). */
export const parsePushCheckpoint = parseCheckpointSpec;

/** A TCP port: integer 0..65535. */
export function parsePort(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || n > 65_535)
    throw new InvalidArgumentError('expected a port number 0..65535');
  return n;
}

/** Longest wait a timer can hold, in seconds: Node fires a longer timer after 1 ms. */
const MAX_TIMER_SECONDS = MAX_TIMER_DELAY_MS / 1000;

/** A positive number of seconds (fractions allowed), at most what a Node timer can wait (about 24.8 days). */
export function parseSeconds(value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0 || n > MAX_TIMER_SECONDS)
    throw new InvalidArgumentError(
      `expected a positive number of seconds up to ${MAX_TIMER_SECONDS} (a longer timer would fire every millisecond)`,
    );
  return n;
}

/** A whole number of milliseconds, 0 up to what a Node timer can wait (2147483647, about 24.8 days). */
export function parseMilliseconds(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || n > MAX_TIMER_DELAY_MS)
    throw new InvalidArgumentError(
      `expected a whole number of milliseconds from 0 to ${MAX_TIMER_DELAY_MS} (a longer timer would fire every millisecond)`,
    );
  return n;
}

/** A path resolved against the CLI's working directory. */
export function resolvePath(ctx: CommandContext, path: string): string {
  return resolve(ctx.io.cwd, path);
}

/**
 * Resolves with the first of `signals` received; keeps the process alive while waiting (signal
 * listeners alone do not). Without a signal source it waits until `abort` fires.
 */
export function waitForSignal(
  ctx: CommandContext,
  signals: readonly CliSignal[],
  abort?: AbortSignal,
): { promise: Promise<CliSignal | 'aborted'>; dispose(): void } {
  const unsubscribers: (() => void)[] = [];
  let keepAlive: ReturnType<typeof setInterval> | undefined;
  let settle: (value: CliSignal | 'aborted') => void = () => undefined;
  const promise = new Promise<CliSignal | 'aborted'>((resolveSignal) => {
    settle = resolveSignal;
  });
  const dispose = (): void => {
    for (const off of unsubscribers.splice(0)) off();
    if (keepAlive !== undefined) clearInterval(keepAlive);
    keepAlive = undefined;
  };
  for (const signal of signals) {
    const off = ctx.io.onSignal?.(signal, () => {
      dispose();
      settle(signal);
    });
    if (off) unsubscribers.push(off);
  }
  if (ctx.io.onSignal) keepAlive = setInterval(() => undefined, 1 << 30);
  abort?.addEventListener(
    'abort',
    () => {
      dispose();
      settle('aborted');
    },
    { once: true },
  );
  return { promise, dispose };
}

/** The contents of `--api-key-file`; a missing, unreadable or non-file path is a coded error saying what to do. */
export async function readApiKeyFile(path: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why =
      code === 'ENOENT'
        ? 'it does not exist'
        : code === 'EISDIR'
          ? 'it is a directory'
          : (err as Error).message;
    throw new SyncError(
      CliErrorCodes.configRead,
      `cannot read the API key file ${path} (--api-key-file): ${why}`,
      {
        hint: 'create it with one line of at least 16 characters (e.g. `openssl rand -hex 32 > FILE; chmod 600 FILE`), or pass the right path',
        cause: err,
      },
    );
  }
}
