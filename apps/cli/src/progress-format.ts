import { formatBytes, formatDuration, formatSpeed } from './format.js';

/** What a progress display needs; a superset of the synchroniser's and the store's progress events. */
export interface ProgressSnapshot {
  bytesDone: number;
  bytesTotal: number;
  objectsDone: number;
  objectsTotal: number;
  /** Bytes per second. */
  speed: number;
  /** Seconds left; computed from speed when absent. */
  etaSeconds?: number | null | undefined;
  /** Current phase, e.g. `uploading`. */
  phase?: string | undefined;
}

/** Completed fraction in [0, 1]; an empty transfer counts as complete. */
export function progressFraction(p: ProgressSnapshot): number {
  if (p.bytesTotal > 0) return Math.min(1, Math.max(0, p.bytesDone / p.bytesTotal));
  if (p.objectsTotal > 0) return Math.min(1, Math.max(0, p.objectsDone / p.objectsTotal));
  return 1;
}

/** Seconds left: the snapshot's own ETA, else remaining bytes over speed, else null. */
export function progressEta(p: ProgressSnapshot): number | null {
  if (p.etaSeconds !== undefined && p.etaSeconds !== null) return p.etaSeconds;
  const left = p.bytesTotal - p.bytesDone;
  if (left <= 0) return 0;
  return p.speed > 0 ? left / p.speed : null;
}

function percent(p: ProgressSnapshot): string {
  return `${Math.floor(progressFraction(p) * 100)}%`;
}

function details(p: ProgressSnapshot): string[] {
  return [
    `${formatBytes(p.bytesDone)}/${formatBytes(p.bytesTotal)}`,
    formatSpeed(p.speed),
    `eta ${formatDuration(progressEta(p))}`,
    `${p.objectsDone}/${p.objectsTotal} objects`,
  ];
}

/** One terminal line: `label [#####-----]  50% 1.00 MiB/2.00 MiB 512 KiB/s eta 2.0s 1/2 objects`, fitted to `columns`. */
export function formatProgressBar(label: string, p: ProgressSnapshot, columns = 80): string {
  const tail = `${percent(p).padStart(4)} ${details(p).join('  ')}`;
  const room = columns - label.length - tail.length - 4;
  const width = Math.max(0, Math.min(40, room));
  const bar =
    width >= 5
      ? `[${'#'.repeat(Math.round(progressFraction(p) * width)).padEnd(width, '-')}] `
      : '';
  const line = `${label} ${bar}${tail}`;
  return line.length > columns ? line.slice(0, Math.max(0, columns - 1)) : line;
}

/** One log line for non-terminals: `push uploading: 50% 1.00 MiB/2.00 MiB, 512 KiB/s, eta 2.0s, 1/2 objects`. */
export function formatProgressLine(label: string, p: ProgressSnapshot): string {
  const phase = p.phase ? ` ${p.phase}` : '';
  return `${label}${phase}: ${percent(p)} ${details(p).join(', ')}`;
}
