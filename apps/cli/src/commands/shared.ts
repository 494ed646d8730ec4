import { resolve } from 'node:path';
import { InvalidArgumentError } from 'commander';
import { isUuid } from '@feldera-sync/checkpoint';
import type { CommandContext } from '../context.js';
import type { CliSignal } from '../io.js';

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

/** A positive number of seconds (fractions allowed). */
export function parseSeconds(value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0)
    throw new InvalidArgumentError('expected a positive number of seconds');
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
