import type { CliDeps, CliIo, CliSignal } from '../../src/index.js';
import { main } from '../../src/index.js';

/** A fake signal source: tests `emit` a signal and the subscribed command reacts. */
export class FakeSignals {
  readonly #handlers = new Map<CliSignal, Set<() => void>>();
  readonly subscribe = (signal: CliSignal, handler: () => void): (() => void) => {
    const set = this.#handlers.get(signal) ?? new Set();
    set.add(handler);
    this.#handlers.set(signal, set);
    return () => set.delete(handler);
  };
  /** Delivers `signal`; true when someone listened. */
  emit(signal: CliSignal): boolean {
    const set = this.#handlers.get(signal);
    if (!set || set.size === 0) return false;
    for (const handler of [...set]) handler();
    return true;
  }
  listening(signal: CliSignal): boolean {
    return (this.#handlers.get(signal)?.size ?? 0) > 0;
  }
}

export interface RunOptions {
  env?: Record<string, string | undefined>;
  cwd?: string;
  fetch?: typeof fetch;
  deps?: Partial<CliDeps>;
  signals?: FakeSignals;
  tty?: boolean;
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
}

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the CLI in-process with captured output. */
export function runCli(args: readonly string[], options: RunOptions = {}): Promise<RunResult> {
  return startCli(args, options).result;
}

/** Starts the CLI in-process; `output()` shows what it printed so far. */
export function startCli(
  args: readonly string[],
  options: RunOptions = {},
): { result: Promise<RunResult>; output(): { stdout: string; stderr: string } } {
  let stdout = '';
  let stderr = '';
  const io: CliIo = {
    stdout: { write: (t: string) => (stdout += t), isTTY: options.tty ?? false, columns: 100 },
    stderr: { write: (t: string) => (stderr += t), isTTY: options.tty ?? false, columns: 100 },
    env: options.env ?? {},
    cwd: options.cwd ?? process.cwd(),
    fetch: options.fetch,
    onSignal: options.signals?.subscribe,
    now: options.now,
    sleep: options.sleep,
  };
  const result = main(['node', 'feldera-sync', ...args], io, options.deps).then((code) => ({
    code,
    stdout,
    stderr,
  }));
  return { result, output: () => ({ stdout, stderr }) };
}

/** Polls `condition` every few milliseconds until true (for waiting on in-process commands). */
export async function until(condition: () => boolean, timeoutMs = 10_000): Promise<void> {
  const start = Date.now();
  while (!condition()) {
    if (Date.now() - start > timeoutMs) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 5));
  }
}
