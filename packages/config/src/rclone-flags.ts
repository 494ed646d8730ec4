/** One family of rclone flags that `flags` may not contain, with the reason shown to the operator. */
export interface RejectedFlagRule {
  /** Long flag names; a trailing `*` matches the name as a prefix (`--delete*`). */
  names: readonly string[];
  /** Single-letter spellings (`-n`); also found inside combined short flags (`-vn`). */
  short?: readonly string[];
  reason: string;
}

/** The flags that would break the checkpoint-sync contract, each with why. */
export const REJECTED_RCLONE_FLAGS: readonly RejectedFlagRule[] = [
  {
    names: ['--delete*', '--max-delete*'],
    reason: 'copies must never delete; remote retention (retention_min_count/age) owns deletion',
  },
  {
    names: ['--config'],
    reason:
      'the remote is configured through environment variables with --config ""; another config file could redirect it or inject credentials',
  },
  {
    names: ['--dry-run'],
    short: ['n'],
    reason: 'nothing would be transferred, yet the push or pull would report success',
  },
  {
    names: ['--interactive'],
    short: ['i'],
    reason: 'rclone would wait for terminal input and hang the sync',
  },
  {
    names: ['--verbose', '--log-level', '--dump*'],
    short: ['v'],
    reason:
      'debug output and dumps print credentials and request signatures; other levels hide the stats lines the adapter reads',
  },
  {
    names: ['--quiet'],
    short: ['q'],
    reason: 'hides the stats lines the adapter reads for progress and errors',
  },
  {
    names: ['--s3-access-key-id', '--s3-secret-access-key', '--s3-session-token'],
    reason:
      'secrets on the command line are visible to every local user (ps); set access_key/secret_key or use environment credentials',
  },
  {
    names: ['--log-file', '--log-format', '--use-json-log', '--stats*', '--progress*', '--syslog*'],
    short: ['P'],
    reason: 'the adapter owns rclone logging and progress reporting and parses them',
  },
  {
    names: ['--rc', '--rc-*'],
    reason: "would open rclone's remote-control HTTP port on every transfer",
  },
  {
    names: ['--immutable'],
    reason:
      'the remote catalog and owner.json are rewritten by design, so every push would fail; batch-file immutability is enforced by the sync itself',
  },
  {
    names: ['--backup-dir', '--suffix*', '--compare-dest', '--copy-dest'],
    reason: 'moves or takes files from locations the catalog and retention do not know about',
  },
  {
    names: [
      '--files-from*',
      '--include*',
      '--exclude*',
      '--filter*',
      '--min-size',
      '--max-size',
      '--min-age',
      '--max-age',
      '--max-depth',
    ],
    reason:
      'filters silently skip checkpoint files, leaving incomplete checkpoints that look complete',
  },
  {
    names: ['--ignore-existing'],
    reason:
      'existing files are never updated, so the rewritten catalog, owner.json and state.json would go stale',
  },
  {
    names: ['--size-only'],
    reason: 'a rewritten catalog or state.json of unchanged size would be skipped and go stale',
  },
  {
    names: ['--update'],
    short: ['u'],
    reason:
      'skips files that look newer at the destination: with clock skew between hosts a newer catalog is never copied',
  },
  {
    names: ['--s3-versions', '--s3-version-at', '--s3-version-deleted'],
    reason:
      'lists old object versions or the bucket as it once was: pulls would install stale checkpoints and pushes fail',
  },
];

/** Flags that restate a sync setting; appended last they win, so the setting is silently overridden. */
export const FIELD_OVERRIDING_FLAGS: Readonly<Record<string, string>> = {
  '--transfers': 'transfers',
  '--checkers': 'checkers',
  '--ignore-checksum': 'ignore_checksum',
  '--multi-thread-streams': 'multi_thread_streams',
  '--multi-thread-cutoff': 'multi_thread_cutoff',
  '--s3-upload-concurrency': 'upload_concurrency',
  '--s3-provider': 'provider',
  '--s3-endpoint': 'endpoint',
  '--s3-region': 'region',
};

/** A `flags` element that is refused. */
export interface FlagRejection {
  index: number;
  rule: 'flag-rejected' | 'flag-positional' | 'flag-empty';
  /** The flag name as matched (`--delete-after`, `-n`), never its value. */
  flag: string;
  reason: string;
}

/** A `flags` element that is allowed but overrides a sync setting. */
export interface FlagOverride {
  index: number;
  flag: string;
  field: string;
}

function matchesName(pattern: string, name: string): boolean {
  return pattern.endsWith('*') ? name.startsWith(pattern.slice(0, -1)) : name === pattern;
}

function ruleForLong(name: string): RejectedFlagRule | undefined {
  return REJECTED_RCLONE_FLAGS.find((rule) =>
    rule.names.some((pattern) => matchesName(pattern, name)),
  );
}

function ruleForShort(letter: string): RejectedFlagRule | undefined {
  return REJECTED_RCLONE_FLAGS.find((rule) => rule.short?.includes(letter) === true);
}

/**
 * Checks extra rclone flags: rejects those in REJECTED_RCLONE_FLAGS (in `--flag`, `--flag=value`
 * and combined short forms), empty elements, `--` and a leading positional word (rclone would take
 * it as an extra path), and reports flags that override a sync setting. Everything else passes.
 */
export function checkRcloneFlags(flags: readonly string[]): {
  rejections: FlagRejection[];
  overrides: FlagOverride[];
} {
  const rejections: FlagRejection[] = [];
  const overrides: FlagOverride[] = [];
  flags.forEach((raw, index) => {
    const flag = raw.trim();
    if (flag.length === 0) {
      rejections.push({
        index,
        rule: 'flag-empty',
        flag: '',
        reason: 'an empty argument would reach rclone as an extra path',
      });
      return;
    }
    if (flag === '--') {
      rejections.push({
        index,
        rule: 'flag-rejected',
        flag,
        reason: '"--" makes rclone read every later flag as a path',
      });
      return;
    }
    if (flag.startsWith('--')) {
      const name = flag.includes('=') ? flag.slice(0, flag.indexOf('=')) : flag;
      const rule = ruleForLong(name);
      if (rule) rejections.push({ index, rule: 'flag-rejected', flag: name, reason: rule.reason });
      const field = FIELD_OVERRIDING_FLAGS[name];
      if (!rule && field !== undefined) overrides.push({ index, flag: name, field });
      return;
    }
    if (/^-[A-Za-z]+(=.*)?$/.test(flag)) {
      const letters = flag.slice(1).split('=')[0] ?? '';
      for (const letter of new Set(letters)) {
        const rule = ruleForShort(letter);
        if (rule)
          rejections.push({
            index,
            rule: 'flag-rejected',
            flag: `-${letter}`,
            reason: rule.reason,
          });
      }
      return;
    }
    // A word after a flag is that flag's value; as the very first element it can only be a path.
    if (index === 0 && !flag.startsWith('-')) {
      rejections.push({
        index,
        rule: 'flag-positional',
        flag: '',
        reason: 'the first element is not a flag: rclone would take it as an extra path',
      });
    }
  });
  return { rejections, overrides };
}
