/** One family of rclone flags that `flags` may not contain, with the reason shown to the operator. */
export interface RejectedFlagRule {
  /**
   * Long flag names, matched after lowercasing and `_` -> `-`; one `*` matches any run of
   * characters (`--delete*` is a prefix, `--*-token` a suffix).
   */
  names: readonly string[];
  /** Single-letter spellings (`-n`); also found inside combined short flags (`-vn`). */
  short?: readonly string[];
  reason: string;
  /** The flag's value is a secret: masked wherever a config is shown, never echoed in a message. */
  secret?: boolean;
}

const SECRETS_ON_ARGV =
  "its value would be on rclone's command line, visible to every local user (ps)";

/** The flags that would break the checkpoint-sync contract or put a secret on argv, each with why. */
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
    reason: `${SECRETS_ON_ARGV}; set access_key and secret_key (rclone gets them through its environment), or leave both unset to use environment credentials (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN, IRSA, a profile)`,
    secret: true,
  },
  {
    names: ['--password-command'],
    reason: `rclone's config file is not used (--config ""), so there is no password to supply; the command, and any password in it, would be on rclone's command line, visible to every local user (ps)`,
    secret: true,
  },
  {
    names: ['--log-file', '--log-format', '--use-json-log', '--stats*', '--progress*', '--syslog*'],
    short: ['P'],
    reason: 'the adapter owns rclone logging and progress reporting and parses them',
  },
  {
    names: ['--rc-pass'],
    reason: `would open rclone's remote-control HTTP port on every transfer, and ${SECRETS_ON_ARGV}`,
    secret: true,
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
  {
    // Options of other backends that carry a password, token or key (rclone 1.60.1 marks most of
    // them "(obscured)" or "(password)" in `rclone help flags`). The sync's remote is S3.
    names: [
      '--http-headers',
      '--webdav-headers',
      '--webdav-bearer-token-command',
      '--*-pass',
      '--*-password',
      '--*-password2',
      '--*-passphrase',
      '--*-secret',
      '--*-token',
      '--*-key',
      '--*-key-base64',
      '--*-key-md5',
      '--*-key-pem',
      '--*-access-key-id',
      '--*-credentials',
      '--*-authorization',
      '--*-sas-url',
      '--*-access-grant',
      '--*-mnemonic',
    ],
    reason: `${SECRETS_ON_ARGV}. It configures a backend feldera-sync never uses (the remote is S3, configured through the environment): remove it`,
    secret: true,
  },
];

/**
 * Secret-carrying flags that are allowed: the rclone adapter passes their value through rclone's
 * environment (`RCLONE_CONFIG_<REMOTE>_<OPTION>`, the option named here), never on argv, and
 * every shown config masks it. There is no sync setting for them, so refusing would rule out SSE.
 */
export const ENVIRONMENT_RCLONE_FLAGS: ReadonlyMap<string, string> = new Map([
  ['--s3-sse-customer-key', 'sse_customer_key'],
  ['--s3-sse-customer-key-base64', 'sse_customer_key_base64'],
  ['--s3-sse-customer-key-md5', 'sse_customer_key_md5'],
  // An ARN naming the account and the key; rclone's newer releases mark it sensitive too.
  ['--s3-sse-kms-key-id', 'sse_kms_key_id'],
]);

/** Flags whose names look secret but whose value is not: a file path or a switch. */
const SECRET_LOOKALIKES: readonly string[] = ['--client-key', '--ask-password', '--*-ask-password'];

/** rclone's HTTP header flags: allowed, except for headers that carry credentials. */
const HEADER_FLAGS: ReadonlySet<string> = new Set([
  '--header',
  '--header-upload',
  '--header-download',
]);

/** Header names that carry credentials (Authorization, X-Amz-Security-Token, SSE-C keys, cookies, API keys). */
const SECRET_HEADER_NAME =
  /auth|token|secret|passw|cookie|credential|signature|session|api-?key|(^|-)key($|-)/i;

/** A URL with a user-info part (`scheme://user:password@`). */
const URL_WITH_CREDENTIALS = /[a-z][a-z0-9+.-]*:\/\/[^/@\s]+@/i;

/** Flags that restate a sync setting; appended last they win, so the setting is silently overridden. */
export const FIELD_OVERRIDING_FLAGS: ReadonlyMap<string, string> = new Map([
  ['--transfers', 'transfers'],
  ['--checkers', 'checkers'],
  ['--ignore-checksum', 'ignore_checksum'],
  ['--multi-thread-streams', 'multi_thread_streams'],
  ['--multi-thread-cutoff', 'multi_thread_cutoff'],
  ['--s3-upload-concurrency', 'upload_concurrency'],
  ['--s3-provider', 'provider'],
  ['--s3-endpoint', 'endpoint'],
  ['--s3-region', 'region'],
]);

