/** A writable text stream; a TTY reports its width. */
export interface OutputStream {
  write(text: string): unknown;
  isTTY?: boolean | undefined;
  columns?: number | undefined;
}

/** Signals the long-running commands (`serve`, `standby`) react to. */
export type CliSignal = 'SIGINT' | 'SIGTERM' | 'SIGUSR1';

/** Subscribes to a process signal; returns the unsubscribe function. */
export type SignalSubscriber = (signal: CliSignal, handler: () => void) => () => void;

/** Everything the CLI touches outside its arguments, so tests run it in-process. */
export interface CliIo {
  stdout: OutputStream;
  stderr: OutputStream;
  /** Environment variables (secrets, `FELDERA_SYNC_URL`). */
  env: Readonly<Record<string, string | undefined>>;
  /** Directory relative paths are resolved against. */
  cwd: string;
  /** HTTP client for `remote ...`; defaults to the global fetch. */
  fetch?: typeof fetch | undefined;
  /** Signal source for `serve` and `standby`; defaults to none (they run until aborted). */
  onSignal?: SignalSubscriber | undefined;
  /** Milliseconds since the epoch; injected for deterministic progress output. */
  now?: (() => number) | undefined;
  /** Waits `ms` milliseconds (polling); injected so tests do not sleep. */
  sleep?: ((ms: number, signal?: AbortSignal) => Promise<void>) | undefined;
}

/** The real process: stdout/stderr, environment, working directory and signals. */
export function processIo(): CliIo {
  return {
    stdout: process.stdout,
    stderr: process.stderr,
    env: process.env,
    cwd: process.cwd(),
    onSignal: (signal, handler) => {
      process.on(signal, handler);
      return () => {
        process.off(signal, handler);
      };
    },
  };
}
