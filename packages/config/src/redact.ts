import { isPlainObject } from './json-path.js';
import { maskRcloneFlags } from './rclone-flags.js';

/** What every secret is replaced with, in configs, messages and issue values. */
export const REDACTED = '***';

/** Keys whose values are secrets, in every accepted spelling. */
export const SECRET_KEYS: ReadonlySet<string> = new Set([
  'access_key',
  'secret_key',
  'accessKey',
  'secretKey',
]);

/** Masks the secret values of rclone flags (secret flags, credential headers, URL passwords). */
function redactFlags(flags: readonly unknown[]): unknown[] {
  return maskRcloneFlags(flags, REDACTED).map((flag) =>
    typeof flag === 'string' ? flag : redactConfig(flag),
  );
}

/** Masks a password in `scheme://user:password@host` so endpoints can be shown. */
export function redactUrlCredentials(text: string): string {
  return text.replace(
    /^([a-z][a-z0-9+.-]*:\/\/)([^/@\s]*)@/i,
    (_all, scheme: string, userinfo: string) => {
      const colon = userinfo.indexOf(':');
      return colon < 0
        ? `${scheme}${REDACTED}@`
        : `${scheme}${userinfo.slice(0, colon)}:${REDACTED}@`;
    },
  );
}

/**
 * Deep copy of any config-like value with `access_key`/`secret_key` (and their camelCase
 * spellings) replaced by "***", secret rclone flag values masked and endpoint passwords masked. Works on unvalidated input; null and
 * absent secrets stay as they are so "not set" remains visible.
 */
export function redactConfig<T>(config: T): T {
  return redactValue(config, undefined) as T;
}

function redactValue(value: unknown, key: string | undefined): unknown {
  if (key !== undefined && SECRET_KEYS.has(key) && value !== null && value !== undefined) {
    return REDACTED;
  }
  if (Array.isArray(value)) {
    return key === 'flags' ? redactFlags(value) : value.map((item) => redactValue(item, undefined));
  }
  if (isPlainObject(value)) {
    // defineProperty keeps a JSON "__proto__" key an own property instead of a prototype swap.
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) {
      Object.defineProperty(out, k, {
        value: redactValue(v, k),
        enumerable: true,
        writable: true,
        configurable: true,
      });
    }
    return out;
  }
  if (key === 'endpoint' && typeof value === 'string') return redactUrlCredentials(value);
  return value;
}

/** Replaces every occurrence of each non-empty secret in `text` with "***" (longest first, so overlaps mask fully). */
export function redactSecrets(
  text: string,
  secrets: readonly (string | null | undefined)[],
): string {
  const list = [
    ...new Set(secrets.filter((s): s is string => typeof s === 'string' && s.length > 0)),
  ];
  list.sort((a, b) => b.length - a.length);
  let out = text;
  for (const secret of list) out = out.split(secret).join(REDACTED);
  return out;
}

/**
 * Secrets shorter than this are masked only where a whole string equals them: masking every "x"
 * inside messages would make them unreadable, and real keys are far longer.
 */
export const MIN_SUBSTRING_SECRET_LENGTH = 4;

/** Masks a string that is a secret, or contains one of at least MIN_SUBSTRING_SECRET_LENGTH characters. */
export function redactSecretsInText(text: string, secrets: readonly string[]): string {
  if (secrets.includes(text)) return REDACTED;
  return redactSecrets(
    text,
    secrets.filter((secret) => secret.length >= MIN_SUBSTRING_SECRET_LENGTH),
  );
}

/** `redactSecretsInText` applied to every string and object key inside a JSON-like value. */
export function redactSecretsDeep(value: unknown, secrets: readonly string[]): unknown {
  if (secrets.length === 0) return value;
  if (typeof value === 'string') return redactSecretsInText(value, secrets);
  if (Array.isArray(value)) return value.map((item) => redactSecretsDeep(item, secrets));
  if (isPlainObject(value)) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) {
      Object.defineProperty(out, redactSecretsInText(k, secrets), {
        value: redactSecretsDeep(v, secrets),
        enumerable: true,
        writable: true,
        configurable: true,
      });
    }
    return out;
  }
  return value;
}