/** A `flags` element that is refused. */
export interface FlagRejection {
  index: number;
  rule: 'flag-rejected' | 'flag-positional' | 'flag-empty';
  /** The flag name as matched (`--delete-after`, `-n`), never its value. */
  flag: string;
  reason: string;
  /** The refusal keeps a secret off rclone's command line. */
  secret: boolean;
}

/** A `flags` element that is allowed but overrides a sync setting. */
export interface FlagOverride {
  index: number;
  flag: string;
  field: string;
}

/** A flag the rclone adapter passes through rclone's environment instead of its command line. */
export interface EnvironmentFlag {
  /** Index of the flag element (its value may be the next element). */
  index: number;
  /** Canonical flag name, e.g. `--s3-sse-customer-key`. */
  flag: string;
  /** rclone's option name, e.g. `sse_customer_key` (`RCLONE_CONFIG_<REMOTE>_SSE_CUSTOMER_KEY`). */
  option: string;
  value: string;
}

function matchesName(pattern: string, name: string): boolean {
  const star = pattern.indexOf('*');
  if (star < 0) return name === pattern;
  const head = pattern.slice(0, star);
  const tail = pattern.slice(star + 1);
  return name.length >= head.length + tail.length && name.startsWith(head) && name.endsWith(tail);
}

/** `--S3_SSE_Customer_Key` -> `--s3-sse-customer-key`: the spelling rules match against. */
export function canonicalFlagName(name: string): string {
  return name.toLowerCase().replace(/_/g, '-');
}

/** How one long-flag element is written: canonical name and the value written inside it, if any. */
interface LongFlag {
  name: string;
  /** Written as `--flag=value` or `--flag value` in one element; undefined for `--flag`. */
  inline: string | undefined;
  /** Where the inline value starts in the (trimmed) element, to mask it in place. */
  valueStart: number;
  /** Written with one dash (`-s3-...`). */
  singleDash?: boolean;
}

/** `-s3-secret-access-key=...`: a long name written with one dash, which rclone reads as short flags. */
const SINGLE_DASH_LONG = /^-[A-Za-z][A-Za-z0-9]*[-_]/;

function singleDashFlag(flag: string): LongFlag {
  const long = parseLongFlag(`-${flag}`);
  return { ...long, valueStart: long.valueStart - 1, singleDash: true };
}

function parseLongFlag(flag: string): LongFlag {
  const cut = /[=\s]/.exec(flag);
  if (!cut) return { name: canonicalFlagName(flag), inline: undefined, valueStart: flag.length };
  return {
    name: canonicalFlagName(flag.slice(0, cut.index)),
    inline: flag.slice(cut.index + 1).trim(),
    valueStart: cut.index + 1,
  };
}

/** What a long flag name means here, in the order rules apply. */
type LongFlagPolicy =
  | { kind: 'environment'; option: string }
  | { kind: 'rejected'; rule: RejectedFlagRule }
  | { kind: 'header' }
  | { kind: 'pass' };

function longFlagPolicy(name: string): LongFlagPolicy {
  const option = ENVIRONMENT_RCLONE_FLAGS.get(name);
  if (option !== undefined) return { kind: 'environment', option };
  if (HEADER_FLAGS.has(name)) return { kind: 'header' };
  if (SECRET_LOOKALIKES.some((pattern) => matchesName(pattern, name))) return { kind: 'pass' };
  const rule = REJECTED_RCLONE_FLAGS.find((r) => r.names.some((p) => matchesName(p, name)));
  return rule ? { kind: 'rejected', rule } : { kind: 'pass' };
}

function ruleForShort(letter: string): RejectedFlagRule | undefined {
  return REJECTED_RCLONE_FLAGS.find((rule) => rule.short?.includes(letter) === true);
}

/** One flag element as the checks see it. */
interface ScannedFlag {
  index: number;
  /** Trimmed element. */
  text: string;
  long: LongFlag | null;
  policy: LongFlagPolicy | null;
  /** The value of a value-taking flag the rules look at (inline, or the next element). */
  value: string | undefined;
  /** Index of the element holding the value when it is the next one. */
  valueIndex: number | null;
  /** The value is a secret: never on argv, masked when shown. */
  secretValue: boolean;
}

