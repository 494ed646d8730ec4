/** Replaces secrets in text: known secret values plus credential-shaped fragments. */
export type Redactor = (text: string) => string;

const MASK = '***';

// Fragments that carry credentials whatever their value (signed URLs, auth headers, config dumps).
const PATTERNS: readonly RegExp[] = [
  /(X-Amz-(?:Credential|Signature|Security-Token)=)[^&\s"']+/gi,
  /(Credential=)[^,&\s"']+/g,
  /(Signature=)[0-9a-f]+/gi,
  /((?:secret_access_key|access_key_id|session_token|secret_key|access_key)["']?\s*[=:]\s*["']?)[^\s"',}]+/gi,
  /(RCLONE_CONFIG_[A-Z0-9_]*_(?:SECRET_ACCESS_KEY|ACCESS_KEY_ID|SESSION_TOKEN)=)\S+/g,
  /(AWS_(?:SECRET_ACCESS_KEY|ACCESS_KEY_ID|SESSION_TOKEN)=)\S+/g,
];

/** Creates a redactor for the given secret values (empty and very short values are ignored). */
export function createRedactor(secrets: readonly (string | undefined)[]): Redactor {
  // Longest first, so a secret that contains another is masked whole.
  const values = [
    ...new Set(secrets.filter((s): s is string => typeof s === 'string' && s.length >= 4)),
  ].sort((a, b) => b.length - a.length);
  return (text: string): string => {
    let out = text;
    for (const value of values) out = out.split(value).join(MASK);
    for (const pattern of PATTERNS) out = out.replace(pattern, `$1${MASK}`);
    return out;
  };
}
