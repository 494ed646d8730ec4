const IEC_UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'] as const;

/** Bytes in IEC units with three significant digits: `0 B`, `999 B`, `1.50 KiB`, `12.3 MiB`. */
export function formatBytes(bytes: number): string {
  if (!Number.isFinite(bytes) || bytes < 0) return '?';
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < IEC_UNITS.length - 1) {
    value /= 1024;
    unit++;
  }
  if (unit === 0) return `${Math.round(value)} B`;
  const digits = value >= 100 ? 0 : value >= 10 ? 1 : 2;
  return `${value.toFixed(digits)} ${IEC_UNITS[unit]}`;
}

/** A transfer rate: `formatBytes(bytesPerSecond)/s`. */
export function formatSpeed(bytesPerSecond: number): string {
  return `${formatBytes(bytesPerSecond)}/s`;
}

/** A duration for people: `0.4s`, `12s`, `3m05s`, `2h01m`; `?` when unknown. */
export function formatDuration(seconds: number | null): string {
  if (seconds === null || !Number.isFinite(seconds) || seconds < 0) return '?';
  if (seconds < 10) return `${(Math.round(seconds * 10) / 10).toFixed(1)}s`;
  const total = Math.round(seconds);
  if (total < 60) return `${total}s`;
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  if (h > 0) return `${h}h${String(m).padStart(2, '0')}m`;
  return `${m}m${String(s).padStart(2, '0')}s`;
}

/** A UTC time as `YYYY-MM-DD HH:MM:SSZ`, or `-` when unknown. */
export function formatTimestamp(ms: number | null): string {
  if (ms === null || !Number.isFinite(ms)) return '-';
  return new Date(ms)
    .toISOString()
    .replace('T', ' ')
    .replace(/\.\d{3}Z$/, 'Z');
}

/** Column alignment for `formatTable`. */
export type Align = 'left' | 'right';

/** A plain-text table: header row, dashed rule, rows; columns padded to their widest cell. */
export function formatTable(
  headers: readonly string[],
  rows: readonly (readonly string[])[],
  align: readonly Align[] = [],
): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]): string =>
    widths
      .map((w, i) => {
        const cell = cells[i] ?? '';
        return (align[i] ?? 'left') === 'right' ? cell.padStart(w) : cell.padEnd(w);
      })
      .join('  ')
      .trimEnd();
  return (
    [line(headers), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n') +
    '\n'
  );
}

/** JSON for stdout: two-space indent, bigints as exact integers, trailing newline. */
export function formatJson(value: unknown): string {
  const BIG = '__bigint__';
  const text = JSON.stringify(
    value,
    (_key, v: unknown) => (typeof v === 'bigint' ? `${BIG}${v.toString()}${BIG}` : v),
    2,
  );
  return text.replace(new RegExp(`"${BIG}(-?\\d+)${BIG}"`, 'g'), '$1') + '\n';
}

/**
 * Text from outside (object keys, a store's messages) made safe for a terminal: control characters
 * (ESC, BEL, CR, newline, C1 codes) are shown as `\xHH`, so a hostile name can neither move the
 * cursor, ring the bell nor forge a line of output.
 */
export function escapeUntrusted(text: string): string {
  return text.replace(
    // eslint-disable-next-line no-control-regex -- matching control characters is the point
    /[\u0000-\u001f\u007f-\u009f]/g,
    (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`,
  );
}
