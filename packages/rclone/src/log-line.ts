import type { TransferProgress } from '@feldera-sync/checkpoint';

/** One parsed line of rclone's stderr under `--use-json-log`. */
export type RcloneLogLine =
  | { kind: 'stats'; progress: TransferProgress; errors: number }
  | { kind: 'log'; level: string; message: string; object?: string | undefined }
  | { kind: 'text'; text: string };

function num(value: unknown): number {
  return typeof value === 'number' && Number.isFinite(value) ? value : 0;
}

/** Parses one stderr line: a JSON stats object, a JSON log record, or plain text (fatal errors, usage). */
export function parseRcloneLogLine(line: string): RcloneLogLine {
  const trimmed = line.trim();
  if (trimmed.startsWith('{') && trimmed.endsWith('}')) {
    let record: unknown;
    try {
      record = JSON.parse(trimmed);
    } catch {
      return { kind: 'text', text: line };
    }
    if (typeof record === 'object' && record !== null) {
      const r = record as Record<string, unknown>;
      const stats = r['stats'];
      if (typeof stats === 'object' && stats !== null) {
        const s = stats as Record<string, unknown>;
        const eta = s['eta'];
        return {
          kind: 'stats',
          progress: {
            bytesDone: num(s['bytes']),
            bytesTotal: num(s['totalBytes']),
            objectsDone: num(s['transfers']) + num(s['checks']),
            objectsTotal: num(s['totalTransfers']) + num(s['totalChecks']),
            speed: num(s['speed']),
            etaSeconds: typeof eta === 'number' && Number.isFinite(eta) ? eta : null,
          },
          errors: num(s['errors']),
        };
      }
      if (typeof r['msg'] === 'string') {
        return {
          kind: 'log',
          level: typeof r['level'] === 'string' ? r['level'] : 'info',
          message: r['msg'],
          object: typeof r['object'] === 'string' ? r['object'] : undefined,
        };
      }
    }
  }
  return { kind: 'text', text: line };
}
