import type { z } from 'zod';
import type { ConfigIssue, ConfigWarning } from './config-error.js';
import { ConfigError, isConfigError } from './config-error.js';
import {
  FELDERA_FILE_BACKEND_KEYS,
  FELDERA_RUNTIME_KEYS,
  FELDERA_STORAGE_BACKENDS,
  FELDERA_STORAGE_KEYS,
} from './feldera-keys.js';
import type { PendingIssue, WalkReport } from './input-walk.js';
import { originalPath, pickKnownKeys, setOwn } from './input-walk.js';
import type { PathSegment } from './json-path.js';
import { formatJsonPath, isPlainObject, valueAtPath } from './json-path.js';
import { rcloneFlagSecrets } from './rclone-flags.js';
import { isSecretKeyName, redactConfig, redactSecretsDeep, redactSecretsInText } from './redact.js';
import type { RuntimeConfig } from './runtime-config-schema.js';
import { FAULT_TOLERANCE_OFF, RuntimeConfigSchema } from './runtime-config-schema.js';
import type { SyncConfig } from './sync-config-schema.js';
import { SyncConfigSchema } from './sync-config-schema.js';
import { prepareSyncInput } from './sync-rules.js';

/** A parsed sync section. */
export interface ParsedSyncConfig {
  config: SyncConfig;
  warnings: ConfigWarning[];
}

/** A parsed runtime config and its sync section (null when sync is not configured). */
export interface ParsedRuntimeConfig {
  config: RuntimeConfig;
  sync: SyncConfig | null;
  warnings: ConfigWarning[];
}

/** A parsed config file of either shape; `kind` says which shape was detected. */
export type ParsedConfigFile =
  ({ kind: 'runtime' } & ParsedRuntimeConfig) | ({ kind: 'sync' } & ParsedRuntimeConfig);

/** Result of a safe parse: never throws. */
export type SafeParseResult<T> = ({ ok: true } & T) | { ok: false; error: ConfigError };

const SPEC_KEYS_ROOT = ['name', 'storage', 'fault_tolerance'];

/** Every string under a secret key (any spelling) anywhere in `value`, and secret values in rclone flags. */
function collectSecrets(value: unknown, out: Set<string> = new Set()): string[] {
  if (Array.isArray(value)) {
    const items: readonly unknown[] = value;
    for (const secret of rcloneFlagSecrets(items)) out.add(secret);
    for (const item of items) collectSecrets(item, out);
  } else if (isPlainObject(value)) {
    for (const [key, child] of Object.entries(value)) {
      if (isSecretKeyName(key) && typeof child === 'string') out.add(child);
      collectSecrets(child, out);
    }
  }
  return [...out].filter((secret) => secret.length > 0);
}

function ruleOf(issue: z.core.$ZodIssue, missing: boolean): string {
  switch (issue.code) {
    case 'custom':
      return typeof issue.params?.rule === 'string' ? issue.params.rule : 'invalid';
    case 'invalid_type':
      return missing ? 'required' : 'type';
    case 'too_small':
    case 'too_big':
      return 'range';
    case 'invalid_value':
      return 'enum';
    case 'invalid_format':
      return 'format';
    case 'invalid_union':
      return 'type';
    case 'not_multiple_of':
    case 'unrecognized_keys':
    case 'invalid_key':
    case 'invalid_element':
      return issue.code;
  }
}

function messageOf(issue: z.core.$ZodIssue, missing: boolean): string {
  let message = issue.message;
  // zod's own wording ("Invalid input: expected object, received string") is replaced with ours.
  if (issue.code === 'invalid_type' && message.startsWith('Invalid input')) {
    const expected = String(issue.expected);
    message = `must be ${/^[aeiou]/.test(expected) ? 'an' : 'a'} ${expected}`;
  }
  return missing ? `is required (${message})` : message;
}

