import { RcloneErrorCodes, rcloneError } from './errors.js';

/** One object as rclone lists it, with its key relative to the bucket location. */
export interface RcloneEntry {
  key: string;
  size: number;
  modTime?: string | undefined;
}

/** The installed rclone's version, e.g. `1.60.1-DEV`. */
export interface RcloneVersion {
  version: string;
  major: number;
  minor: number;
  patch: number;
}

/** Outcome of `rclone check --one-way --combined`. */
export interface RcloneCheckReport {
  /** True when every checked file matched. */
  clean: boolean;
  match: string[];
  /** Present on both sides with different size or hash. */
  differ: string[];
  /** Local files missing from the store. */
  missingOnRemote: string[];
  /** Objects missing locally (only listed without `--one-way`). */
  missingOnLocal: string[];
  /** Files rclone could not compare. */
  errors: string[];
}

function badOutput(what: string, text: string): never {
  throw rcloneError(RcloneErrorCodes.other, `could not parse the output of rclone ${what}`, {
    exitCode: 0,
    stderrTail: [],
    stdoutHead: text.slice(0, 200),
  });
}

function toEntry(record: unknown, keyPrefix: string): RcloneEntry | null {
  if (typeof record !== 'object' || record === null) return null;
  const r = record as Record<string, unknown>;
  if (r['IsDir'] === true || typeof r['Path'] !== 'string' || typeof r['Size'] !== 'number')
    return null;
  return {
    key: keyPrefix + r['Path'],
    size: r['Size'],
    ...(typeof r['ModTime'] === 'string' ? { modTime: r['ModTime'] } : {}),
  };
}

/** Parses `lsjson -R` output; keys get `keyPrefix` (the listed directory) prepended. Sorted by key. */
export function parseLsjson(text: string, keyPrefix: string): RcloneEntry[] {
  let records: unknown;
  try {
    records = JSON.parse(text);
  } catch {
    return badOutput('lsjson', text);
  }
  if (!Array.isArray(records)) return badOutput('lsjson', text);
  const out: RcloneEntry[] = [];
  for (const record of records) {
    const entry = toEntry(record, keyPrefix);
    if (entry) out.push(entry);
  }
  return out.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
}

/** Parses `lsjson --stat` output for `key`: null when rclone reports a directory (no such object). */
export function parseLsjsonStat(text: string, key: string): RcloneEntry | null {
  let record: unknown;
  try {
    record = JSON.parse(text);
  } catch {
    return badOutput('lsjson --stat', text);
  }
  const entry = toEntry(record, '');
  return entry ? { ...entry, key } : null;
}

/** Parses the first line of `rclone version`, e.g. `rclone v1.60.1-DEV`. */
export function parseVersion(text: string): RcloneVersion {
  const match = /^rclone v?((\d+)\.(\d+)\.(\d+)\S*)/m.exec(text);
  if (!match?.[1] || !match[2] || !match[3] || !match[4]) return badOutput('version', text);
  return {
    version: match[1],
    major: Number(match[2]),
    minor: Number(match[3]),
    patch: Number(match[4]),
  };
}

/** Parses the provider names listed under `--s3-provider` in `rclone help backend s3`. */
export function parseProviders(text: string): string[] {
  const start = text.indexOf('#### --s3-provider');
  if (start < 0) return [];
  const end = text.indexOf('####', start + 5);
  const section = text.slice(start, end < 0 ? undefined : end);
  const out: string[] = [];
  for (const match of section.matchAll(/^\s+- "([^"]+)"\s*$/gm)) if (match[1]) out.push(match[1]);
  return out;
}

/** Parses the `--combined` report of `rclone check`. */
export function parseCheckReport(text: string): RcloneCheckReport {
  const report: RcloneCheckReport = {
    clean: true,
    match: [],
    differ: [],
    missingOnRemote: [],
    missingOnLocal: [],
    errors: [],
  };
  for (const line of text.split('\n')) {
    if (line.length < 3 || line.charAt(1) !== ' ') continue;
    const file = line.slice(2);
    switch (line.charAt(0)) {
      case '=':
        report.match.push(file);
        break;
      case '*':
        report.differ.push(file);
        break;
      // `+`: only in the source (local), `-`: only in the destination (the store).
      case '+':
        report.missingOnRemote.push(file);
        break;
      case '-':
        report.missingOnLocal.push(file);
        break;
      case '!':
        report.errors.push(file);
        break;
      default:
        break;
    }
  }
  report.clean =
    report.differ.length === 0 &&
    report.missingOnRemote.length === 0 &&
    report.missingOnLocal.length === 0 &&
    report.errors.length === 0;
  return report;
}
