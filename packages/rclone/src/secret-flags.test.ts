import { describe, expect, it } from 'vitest';
import { hasErrorCode, isSyncError } from '@feldera-sync/errors';
import { RcloneErrorCodes } from './errors.js';
import { buildRcloneEnv, remoteOptionVariable } from './remote.js';
import { prepareExtraFlags } from './secret-flags.js';
import { createRclone } from './rclone.js';

const KEY = 'Zq9SseCustomerKey0123456789abcdef';

describe('prepareExtraFlags', () => {
  it('moves SSE-C and KMS keys out of the command line into remote options, in every form', () => {
    const prepared = prepareExtraFlags([
      '--fast-list',
      '--s3-sse-customer-algorithm',
      'AES256',
      '--s3-sse-customer-key',
      KEY,
      `--S3_SSE_KMS_KEY_ID=arn:${KEY}`,
      `--s3-sse-customer-key-md5 md5-${KEY}`,
      '--contimeout',
      '2s',
    ]);
    expect(prepared.argv).toEqual([
      '--fast-list',
      '--s3-sse-customer-algorithm',
      'AES256',
      '--contimeout',
      '2s',
    ]);
    expect(prepared.options).toEqual([
      { option: 'sse_customer_key', value: KEY },
      { option: 'sse_kms_key_id', value: `arn:${KEY}` },
      { option: 'sse_customer_key_md5', value: `md5-${KEY}` },
    ]);
    expect(prepared.moved).toEqual([
      '--s3-sse-customer-key',
      '--s3-sse-kms-key-id',
      '--s3-sse-customer-key-md5',
    ]);
    expect(prepared.secrets).toEqual([KEY, `arn:${KEY}`, `md5-${KEY}`]);
    expect(JSON.stringify(prepared.argv)).not.toContain(KEY);
  });

  it.each([
    [['--s3-secret-access-key', KEY]],
    [[`--S3-ACCESS-KEY-ID=${KEY}`]],
    [['--header', `Authorization: Bearer ${KEY}`]],
    [['--crypt-password', KEY]],
    [['--s3-endpoint', `https://u:${KEY}@h`]],
  ])('refuses %j with ERR_RCLONE_USAGE, naming the flag and never the value', (flags) => {
    let error: unknown;
    try {
      prepareExtraFlags(flags);
    } catch (e) {
      error = e;
    }
    expect(hasErrorCode(error, RcloneErrorCodes.usage)).toBe(true);
    expect(isSyncError(error) && error.message).toMatch(
      /^extra rclone flag --[a-z0-9-]+ is not allowed: /,
    );
    expect(JSON.stringify(isSyncError(error) && error.toJSON())).not.toContain(KEY);
  });

  it('leaves flags it has no secret rule for to rclone, even ones config would refuse', () => {
    expect(prepareExtraFlags(['--dry-run', '--no-such-flag']).argv).toEqual([
      '--dry-run',
      '--no-such-flag',
    ]);
  });

  it('is applied by createRclone before anything runs', () => {
    expect(() =>
      createRclone({
        remote: { provider: 'Other', bucket: 'b' },
        tuning: { flags: ['--s3-session-token', KEY] },
      }),
    ).toThrow(/--s3-session-token is not allowed/);
  });
});

describe('remote options in the environment', () => {
  it('become RCLONE_CONFIG_FSYNC_<OPTION> variables after the remote', () => {
    expect(remoteOptionVariable('sse_customer_key')).toBe('RCLONE_CONFIG_FSYNC_SSE_CUSTOMER_KEY');
    const env = buildRcloneEnv({ provider: 'Ceph', bucket: 'b' }, { PATH: '/bin' }, [
      { option: 'sse_customer_key', value: KEY },
    ]);
    expect(env).toEqual({
      PATH: '/bin',
      RCLONE_CONFIG_FSYNC_TYPE: 's3',
      RCLONE_CONFIG_FSYNC_PROVIDER: 'Ceph',
      RCLONE_CONFIG_FSYNC_ENV_AUTH: 'true',
      RCLONE_CONFIG_FSYNC_SSE_CUSTOMER_KEY: KEY,
    });
  });

  it.each(['__proto__', 'constructor', 'toString'])(
    'keeps an inherited variable named %j as a plain variable',
    (name) => {
      const inherited = JSON.parse(`{${JSON.stringify(name)}: "x", "HOME": "/h"}`) as Record<
        string,
        string
      >;
      const env = buildRcloneEnv({ provider: 'Ceph', bucket: 'b' }, inherited);
      expect(Object.getOwnPropertyDescriptor(env, name)?.value).toBe('x');
      expect(Object.keys(env)).toContain(name);
      expect(env.HOME).toBe('/h');
    },
  );
});