/** Validates prepared input with `schema` and returns the output or every issue, secrets masked. */
function validate<T>(
  schema: z.ZodType<T>,
  raw: unknown,
  prepared: unknown,
  report: WalkReport,
  what: string,
): { value: T; warnings: ConfigWarning[] } {
  const secrets = collectSecrets(raw);
  const redactedRaw = redactConfig(raw);
  const pending: PendingIssue[] = [...report.issues];
  const result = schema.safeParse(prepared);
  const zodIssues = result.success ? [] : result.error.issues;
  const issues: ConfigIssue[] = [];
  const toIssue = (canonicalPath: PathSegment[], rule: string, message: string): ConfigIssue => {
    const path = originalPath(canonicalPath, report.renames);
    const secretPath = path.some(
      (segment) => typeof segment === 'string' && isSecretKeyName(segment),
    );
    const value = valueAtPath(redactedRaw, path);
    return {
      path: redactSecretsInText(formatJsonPath(path), secrets),
      rule,
      message: redactSecretsInText(message, secrets),
      value:
        secretPath && value !== undefined && value !== null
          ? '***'
          : redactSecretsDeep(value, secrets),
    };
  };
  for (const issue of zodIssues) {
    const path = issue.path.filter((s): s is PathSegment => typeof s !== 'symbol');
    const missing = issue.code === 'invalid_type' && valueAtPath(prepared, path) === undefined;
    issues.push(toIssue(path, ruleOf(issue, missing), messageOf(issue, missing)));
  }
  for (const issue of pending) issues.push(toIssue(issue.path, issue.rule, issue.message));
  const warnings = report.warnings.map((warning) => ({
    path: redactSecretsInText(warning.path, secrets),
    rule: warning.rule,
    message: redactSecretsInText(warning.message, secrets),
  }));
  if (issues.length > 0 || !result.success) throw new ConfigError(issues, { what, warnings });
  return { value: result.data, warnings };
}

function newReport(): WalkReport {
  return { issues: [], warnings: [], renames: [] };
}

/** Parses a bare sync object (the contents of `storage.backend.config.sync`); throws ConfigError. */
export function parseSyncConfig(json: unknown): ParsedSyncConfig {
  const report = newReport();
  const prepared = prepareSyncInput(json, [], report);
  const { value, warnings } = validate(
    SyncConfigSchema,
    json,
    prepared,
    report,
    'sync configuration',
  );
  return { config: value, warnings };
}

function prepareRuntimeInput(raw: unknown, report: WalkReport): unknown {
  if (!isPlainObject(raw)) return raw;
  const root = pickKnownKeys(
    raw,
    [],
    { known: SPEC_KEYS_ROOT, ignored: FELDERA_RUNTIME_KEYS },
    report,
  );
  if (isPlainObject(root.fault_tolerance)) {
    root.fault_tolerance = pickKnownKeys(
      root.fault_tolerance,
      ['fault_tolerance'],
      { known: ['model', 'checkpoint_interval_secs'] },
      report,
    );
  }
  if (!isPlainObject(root.storage)) return root;
  const storage = pickKnownKeys(
    root.storage,
    ['storage'],
    { known: ['backend'], ignored: FELDERA_STORAGE_KEYS },
    report,
  );
  setOwn(root, 'storage', storage);
  if (!isPlainObject(storage.backend)) return root;
  const backendPath = ['storage', 'backend'];
  const backend = pickKnownKeys(
    storage.backend,
    backendPath,
    { known: ['name', 'config'] },
    report,
  );
  setOwn(storage, 'backend', backend);
  const name = backend.name;
  if (typeof name === 'string' && !(FELDERA_STORAGE_BACKENDS as readonly string[]).includes(name)) {
    report.warnings.push({
      path: formatJsonPath([...backendPath, 'name']),
      rule: 'unknown-backend',
      message: `is not a Feldera storage backend (${FELDERA_STORAGE_BACKENDS.join(', ')})`,
    });
  }
  if (!isPlainObject(backend.config)) return root;
  const configPath = [...backendPath, 'config'];
  if (name !== 'file') {
    // Another backend's settings belong to that backend; only a sync section is our business.
    const sync = backend.config.sync;
    if (typeof name === 'string' && sync !== undefined && sync !== null) {
      report.issues.push({
        path: [...configPath, 'sync'],
        rule: 'backend-file',
        message: `checkpoint sync works only with the "file" storage backend, not ${JSON.stringify(name)}`,
      });
    }
    setOwn(backend, 'config', {});
    return root;
  }
  const fileConfig = pickKnownKeys(
    backend.config,
    configPath,
    { known: ['sync'], ignored: FELDERA_FILE_BACKEND_KEYS },
    report,
  );
  setOwn(fileConfig, 'sync', prepareSyncInput(fileConfig.sync, [...configPath, 'sync'], report));
  if (fileConfig.sync === undefined) delete fileConfig.sync;
  setOwn(backend, 'config', fileConfig);
  return root;
}