function headerIsSecret(value: string | undefined): boolean {
  if (value === undefined) return false;
  const colon = value.indexOf(':');
  return colon < 0 || SECRET_HEADER_NAME.test(value.slice(0, colon).trim());
}

/**
 * Walks `flags` once: each element with its canonical name and policy, and for the flags whose
 * value matters (secrets, headers) that value and where it is. Value elements of such flags are
 * not scanned as flags themselves (rclone takes the next argument as the value, whatever it is).
 */
function scanFlags(flags: readonly unknown[]): ScannedFlag[] {
  const out: ScannedFlag[] = [];
  for (let index = 0; index < flags.length; index++) {
    const raw = flags[index];
    if (typeof raw !== 'string') continue;
    const text = raw.trim();
    const singleDash = SINGLE_DASH_LONG.test(text);
    if ((!text.startsWith('--') && !singleDash) || text === '--') {
      out.push({
        index,
        text,
        long: null,
        policy: null,
        value: undefined,
        valueIndex: null,
        secretValue: false,
      });
      continue;
    }
    const long = singleDash ? singleDashFlag(text) : parseLongFlag(text);
    const policy = longFlagPolicy(long.name);
    const takesValue =
      policy.kind === 'environment' ||
      policy.kind === 'header' ||
      (policy.kind === 'rejected' && policy.rule.secret === true);
    let value = long.inline;
    let valueIndex: number | null = null;
    if (takesValue && value === undefined && index + 1 < flags.length) {
      const next = flags[index + 1];
      if (typeof next === 'string') {
        value = next;
        valueIndex = index + 1;
      }
    }
    const secretValue =
      policy.kind === 'environment' ||
      (policy.kind === 'rejected' && policy.rule.secret === true) ||
      (policy.kind === 'header' && headerIsSecret(value));
    out.push({ index, text, long, policy, value, valueIndex, secretValue });
    if (valueIndex !== null) index = valueIndex;
  }
  return out;
}

/**
 * Checks extra rclone flags: rejects those in REJECTED_RCLONE_FLAGS (in `--flag`, `--flag=value`,
 * `--flag value` and combined short forms, long names in any case and with `_` for `-`), header
 * flags carrying credentials, URLs with credentials, empty elements, `--` and a leading positional
 * word (rclone would take it as an extra path), and reports flags that override a sync setting.
 * Secret flags in ENVIRONMENT_RCLONE_FLAGS pass (the adapter moves them into the environment).
 */
export function checkRcloneFlags(flags: readonly string[]): {
  rejections: FlagRejection[];
  overrides: FlagOverride[];
} {
  const rejections: FlagRejection[] = [];
  const overrides: FlagOverride[] = [];
  const reject = (index: number, flag: string, reason: string, secret = false): void => {
    rejections.push({ index, rule: 'flag-rejected', flag, reason, secret });
  };
  const scanned = scanFlags(flags);
  scanned.forEach((item, position) => {
    const { index, text: flag, long, policy } = item;
    if (flag.length === 0) {
      rejections.push({
        index,
        rule: 'flag-empty',
        flag: '',
        reason: 'an empty argument would reach rclone as an extra path',
        secret: false,
      });
      return;
    }
    if (flag === '--') {
      reject(index, flag, '"--" makes rclone read every later flag as a path');
      return;
    }
    if (long && policy) {
      const name = long.name;
      if (long.singleDash === true) {
        reject(
          index,
          name,
          'a long flag needs two dashes: rclone would read this element as short flags, fail, and print it whole',
          item.secretValue,
        );
        return;
      }
      switch (policy.kind) {
        case 'environment':
          if (item.value === undefined || item.value === '')
            reject(index, name, `needs a value, e.g. ${name}=VALUE`, true);
          return;
        case 'rejected':
          reject(index, name, policy.rule.reason, policy.rule.secret === true);
          return;
        case 'header':
          if (item.value !== undefined && !item.value.includes(':')) {
            reject(
              index,
              name,
              `takes "Name: value"; rclone would exit printing the value it could not parse`,
              true,
            );
          } else if (item.secretValue) {
            reject(
              index,
              name,
              `${SECRETS_ON_ARGV}; this header carries credentials: S3 keys go in access_key/secret_key, SSE-C keys in --s3-sse-customer-key (passed through the environment)`,
              true,
            );
          }
          return;
        case 'pass':
          break;
      }
      if (long.inline !== undefined && URL_WITH_CREDENTIALS.test(long.inline)) {
        reject(index, name, urlReason(), true);
        return;
      }
      const field = FIELD_OVERRIDING_FLAGS.get(name);
      if (field !== undefined) overrides.push({ index, flag: name, field });
      return;
    }
    if (/^-[A-Za-z]+(=.*)?$/.test(flag)) {
      const letters = flag.slice(1).split('=')[0] ?? '';
      for (const letter of new Set(letters)) {
        const rule = ruleForShort(letter);
        if (rule) reject(index, `-${letter}`, rule.reason);
      }
      return;
    }
    if (URL_WITH_CREDENTIALS.test(flag)) {
      const previous = scanned[position - 1];
      reject(index, previous?.long?.name ?? '', urlReason(), true);
      return;
    }
    // A word after a flag is that flag's value; as the very first element it can only be a path.
    if (index === 0 && !flag.startsWith('-')) {
      rejections.push({
        index,
        rule: 'flag-positional',
        flag: '',
        reason: 'the first element is not a flag: rclone would take it as an extra path',
        secret: false,
      });
    }
  });
  return { rejections, overrides };
}

