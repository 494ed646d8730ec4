import { redactSecrets } from '@feldera-sync/config';
import type { CliIo } from './io.js';

/** Per-invocation state the commands share: output writers that mask secrets, the exit code, time. */
export interface CommandContext {
  readonly io: CliIo;
  /** Exit code the command asks for when it returns normally (e.g. `config check` with problems). */
  exitCode: number;
  /** Secret values loaded in this run; masked in everything the CLI prints. */
  readonly secrets: Set<string>;
  /** Writes to stdout (secrets masked). */
  out: (text: string) => void;
  /** Writes to stderr (secrets masked). */
  err: (text: string) => void;
  now: () => number;
  sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
}

/** Sleeps with a ref'd timer (keeps the process alive), rejecting when `signal` fires. */
export function realSleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason as Error);
      return;
    }
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(signal?.reason as Error);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/** Creates the context of one CLI run. */
export function createContext(io: CliIo): CommandContext {
  const secrets = new Set<string>();
  const mask = (text: string): string =>
    secrets.size === 0 ? text : redactSecrets(text, [...secrets]);
  return {
    io,
    exitCode: 0,
    secrets,
    out: (text) => void io.stdout.write(mask(text)),
    err: (text) => void io.stderr.write(mask(text)),
    now: io.now ?? (() => Date.now()),
    sleep: io.sleep ?? realSleep,
  };
}
