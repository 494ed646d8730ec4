import { describe, expect, it } from 'vitest';
import {
  buildRcloneEnv,
  describeRemote,
  normaliseBucketLocation,
  remotePath,
  remoteSecrets,
  validateRemote,
} from './remote.js';

const keys = {
  provider: 'Ceph',
  endpoint: 'http://127.0.0.1:7480',
  accessKey: 'AKIA1234',
  secretKey: 's3cr3t-value',
  bucket: 'b/p/',
};

describe('rclone remote', () => {
  it('configures the remote through RCLONE_CONFIG_FSYNC_* with explicit keys', () => {
    const env = buildRcloneEnv({ ...keys, region: 'eu-1' }, { PATH: '/bin' });
    expect(env).toEqual({
      PATH: '/bin',
      RCLONE_CONFIG_FSYNC_TYPE: 's3',
      RCLONE_CONFIG_FSYNC_PROVIDER: 'Ceph',
      RCLONE_CONFIG_FSYNC_ENDPOINT: 'http://127.0.0.1:7480',
      RCLONE_CONFIG_FSYNC_REGION: 'eu-1',
      RCLONE_CONFIG_FSYNC_ENV_AUTH: 'false',
      RCLONE_CONFIG_FSYNC_ACCESS_KEY_ID: 'AKIA1234',
      RCLONE_CONFIG_FSYNC_SECRET_ACCESS_KEY: 's3cr3t-value',
    });
  });

  it('uses environment auth without keys and keeps AWS_* but drops AWS_CA_BUNDLE and RCLONE_*', () => {
    const env = buildRcloneEnv(
      { provider: 'AWS', bucket: 'b' },
      {
        AWS_CA_BUNDLE: '/x.pem',
        AWS_ROLE_ARN: 'arn',
        RCLONE_VERBOSE: '2',
        RCLONE_CONFIG_OTHER_TYPE: 'ftp',
        HOME: '/h',
      },
    );
    expect(env).toEqual({
      AWS_ROLE_ARN: 'arn',
      HOME: '/h',
      RCLONE_CONFIG_FSYNC_TYPE: 's3',
      RCLONE_CONFIG_FSYNC_PROVIDER: 'AWS',
      RCLONE_CONFIG_FSYNC_ENV_AUTH: 'true',
    });
  });

  it('collects the secrets to redact, including environment credentials', () => {
    expect(
      remoteSecrets(keys, { AWS_SECRET_ACCESS_KEY: 'envsecret', AWS_SESSION_TOKEN: 'tok' }),
    ).toEqual(['AKIA1234', 's3cr3t-value', 'envsecret', 'tok']);
  });

  it('validates and normalises the bucket location', () => {
    expect(normaliseBucketLocation('b//p')).toBeNull();
    expect(normaliseBucketLocation('b/p/')).toBe('b/p');
    expect(normaliseBucketLocation('/b')).toBeNull();
    expect(normaliseBucketLocation('b/../c')).toBeNull();
    expect(validateRemote(keys)).toBeNull();
    expect(validateRemote({ ...keys, secretKey: undefined })).toMatch(/together/);
    expect(validateRemote({ ...keys, endpoint: 'not a url' })).toMatch(/endpoint/);
    expect(validateRemote({ ...keys, provider: '' })).toMatch(/provider/);
  });

  it('builds rclone paths and secret-free descriptions', () => {
    expect(remotePath('b/p', '')).toBe('fsync:b/p');
    expect(remotePath('b/p', 'cp/')).toBe('fsync:b/p/cp');
    expect(remotePath('b', 'a/b.json')).toBe('fsync:b/a/b.json');
    expect(describeRemote(keys)).toBe('s3:b/p (Ceph at http://127.0.0.1:7480)');
    expect(describeRemote({ ...keys, endpoint: 'http://user:pw@host:1' })).toBe(
      's3:b/p (Ceph at http://host:1)',
    );
  });
});
