import type { CommandContext } from '../context.js';
import { createProgressReporter, progressModeFor } from '../progress-reporter.js';
import type { ProgressReporter } from '../progress-reporter.js';
import type { ProgressSnapshot } from '../progress-format.js';

/** A cancellable operation with a progress display on stderr. */
export interface TransferSession {
  signal: AbortSignal;
  progress: ProgressReporter;
  /** Stops listening for signals. */
  dispose(): void;
}

/**
 * Starts a session: SIGINT/SIGTERM abort the operation (it fails with `ERR_ABORTED`), progress
 * goes to stderr as a bar on a TTY, as periodic lines otherwise (none with `--json`).
 */
export function startTransferSession(
  ctx: CommandContext,
  label: string,
  json: boolean,
): TransferSession {
  const controller = new AbortController();
  const offs = (['SIGINT', 'SIGTERM'] as const).map((signal) =>
    ctx.io.onSignal?.(signal, () => controller.abort(new Error(`${signal} received`))),
  );
  const stream = {
    write: (text: string) => ctx.err(text),
    isTTY: ctx.io.stderr.isTTY,
    columns: ctx.io.stderr.columns,
  };
  const progress = createProgressReporter({
    label,
    stream,
    mode: progressModeFor(stream, json),
    now: ctx.now,
  });
  return {
    signal: controller.signal,
    progress,
    dispose: () => {
      for (const off of offs) off?.();
    },
  };
}

/** The final 100% snapshot of a finished transfer. */
export function completedSnapshot(
  bytes: number,
  objects: number,
  durationMs: number,
): ProgressSnapshot {
  return {
    bytesDone: bytes,
    bytesTotal: bytes,
    objectsDone: objects,
    objectsTotal: objects,
    speed: durationMs > 0 ? (bytes * 1000) / durationMs : 0,
    etaSeconds: 0,
    phase: 'done',
  };
}
