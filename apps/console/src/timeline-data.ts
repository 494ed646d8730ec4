/**
 * The timeline's data: checkpoints taken, pushes and pulls in a time window, as the aligned columns
 * uPlot draws (x in seconds), and the sentence that says the same for screen readers. Pure.
 */
import type { RecoveryEvent } from './api-types.js';
import { formatDuration } from './format.js';

/** Where the marker rows sit on the 0..1 marker scale. */
export const CHECKPOINT_ROW = 0.15;
export const FAILURE_ROW = 0.85;

export interface TimelineData {
  /** x (seconds), checkpoint markers, push seconds, pull seconds, failure markers. */
  columns: [number[], (number | null)[], (number | null)[], (number | null)[], (number | null)[]];
  summary: string;
}

function median(values: number[]): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** The events of the last `windowSecs` before `nowMs`, as chart columns and a summary sentence. */
export function timelineData(
  events: readonly RecoveryEvent[],
  nowMs: number,
  windowSecs: number,
): TimelineData {
  const from = nowMs / 1000 - windowSecs;
  const rows = events
    .map((e) => ({ e, t: Date.parse(e.at) / 1000 }))
    .filter(({ t }) => Number.isFinite(t) && t >= from)
    .sort((a, b) => a.t - b.t);
  const x: number[] = [];
  const checkpoints: (number | null)[] = [];
  const pushes: (number | null)[] = [];
  const pulls: (number | null)[] = [];
  const failures: (number | null)[] = [];
  const pushSecs: number[] = [];
  const pullSecs: number[] = [];
  let taken = 0;
  let failedPushes = 0;
  let failedPulls = 0;
  for (const { e, t } of rows) {
    x.push(t);
    const secs = e.duration_ms === null ? null : e.duration_ms / 1000;
    const ok = e.result === 'success';
    checkpoints.push(e.kind === 'checkpoint' && ok ? CHECKPOINT_ROW : null);
    pushes.push(e.kind === 'push' && ok ? (secs ?? 0) : null);
    pulls.push(e.kind === 'pull' && ok ? (secs ?? 0) : null);
    failures.push(ok ? null : FAILURE_ROW);
    if (e.kind === 'checkpoint' && ok) taken++;
    if (e.kind === 'push') {
      if (ok && secs !== null) pushSecs.push(secs);
      if (!ok) failedPushes++;
    }
    if (e.kind === 'pull') {
      if (ok && secs !== null) pullSecs.push(secs);
      if (!ok) failedPulls++;
    }
  }
  const part = (n: number, what: string, secs: number[], failed: number): string => {
    const m = median(secs);
    const extra = [
      m === null ? null : `median ${formatDuration(m)}`,
      failed ? `${failed} failed` : null,
    ]
      .filter((v) => v !== null)
      .join(', ');
    return `${n} ${what}${extra ? ` (${extra})` : ''}`;
  };
  const summary =
    rows.length === 0
      ? `No checkpoints, pushes or pulls in the last ${formatDuration(windowSecs)}.`
      : `Last ${formatDuration(windowSecs)}: ${taken} checkpoint${taken === 1 ? '' : 's'} taken, ` +
        `${part(pushSecs.length + failedPushes, pushSecs.length + failedPushes === 1 ? 'push' : 'pushes', pushSecs, failedPushes)}, ` +
        `${part(pullSecs.length + failedPulls, pullSecs.length + failedPulls === 1 ? 'pull' : 'pulls', pullSecs, failedPulls)}.`;
  return { columns: [x, checkpoints, pushes, pulls, failures], summary };
}