function urlReason(): string {
  return `a URL with user:password ${SECRETS_ON_ARGV.slice('its value '.length)}; put credentials in access_key and secret_key`;
}

/** The secret flags of `flags` that go through rclone's environment, with their values. */
export function environmentRcloneFlags(flags: readonly string[]): EnvironmentFlag[] {
  const out: EnvironmentFlag[] = [];
  for (const item of scanFlags(flags)) {
    if (item.policy?.kind === 'environment' && item.long && item.value !== undefined)
      out.push({
        index: item.index,
        flag: item.long.name,
        option: item.policy.option,
        value: item.value,
      });
  }
  return out;
}

/**
 * `flags` without the elements of ENVIRONMENT_RCLONE_FLAGS (flag and value), i.e. what may go on
 * rclone's command line once those are passed through its environment.
 */
export function commandLineRcloneFlags(flags: readonly string[]): string[] {
  const drop = new Set<number>();
  for (const item of scanFlags(flags)) {
    if (item.policy?.kind !== 'environment') continue;
    drop.add(item.index);
    if (item.valueIndex !== null) drop.add(item.valueIndex);
  }
  return flags.filter((_, index) => !drop.has(index));
}

/** Every secret value written in `flags` (secret flags, credential headers, URL passwords), for masking messages. */
export function rcloneFlagSecrets(flags: readonly unknown[]): string[] {
  const out: string[] = [];
  for (const item of scanFlags(flags)) {
    if (item.secretValue && item.value !== undefined) {
      out.push(item.value);
      // A header's secret is what follows its name.
      const colon = item.value.indexOf(':');
      if (item.policy?.kind === 'header' && colon >= 0)
        out.push(item.value.slice(colon + 1).trim());
    }
    const url = URL_WITH_CREDENTIALS.exec(item.text);
    if (url) {
      const userinfo = url[0].slice(url[0].indexOf('//') + 2, -1);
      out.push(userinfo, ...userinfo.split(':'));
    }
  }
  return out.filter((secret) => secret.length > 0);
}

/**
 * A copy of `flags` with every secret value masked: `--flag=***`, `--flag` followed by `***`,
 * `--header=Authorization: ***`, `https://user:***@host`. Non-strings are kept for the caller.
 */
export function maskRcloneFlags(flags: readonly unknown[], mask: string): unknown[] {
  const out = [...flags];
  for (const item of scanFlags(flags)) {
    const raw = flags[item.index];
    if (typeof raw === 'string' && URL_WITH_CREDENTIALS.test(raw))
      out[item.index] = maskUrl(raw, mask);
    if (!item.secretValue || !item.long) continue;
    const header = item.policy?.kind === 'header';
    const masked = (value: string): string => {
      const colon = value.indexOf(':');
      return header && colon >= 0 ? `${value.slice(0, colon)}: ${mask}` : mask;
    };
    if (item.valueIndex !== null) {
      const value = flags[item.valueIndex];
      out[item.valueIndex] = typeof value === 'string' ? masked(value) : mask;
    } else if (item.long.inline !== undefined) {
      const separator = item.text.charAt(item.long.valueStart - 1);
      out[item.index] =
        `${item.text.slice(0, item.long.valueStart - 1)}${separator}${masked(item.long.inline)}`;
    }
  }
  return out;
}

function maskUrl(text: string, mask: string): string {
  return text.replace(
    /([a-z][a-z0-9+.-]*:\/\/)([^/@\s]+)@/gi,
    (_all, scheme: string, userinfo: string) => {
      const colon = userinfo.indexOf(':');
      return colon < 0 ? `${scheme}${mask}@` : `${scheme}${userinfo.slice(0, colon)}:${mask}@`;
    },
  );
}
