import type { ConfigWarning } from './config-error.js';
import { didYouMean } from './did-you-mean.js';
import type { PathSegment } from './json-path.js';
import { formatJsonPath } from './json-path.js';

/** A problem found before schema validation; the path uses canonical key names. */
export interface PendingIssue {
  path: PathSegment[];
  rule: string;
  message: string;
}

/** A key accepted under another spelling; used to report paths the way the user wrote them. */
export interface KeyRename {
  parent: PathSegment[];
  canonical: string;
  original: string;
}

/** Everything the input walk reports. */
export interface WalkReport {
  issues: PendingIssue[];
  warnings: ConfigWarning[];
  renames: KeyRename[];
}

/** What one object level accepts. */
export interface ObjectLevel {
  /** Keys this package reads. */
  known: readonly string[];
  /** Keys valid for Feldera that feldera-sync does not use: warned about as ignored, not as typos. */
  ignored?: readonly string[];
}

/** `pullInterval` -> `pull_interval`. */
export function snakeCase(key: string): string {
  return key.replace(/[A-Z]/g, (letter) => `_${letter.toLowerCase()}`);
}

/** Creates an own data property even for keys like `__proto__`. */
export function setOwn(target: Record<string, unknown>, key: string, value: unknown): void {
  Object.defineProperty(target, key, {
    value,
    enumerable: true,
    writable: true,
    configurable: true,
  });
}

/**
 * Copies the known keys of one object level, renaming camelCase spellings (with a warning),
 * and reports unknown and ignored keys as warnings; they are left out of the copy.
 */
export function pickKnownKeys(
  raw: Record<string, unknown>,
  path: PathSegment[],
  level: ObjectLevel,
  report: WalkReport,
): Record<string, unknown> {
  // Null prototype: a key read from `out` is one the input set, never one inherited from Object.
  const out = Object.create(null) as Record<string, unknown>;
  for (const [key, value] of Object.entries(raw)) {
    if (level.known.includes(key)) {
      setOwn(out, key, value);
      continue;
    }
    const canonical = snakeCase(key);
    if (canonical !== key && level.known.includes(canonical)) {
      if (Object.prototype.hasOwnProperty.call(raw, canonical)) {
        report.issues.push({
          path: [...path, key],
          rule: 'duplicate-key',
          message: `is the same setting as ${canonical}, which is also set; keep only ${canonical}`,
        });
        continue;
      }
      setOwn(out, canonical, value);
      report.renames.push({ parent: path, canonical, original: key });
      report.warnings.push({
        path: formatJsonPath([...path, key]),
        rule: 'key-spelling',
        message: `accepted as ${canonical}; write ${canonical}, the spelling Feldera uses`,
      });
      continue;
    }
    if (level.ignored?.includes(key) === true) {
      report.warnings.push({
        path: formatJsonPath([...path, key]),
        rule: 'ignored-key',
        message: 'is a Feldera setting that feldera-sync does not use; ignored',
      });
      continue;
    }
    const suggestion = didYouMean(key, level.known);
    report.warnings.push({
      path: formatJsonPath([...path, key]),
      rule: 'unknown-key',
      message: `unknown key, ignored${suggestion === undefined ? '' : ` (did you mean ${suggestion}?)`}`,
    });
  }
  return out;
}

/** Maps a canonical path back to the spelling the user wrote, deepest renames first. */
export function originalPath(
  path: readonly PathSegment[],
  renames: readonly KeyRename[],
): PathSegment[] {
  const out = [...path];
  const ordered = [...renames].sort((a, b) => b.parent.length - a.parent.length);
  for (const rename of ordered) {
    const depth = rename.parent.length;
    if (
      out[depth] === rename.canonical &&
      rename.parent.every((segment, i) => out[i] === segment)
    ) {
      out[depth] = rename.original;
    }
  }
  return out;
}

/** True when a key holds something other than null/undefined. */
export function isSet(record: Record<string, unknown>, key: string): boolean {
  return record[key] !== undefined && record[key] !== null;
}
