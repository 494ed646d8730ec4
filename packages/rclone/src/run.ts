import { createInterface } from 'node:readline';
import { execa } from 'execa';
import type { TransferProgress } from '@feldera-sync/checkpoint';
import { rcloneError, RcloneErrorCodes } from './errors.js';
import { parseRcloneLogLine } from './log-line.js';
import type { RcloneLogger } from './logger.js';
import type { Redactor } from './redact.js';

const TAIL_LINES = 40;
export const DETAILS_TAIL_LINES = 20;

/** How to run one rclone process. */
export interface RunSpec {
  binary: string;
  argv: readonly string[];
  env: Record<string, string>;
  redact: Redactor;
  logger?: RcloneLogger | undefined;
  /** Human description of the operation for messages, e.g. `upload of 3 files to s3:b/p`. */
  what: string;
  timeoutMs: number;
  /** Time between SIGTERM and SIGKILL when cancelling. */
  killGraceMs: number;
  signal?: AbortSignal | undefined;
  input?: Uint8Array | undefined;
  stdout: 'text' | 'bytes';
  maxStdoutBytes?: number | undefined;
  onProgress?: ((progress: TransferProgress) => void) | undefined;
  /** Called with each object rclone reports copied (`-v`'s "Copied (new)" lines). */
  onObjectDone?: ((object: string) => void) | undefined;
  /**
   * Stop the run with `ERR_STORE_STALLED` when no progress (more bytes or objects done than ever
   * before) is reported for this long. Only for transfers, which report stats every second.
   */
  stallMs?: number | undefined;
}

/** A finished rclone process (any exit code). */
export interface RunResult {
  exitCode: number;
  stdoutText: string;
  stdoutBytes: Uint8Array;
  /** Last non-stats stderr lines, redacted. */
  stderrTail: string[];
  lastProgress: TransferProgress | null;
  durationMs: number;
}

/**
 * Runs rclone. Resolves for every exit code; rejects only with coded errors for a missing binary,
 * cancellation (`ERR_ABORTED`) and timeout (`ERR_STORE_TIMEOUT`), after the process has exited.
 */
