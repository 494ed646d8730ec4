import { editDistance } from './did-you-mean.js';
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

/** Folded spellings (lowercase, letters and digits only) of secret keys, ours and AWS's. */
const SECRET_KEY_FOLDS: ReadonlySet<string> = new Set([
  'accesskey',
  'secretkey',
  'accesskeyid',
  'secretaccesskey',
  'sessiontoken',
  'awsaccesskeyid',
  'awssecretaccesskey',
  'awssessiontoken',
  'pass',
]);

/** Words that make any key a secret one (`api_token`, `db_password`, `client_secret`, ...). */
const SECRET_KEY_WORDS = /secret|passw|token|credential|privatekey|apikey/;

/**
 * True for a key whose value must be treated as a secret: the accepted spellings and every near
 * miss of them (`Secret_Key`, `SECRET-KEY`, `secretkey`, `secret_kye`, `aws_secret_access_key`),
 * plus keys naming a password, token or credential. Misspelt keys are ignored with a warning, but
 * their values are secrets all the same and must never be echoed.
 */
export function isSecretKeyName(key: string): boolean {
  if (SECRET_KEYS.has(key)) return true;
  if (key.length > 100) return false;
  const folded = key.toLowerCase().replace(/[^a-z0-9]/g, '');
  if (folded.length === 0) return false;
  if (SECRET_KEY_FOLDS.has(folded) || SECRET_KEY_WORDS.test(folded)) return true;
  // Two typos away from a long secret spelling ("acesskey", "secertkey", "secret_ky", "sessoin_token").
  for (const fold of SECRET_KEY_FOLDS) {
    if (fold.length >= 9 && Math.abs(fold.length - folded.length) <= 2) {
      if (editDistance(folded, fold) <= 2) return true;
    }
  }
  return false;
}

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
 * Deep copy of any config-like value with the values of secret keys (`access_key`, `secret_key`,
 * their camelCase spellings and every near miss, see `isSecretKeyName`) replaced by "***", secret
 * rclone flag values masked and endpoint passwords masked. Works on unvalidated input; null and
 * absent secrets stay as they are so "not set" remains visible.
 */
export function redactConfig<T>(config: T): T {
  return redactValue(config, undefined) as T;
}

function redactValue(value: unknown, key: string | undefined): unknown {
  if (key !== undefined && isSecretKeyName(key) && value !== null && value !== undefined) {
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
