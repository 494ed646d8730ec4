import type { OutputStream } from './io.js';
import { formatProgressBar, formatProgressLine } from './progress-format.js';
import type { ProgressSnapshot } from './progress-format.js';

/** Shows progress: a redrawn bar on a TTY, a plain line every `intervalMs` elsewhere, nothing when quiet. */
export interface ProgressReporter {
  update(progress: ProgressSnapshot): void;
  /** Draws the final state (when given) and ends the bar's line. */
  finish(progress?: ProgressSnapshot): void;
}

/** How a reporter is created. */
export interface ProgressReporterOptions {
  label: string;
  stream: OutputStream;
  /** `bar` redraws one line; `lines` prints periodic lines; `none` prints nothing. */
  mode: 'bar' | 'lines' | 'none';
  now: () => number;
  /** Minimum time between plain lines (default 5 s) or bar redraws (default 100 ms). */
  intervalMs?: number | undefined;
}

/** The display mode for a stream: a bar on a TTY, else lines unless `quiet`. */
export function progressModeFor(
  stream: OutputStream,
  quiet: boolean,
): ProgressReporterOptions['mode'] {
  if (stream.isTTY) return 'bar';
  return quiet ? 'none' : 'lines';
}

/** Creates a progress reporter writing to `options.stream`. */
export function createProgressReporter(options: ProgressReporterOptions): ProgressReporter {
  const { label, stream, mode, now } = options;
  const interval = options.intervalMs ?? (mode === 'bar' ? 100 : 5000);
  let last: ProgressSnapshot | undefined;
  let lastDrawn = Number.NEGATIVE_INFINITY;
  let drewBar = false;
  let finished = false;
  let startedAt: number | undefined;

  // Phase changes report speed 0; show the average since the first event instead.
  const withSpeed = (p: ProgressSnapshot): ProgressSnapshot => {
    if (p.speed > 0 || startedAt === undefined) return p;
    const seconds = (now() - startedAt) / 1000;
    return seconds > 0 ? { ...p, speed: p.bytesDone / seconds } : p;
  };

  const draw = (p: ProgressSnapshot): void => {
    if (mode === 'bar') {
      stream.write(`\r\x1b[2K${formatProgressBar(label, p, stream.columns ?? 80)}`);
      drewBar = true;
    } else if (mode === 'lines') {
      stream.write(`${formatProgressLine(label, p)}\n`);
    }
  };

  return {
    update(p) {
      if (finished) return;
      startedAt ??= now();
      last = withSpeed(p);
      const t = now();
      if (t - lastDrawn < interval) return;
      lastDrawn = t;
      draw(last);
    },
    finish(p) {
      if (finished) return;
      finished = true;
      const final = p ?? last;
      if (final) draw(final);
      if (drewBar) stream.write('\n');
    },
  };
}