export async function runRclone(spec: RunSpec): Promise<RunResult> {
  const started = Date.now();
  const command = spec.argv[0] ?? '';
  if (spec.signal?.aborted) {
    throw rcloneError(RcloneErrorCodes.aborted, `${spec.what} was cancelled`, {
      exitCode: null,
      stderrTail: [],
      command,
    });
  }
  // The stall watchdog cancels through its own signal, so a stall is told apart from the caller's.
  const stall = new AbortController();
  const cancel = spec.signal ? AbortSignal.any([spec.signal, stall.signal]) : stall.signal;
  const subprocess = execa(spec.binary, spec.argv, {
    env: spec.env,
    extendEnv: false,
    reject: false,
    stdin: spec.input ? 'pipe' : 'ignore',
    ...(spec.input ? { input: spec.input } : {}),
    encoding: spec.stdout === 'bytes' ? 'buffer' : 'utf8',
    stripFinalNewline: false,
    buffer: { stdout: true, stderr: false },
    maxBuffer: { stdout: spec.maxStdoutBytes ?? 1024 * 1024 * 1024 },
    timeout: spec.timeoutMs,
    cancelSignal: cancel,
    killSignal: 'SIGTERM',
    forceKillAfterDelay: spec.killGraceMs,
  });
  spec.logger?.debug?.('rclone started', {
    pid: subprocess.pid,
    command,
    argv: spec.argv.map(spec.redact),
  });

  const tail: string[] = [];
  let lastProgress: TransferProgress | null = null;
  let best = { bytes: -1, objects: -1 };
  let watchdog: NodeJS.Timeout | null = null;
  const arm = (): void => {
    if (spec.stallMs === undefined) return;
    if (watchdog) clearTimeout(watchdog);
    watchdog = setTimeout(() => stall.abort(), spec.stallMs);
  };
  arm();
  const lines = subprocess.stderr
    ? createInterface({ input: subprocess.stderr, crlfDelay: Infinity })
    : null;
  const linesDone = new Promise<void>((resolve) => {
    if (lines) lines.once('close', resolve);
    else resolve();
  });
  lines?.on('line', (raw) => {
    const parsed = parseRcloneLogLine(raw);
    if (parsed.kind === 'stats') {
      lastProgress = parsed.progress;
      // Retries re-send bytes already counted once: only a new high counts as progress.
      if (parsed.progress.bytesDone > best.bytes || parsed.progress.objectsDone > best.objects) {
        best = {
          bytes: Math.max(best.bytes, parsed.progress.bytesDone),
          objects: Math.max(best.objects, parsed.progress.objectsDone),
        };
        arm();
      }
      spec.onProgress?.(parsed.progress);
      return;
    }
    if (
      parsed.kind === 'log' &&
      parsed.object !== undefined &&
      /^(Multi-thread )?Copied \(/.test(parsed.message)
    ) {
      spec.onObjectDone?.(parsed.object);
      return;
    }
    const line = spec.redact(raw);
    tail.push(line);
    if (tail.length > TAIL_LINES) tail.shift();
    if (parsed.kind === 'log' && (parsed.level === 'error' || parsed.level === 'warning')) {
      spec.logger?.warn?.(`rclone ${command}: ${spec.redact(parsed.message)}`, {
        level: parsed.level,
      });
    }
  });

  const result = await subprocess;
  await linesDone;
  if (watchdog) clearTimeout(watchdog);
  const durationMs = Date.now() - started;
  const stderrTail = tail.slice(-DETAILS_TAIL_LINES);
  const code = (result as { code?: string }).code;
  if (
    code === 'ENOENT' ||
    (result.failed && result.exitCode === undefined && /ENOENT/.test(result.message ?? ''))
  ) {
    throw rcloneError(
      RcloneErrorCodes.binaryNotFound,
      `rclone binary '${spec.binary}' was not found`,
      { exitCode: null, stderrTail: [], command },
      { hint: 'install rclone (Debian: apt-get install rclone) or set the binary path' },
    );
  }
  if (result.isCanceled && stall.signal.aborted && !spec.signal?.aborted) {
    const done = lastProgress as TransferProgress | null;
    throw rcloneError(
      RcloneErrorCodes.stalled,
      `${spec.what} made no progress for ${Math.round((spec.stallMs ?? 0) / 1000)} s and was stopped` +
        (done
          ? ` (${done.bytesDone} of ${done.bytesTotal} bytes, ${done.objectsDone} of ${done.objectsTotal} objects done)`
          : ''),
      { exitCode: null, stderrTail, command },
      {
        hint: 'the object store or the network stopped answering; check them, or raise stall_timeout for a store that pauses this long',
      },
    );
  }
  if (result.isCanceled) {
    throw rcloneError(
      RcloneErrorCodes.aborted,
      `${spec.what} was cancelled`,
      { exitCode: null, stderrTail, command },
      {
        cause: spec.signal?.reason,
      },
    );
  }
  if (result.timedOut) {
    throw rcloneError(
      RcloneErrorCodes.timeout,
      `${spec.what} did not finish within ${spec.timeoutMs} ms`,
      { exitCode: null, stderrTail, command },
      {
        hint: 'raise transfer_timeout (or the request timeout), or check the endpoint and the network',
      },
    );
  }
  if (result.exitCode === undefined) {
    throw rcloneError(
      RcloneErrorCodes.other,
      `${spec.what} failed: ${spec.redact(result.shortMessage ?? 'unknown failure')}`,
      { exitCode: null, stderrTail, command, signal: result.signal ?? null },
    );
  }
  const stdout: unknown = result.stdout;
  return {
    exitCode: result.exitCode,
    stdoutText: typeof stdout === 'string' ? stdout : '',
    stdoutBytes: stdout instanceof Uint8Array ? stdout : new Uint8Array(0),
    stderrTail,
    lastProgress,
    durationMs,
  };
}
