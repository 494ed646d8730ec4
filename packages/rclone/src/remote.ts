/** Where and how rclone reaches the bucket. Secrets travel only through rclone's environment. */
export interface RcloneRemote {
  /** rclone S3 provider name, e.g. `Ceph`, `AWS`, `Minio`, `Other`. */
  provider: string;
  /** S3 endpoint URL; omitted for AWS's default endpoints. */
  endpoint?: string | undefined;
  region?: string | undefined;
  /** Both keys, or neither for environment credentials (IRSA, `AWS_*` variables). */
  accessKey?: string | undefined;
  secretKey?: string | undefined;
  /** `bucket` or `bucket/prefix/...`, no leading `/`. */
  bucket: string;
}

/** Name of the environment-configured rclone remote (`fsync:`). */
export const REMOTE_NAME = 'fsync';
const ENV_PREFIX = `RCLONE_CONFIG_${REMOTE_NAME.toUpperCase()}_`;

/** Inherited variables that would change rclone's behaviour behind our back. */
function isDroppedVariable(name: string): boolean {
  return name === 'AWS_CA_BUNDLE' || name.startsWith('RCLONE_');
}

/** Normalises `bucket[/prefix]`: trims slashes; returns null when it is not a usable location. */
export function normaliseBucketLocation(bucket: string): string | null {
  const trimmed = bucket.replace(/\/+$/, '');
  if (trimmed === '' || trimmed.startsWith('/')) return null;
  if (trimmed.split('/').some((segment) => segment === '' || segment === '.' || segment === '..'))
    return null;
  return trimmed;
}

/** True when the remote carries explicit keys (otherwise rclone uses environment auth). */
export function hasExplicitKeys(
  remote: RcloneRemote,
): remote is RcloneRemote & { accessKey: string; secretKey: string } {
  return (
    typeof remote.accessKey === 'string' &&
    remote.accessKey !== '' &&
    typeof remote.secretKey === 'string' &&
    remote.secretKey !== ''
  );
}

/** The problem with a remote's options, or null when they are usable. */
export function validateRemote(remote: RcloneRemote): string | null {
  if (!remote.provider) return 'provider is required';
  if (normaliseBucketLocation(remote.bucket) === null) {
    return `bucket '${remote.bucket}' is not 'name' or 'name/prefix' (no leading '/', no empty, '.' or '..' segments)`;
  }
  const keys = [remote.accessKey, remote.secretKey].filter(
    (k) => typeof k === 'string' && k !== '',
  ).length;
  if (keys === 1)
    return 'access key and secret key must be given together (or neither, for environment credentials)';
  if (remote.endpoint !== undefined) {
    try {
      new URL(remote.endpoint);
    } catch {
      return `endpoint '${remote.endpoint}' is not a URL`;
    }
  }
  return null;
}

/** The variable that sets option `option` of the `fsync:` remote: `RCLONE_CONFIG_FSYNC_SSE_CUSTOMER_KEY`. */
export function remoteOptionVariable(option: string): string {
  return `${ENV_PREFIX}${option.toUpperCase()}`;
}

/**
 * rclone's environment: the inherited one without `AWS_CA_BUNDLE` and `RCLONE_*`, plus the remote
 * as `RCLONE_CONFIG_FSYNC_*` variables (used with `--config ""`), plus `options` (secret options
 * from the extra flags, e.g. `sse_customer_key`), which never go on the command line.
 */
export function buildRcloneEnv(
  remote: RcloneRemote,
  inherited: Readonly<Record<string, string | undefined>>,
  options: readonly { option: string; value: string }[] = [],
): Record<string, string> {
  // Null prototype: inherited variable names (even `__proto__`) are plain keys.
  const env = Object.create(null) as Record<string, string>;
  for (const [name, value] of Object.entries(inherited)) {
    if (value !== undefined && !isDroppedVariable(name)) env[name] = value;
  }
  env[`${ENV_PREFIX}TYPE`] = 's3';
  env[`${ENV_PREFIX}PROVIDER`] = remote.provider;
  if (remote.endpoint) env[`${ENV_PREFIX}ENDPOINT`] = remote.endpoint;
  if (remote.region) env[`${ENV_PREFIX}REGION`] = remote.region;
  if (hasExplicitKeys(remote)) {
    env[`${ENV_PREFIX}ENV_AUTH`] = 'false';
    env[`${ENV_PREFIX}ACCESS_KEY_ID`] = remote.accessKey;
    env[`${ENV_PREFIX}SECRET_ACCESS_KEY`] = remote.secretKey;
  } else {
    env[`${ENV_PREFIX}ENV_AUTH`] = 'true';
  }
  for (const { option, value } of options) env[remoteOptionVariable(option)] = value;
  return env;
}

/** The secrets of a remote and of its environment credentials, for redaction. */
export function remoteSecrets(
  remote: RcloneRemote,
  inherited: Readonly<Record<string, string | undefined>>,
): string[] {
  return [
    remote.accessKey,
    remote.secretKey,
    inherited['AWS_ACCESS_KEY_ID'],
    inherited['AWS_SECRET_ACCESS_KEY'],
    inherited['AWS_SESSION_TOKEN'],
  ].filter((s): s is string => typeof s === 'string' && s !== '');
}

/** `fsync:bucket/prefix/<key>`: the rclone path of a key (or of a prefix ending in `/`). */
export function remotePath(bucketLocation: string, key: string): string {
  const rest = key.replace(/^\/+/, '').replace(/\/+$/, '');
  return rest === ''
    ? `${REMOTE_NAME}:${bucketLocation}`
    : `${REMOTE_NAME}:${bucketLocation}/${rest}`;
}

/** Secret-free description for messages, e.g. `s3:bucket/prefix (Ceph at http://127.0.0.1:7480)`. */
export function describeRemote(remote: RcloneRemote): string {
  const location = normaliseBucketLocation(remote.bucket) ?? remote.bucket;
  const where = remote.endpoint ? ` at ${safeEndpoint(remote.endpoint)}` : '';
  return `s3:${location} (${remote.provider}${where})`;
}

/** The endpoint without any user-info part, which could hold credentials. */
function safeEndpoint(endpoint: string): string {
  try {
    const url = new URL(endpoint);
    url.username = '';
    url.password = '';
    return url.toString().replace(/\/$/, '');
  } catch {
    return '<invalid endpoint>';
  }
}
