/** Text for numbers, sizes, durations and ages as the console shows them. Pure. */

const UNITS = ['B', 'KB', 'MB', 'GB', 'TB'];

/** `1536` -> `1.5 KB` (powers of 1024, as rclone reports). */
export function formatBytes(bytes: number): string {
  if (!Number.isFinite(bytes) || bytes < 0) return '?';
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < UNITS.length - 1) {
    value /= 1024;
    unit++;
  }
  const digits = unit === 0 || value >= 100 ? 0 : value >= 10 ? 1 : 2;
  return `${value.toFixed(digits)} ${UNITS[unit]}`;
}

/** Seconds as a short duration: `0.4 s`, `12 s`, `3 min 5 s`, `2 h 10 min`, `3 d 4 h`. */
export function formatDuration(secs: number): string {
  if (!Number.isFinite(secs) || secs < 0) return '?';
  if (secs < 10) return `${secs < 1 ? secs.toFixed(1) : secs.toFixed(secs < 9.95 ? 1 : 0)} s`;
  if (secs < 60) return `${Math.round(secs)} s`;
  const s = Math.round(secs);
  if (s < 3600) {
    const m = Math.floor(s / 60);
    const r = s % 60;
    return r === 0 ? `${m} min` : `${m} min ${r} s`;
  }
  if (s < 86_400) {
    const h = Math.floor(s / 3600);
    const m = Math.floor((s % 3600) / 60);
    return m === 0 ? `${h} h` : `${h} h ${m} min`;
  }
  const d = Math.floor(s / 86_400);
  const h = Math.floor((s % 86_400) / 3600);
  return h === 0 ? `${d} d` : `${d} d ${h} h`;
}

/** An age in seconds as `just now` / `12 s ago`. */
export function formatAge(secs: number | null): string {
  if (secs === null) return 'age unknown';
  if (secs < 1) return 'just now';
  return `${formatDuration(secs)} ago`;
}

/** The age of an ISO time at `nowMs`, seconds (never negative); null for null or bad input. */
export function ageSecs(iso: string | null, nowMs: number): number | null {
  if (iso === null) return null;
  const t = Date.parse(iso);
  return Number.isNaN(t) ? null : Math.max(0, (nowMs - t) / 1000);
}

/**
 * The last 8 characters of a UUID (the whole one is in the title). Not the first: a UUIDv7 starts
 * with its timestamp, so checkpoints taken within a minute share their first 8 characters.
 */
export function shortUuid(uuid: string): string {
  return `…${uuid.slice(-8)}`;
}

/** `512 KB/s`. */
export function formatSpeed(bytesPerSec: number): string {
  return `${formatBytes(bytesPerSec)}/s`;
}
