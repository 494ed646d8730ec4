import { SyncError } from '@feldera-sync/errors';

/** Error codes of the config package; part of the API. */
export const ConfigErrorCodes = {
  /** The configuration is invalid; `ConfigError.issues` lists every problem. */
  invalid: 'ERR_CONFIG_INVALID',
} as const;

/** One of the codes in `ConfigErrorCodes`. */
export type ConfigErrorCode = (typeof ConfigErrorCodes)[keyof typeof ConfigErrorCodes];

/** Error code of every invalid configuration (`ConfigErrorCodes.invalid`). */
export const ERR_CONFIG_INVALID = ConfigErrorCodes.invalid;

/** One reason a configuration was rejected. */
export interface ConfigIssue {
  /** JSONPath of the offending value, e.g. `$.storage.backend.config.sync.bucket` or `$.bucket`. */
  path: string;
  /** Stable rule name (`required`, `type`, `range`, `bucket-name`, `flag-rejected`, ...). */
  rule: string;
  /** What is wrong, for people; never contains a secret. */
  message: string;
  /** The offending value with secrets masked as "***"; undefined when the value is missing. */
  value: unknown;
}

/** Something accepted but worth telling the operator (unknown key, default applied, legacy spelling). */
export interface ConfigWarning {
  path: string;
  rule: string;
  message: string;
}

/** Short, single-line rendering of a (masked) value for messages. */
export function describeValue(value: unknown): string {
  if (value === undefined) return 'missing';
  let text: string;
  try {
    text = JSON.stringify(value) ?? typeof value;
  } catch {
    // Only non-JSON values (bigint, cycles) get here; a config parsed from JSON never does.
    text = typeof value;
  }
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

/** One line per issue: path, what is wrong, rule and value. */
export function formatIssue(issue: ConfigIssue): string {
  return `${issue.path}: ${issue.message} (rule: ${issue.rule}; value: ${describeValue(issue.value)})`;
}

/** Thrown for an invalid configuration; `issues` lists every problem, secrets masked. */
export class ConfigError extends SyncError {
  readonly issues: readonly ConfigIssue[];
  readonly warnings: readonly ConfigWarning[];

  constructor(
    issues: readonly ConfigIssue[],
    options: { what?: string; warnings?: readonly ConfigWarning[] } = {},
  ) {
    const what = options.what ?? 'configuration';
    const count = issues.length === 1 ? '1 problem' : `${issues.length} problems`;
    super(
      ERR_CONFIG_INVALID,
      `Invalid ${what} (${count}):\n${issues.map((issue) => `  - ${formatIssue(issue)}`).join('\n')}`,
      {
        hint: 'Fix each listed field; the path says where it is and the rule what it must satisfy.',
        details: { issues: issues.map((issue) => ({ ...issue })) },
      },
    );
    this.name = 'ConfigError';
    this.issues = issues;
    this.warnings = options.warnings ?? [];
  }
}

/** True for a ConfigError, including one from another copy of this package. */
export function isConfigError(value: unknown): value is ConfigError {
  return (
    value instanceof ConfigError ||
    (value instanceof Error &&
      (value as { code?: unknown }).code === ERR_CONFIG_INVALID &&
      Array.isArray((value as { issues?: unknown }).issues))
  );
}
