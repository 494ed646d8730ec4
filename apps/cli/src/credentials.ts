import { SyncError } from '@feldera-sync/errors';
import { ERR_CONFIG_INVALID } from '@feldera-sync/config';

/** Environment variable that supplies the access key instead of the config file. */
export const ACCESS_KEY_ENV = 'FELDERA_SYNC_ACCESS_KEY';
/** Environment variable that supplies the secret key instead of the config file. */
export const SECRET_KEY_ENV = 'FELDERA_SYNC_SECRET_KEY';

/** Static S3 credentials, or none (the store's environment credentials apply). */
export type Credentials =
  { accessKey: string; secretKey: string } | { accessKey?: undefined; secretKey?: undefined };

/**
 * The credentials to use: each key from its environment variable when set, else from the config.
 * Both or neither must end up set; never read from a flag, never printed.
 */
export function resolveCredentials(
  config: { access_key?: string | undefined; secret_key?: string | undefined },
  env: Readonly<Record<string, string | undefined>>,
): Credentials {
  const accessKey = nonEmpty(env[ACCESS_KEY_ENV]) ?? nonEmpty(config.access_key);
  const secretKey = nonEmpty(env[SECRET_KEY_ENV]) ?? nonEmpty(config.secret_key);
  if (accessKey !== undefined && secretKey !== undefined) return { accessKey, secretKey };
  if (accessKey === undefined && secretKey === undefined) return {};
  const missing = accessKey === undefined ? 'access key' : 'secret key';
  const variable = accessKey === undefined ? ACCESS_KEY_ENV : SECRET_KEY_ENV;
  const field = accessKey === undefined ? 'access_key' : 'secret_key';
  throw new SyncError(
    ERR_CONFIG_INVALID,
    `the ${missing} is missing: access_key and secret_key go together (both or neither)`,
    {
      hint: `set ${variable} or \`${field}\` in the config file, or remove the other one to use environment credentials`,
      details: {
        issues: [
          {
            path: `$.${field}`,
            rule: 'credentials-pair',
            message: `${missing} missing`,
            value: undefined,
          },
        ],
      },
    },
  );
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value === '' ? undefined : value;
}