/** Parses a whole runtime config (`{name?, storage?, fault_tolerance?}`); throws ConfigError. */
export function parseRuntimeConfig(json: unknown): ParsedRuntimeConfig {
  const report = newReport();
  const prepared = prepareRuntimeInput(json, report);
  const { value, warnings } = validate(
    RuntimeConfigSchema,
    json,
    prepared,
    report,
    'runtime configuration',
  );
  return { config: value, sync: value.storage?.backend.config.sync ?? null, warnings };
}

/** Which shape a config file has: a runtime config (has storage/fault_tolerance/name) or a bare sync object. */
export function detectConfigKind(json: unknown): 'runtime' | 'sync' {
  if (!isPlainObject(json)) return 'sync';
  const keys = Object.keys(json);
  if (keys.some((key) => ['storage', 'fault_tolerance', 'faultTolerance'].includes(key)))
    return 'runtime';
  return keys.includes('name') && !keys.includes('bucket') ? 'runtime' : 'sync';
}

/**
 * Parses a config file of either shape. A bare sync object is returned as the runtime config it
 * stands for (file backend, fault tolerance off), so callers handle one shape.
 */
export function parseConfigFile(json: unknown): ParsedConfigFile {
  if (detectConfigKind(json) === 'runtime') return { kind: 'runtime', ...parseRuntimeConfig(json) };
  const { config, warnings } = parseSyncConfig(json);
  return {
    kind: 'sync',
    config: {
      name: null,
      storage: { backend: { name: 'file', config: { sync: config } } },
      fault_tolerance: { ...FAULT_TOLERANCE_OFF },
    },
    sync: config,
    warnings,
  };
}

function safely<T>(parse: () => T): SafeParseResult<T> {
  try {
    return { ok: true, ...parse() };
  } catch (error) {
    if (isConfigError(error)) return { ok: false, error };
    // A bug here must not take the caller down; the cause keeps it debuggable, the message stays secret-free.
    const issue = {
      path: '$',
      rule: 'internal',
      message: 'could not be checked because of an internal error',
      value: undefined,
    };
    const wrapped = new ConfigError([issue]);
    Object.defineProperty(wrapped, 'cause', { value: error, enumerable: false });
    return { ok: false, error: wrapped };
  }
}

/** `parseSyncConfig` that returns the ConfigError instead of throwing it. */
export function safeParseSyncConfig(json: unknown): SafeParseResult<ParsedSyncConfig> {
  return safely(() => parseSyncConfig(json));
}

/** `parseRuntimeConfig` that returns the ConfigError instead of throwing it. */
export function safeParseRuntimeConfig(json: unknown): SafeParseResult<ParsedRuntimeConfig> {
  return safely(() => parseRuntimeConfig(json));
}

/** `parseConfigFile` that returns the ConfigError instead of throwing it. */
export function safeParseConfigFile(json: unknown): SafeParseResult<ParsedConfigFile> {
  return safely(() => parseConfigFile(json));
}
