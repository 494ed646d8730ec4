/**
 * What the store's extra rclone `flags` mean for the direct S3 client (src/s3/client.ts): rclone
 * semantics, so they live with the rclone adapter, not with the client.
 */

/** Flags that change nothing for a single small-object request (tuning, transfer, logging). */
const IGNORED_WITH_VALUE = new Set([
  '--transfers',
  '--checkers',
  '--multi-thread-streams',
  '--multi-thread-cutoff',
  '--s3-upload-concurrency',
  '--s3-upload-cutoff',
  '--s3-chunk-size',
  '--s3-copy-cutoff',
  '--buffer-size',
  '--stats',
  '--stats-log-level',
  '--retries',
  '--retries-sleep',
  '--bwlimit',
  '--max-backlog',
  '--log-level',
  '--use-mmap',
  '--s3-memory-pool-flush-time',
]);
const IGNORED_SWITCHES = new Set([
  '--fast-list',
  '--no-traverse',
  '--s3-disable-checksum',
  '--s3-no-check-bucket',
  '--s3-no-head',
  '--s3-no-head-object',
  '--use-json-log',
  '--use-server-modtime',
  '--no-update-modtime',
  '--immutable',
  '--ignore-checksum',
  '--s3-force-path-style',
  '--s3-v2-auth=false',
  '-v',
  '-q',
  '--progress',
  '-P',
]);

/** What the store's extra rclone `flags` mean for direct requests; `unsupported` names one we cannot honour. */
export interface DirectFlagSettings {
  unsupported: string | null;
  putHeaders: Record<string, string>;
  connectMs: number | null;
  responseMs: number | null;
  lowLevelRetries: number | null;
}

/** rclone durations: `1s`, `500ms`, `2m`, `1h30m`, or a bare number of seconds. */
export function parseRcloneDuration(text: string): number | null {
  if (/^\d+(\.\d+)?$/.test(text)) return Number(text) * 1000;
  const units = new Map([
    ['ms', 1],
    ['s', 1000],
    ['m', 60_000],
    ['h', 3_600_000],
  ]);
  let total = 0;
  let rest = text;
  while (rest !== '') {
    const m = /^(\d+(?:\.\d+)?)(ms|s|m|h)/.exec(rest);
    if (!m) return null;
    total += Number(m[1]) * (units.get(m[2]!) ?? 0);
    rest = rest.slice(m[0].length);
  }
  return text === '' ? null : total;
}

/** Reads the extra rclone flags: honours timeouts, retries and server-side encryption, ignores tuning, refuses the rest. */
export function directFlagSettings(flags: readonly string[]): DirectFlagSettings {
  const out: DirectFlagSettings = {
    unsupported: null,
    putHeaders: Object.create(null) as Record<string, string>,
    connectMs: null,
    responseMs: null,
    lowLevelRetries: null,
  };
  for (let i = 0; i < flags.length; i++) {
    const flag = flags[i]!;
    const eq = flag.indexOf('=');
    // The name ends at "=" or at a space ("--flag value" in one element): never report a value.
    const name = (eq > 0 ? flag.slice(0, eq) : flag).split(/\s/)[0] ?? '';
    const inline = eq > 0 ? flag.slice(eq + 1) : undefined;
    const value = (): string | undefined => inline ?? flags[++i];
    if (
      IGNORED_SWITCHES.has(flag) ||
      (IGNORED_SWITCHES.has(name) && /^(true|false)$/.test(inline ?? ''))
    )
      continue;
    if (IGNORED_WITH_VALUE.has(name)) {
      value();
      continue;
    }
    switch (name) {
      case '--contimeout':
      case '--timeout': {
        const ms = parseRcloneDuration(value() ?? '');
        if (ms === null) return { ...out, unsupported: flag };
        if (name === '--contimeout') out.connectMs = ms;
        else out.responseMs = ms;
        continue;
      }
      case '--low-level-retries': {
        const n = Number(value());
        if (!Number.isInteger(n) || n < 0) return { ...out, unsupported: flag };
        out.lowLevelRetries = n;
        continue;
      }
      case '--s3-server-side-encryption': {
        const v = value();
        if (!v) return { ...out, unsupported: flag };
        out.putHeaders['x-amz-server-side-encryption'] = v;
        continue;
      }
      default:
        return { ...out, unsupported: name };
    }
  }
  return out;
}
