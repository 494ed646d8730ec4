import { describe, expect, it } from 'vitest';
import { parseRuntimeConfig, parseSyncConfig } from './parse.js';
import {
  REDACTED,
  isSecretKeyName,
  redactConfig,
  redactSecrets,
  redactUrlCredentials,
} from './redact.js';

describe('redactConfig', () => {
  it('masks both keys of a parsed sync config and leaves the original untouched', () => {
    const { config } = parseSyncConfig({
      bucket: 'ckpt',
      provider: 'AWS',
      access_key: 'AKIAXXXX',
      secret_key: 'wJalrXUt',
    });
    const redacted = redactConfig(config);
    expect(redacted).toEqual({ ...config, access_key: REDACTED, secret_key: REDACTED });
    expect(config.secret_key).toBe('wJalrXUt');
  });

  it('masks secrets inside a parsed runtime config', () => {
    const { config } = parseRuntimeConfig({
      storage: {
        backend: {
          name: 'file',
          config: { sync: { bucket: 'ckpt', access_key: 'AK12', secret_key: 'SK34' } },
        },
      },
    });
    const text = JSON.stringify(redactConfig(config));
    expect(text).not.toContain('AK12');
    expect(text).not.toContain('SK34');
    expect(redactConfig(config).storage?.backend.config.sync?.access_key).toBe(REDACTED);
  });

  it('works on unvalidated input of any shape', () => {
    const raw = {
      storage: {
        backend: {
          config: { sync: { accessKey: 'AK', secret_key: { nested: 'SK' }, access_key: null } },
        },
      },
      list: [{ secret_key: 'SK2' }, 'plain'],
      endpoint: 'https://user:pass@minio:9000/path',
      flags: ['--s3-secret-access-key', 'SK3', '--s3-session-token=TOK', '--fast-list'],
    };
    expect(redactConfig(raw)).toEqual({
      storage: {
        backend: {
          config: { sync: { accessKey: REDACTED, secret_key: REDACTED, access_key: null } },
        },
      },
      list: [{ secret_key: REDACTED }, 'plain'],
      endpoint: 'https://user:***@minio:9000/path',
      flags: ['--s3-secret-access-key', REDACTED, '--s3-session-token=***', '--fast-list'],
    });
    expect(redactConfig(null)).toBeNull();
    expect(redactConfig('secret_key')).toBe('secret_key');
    expect(redactConfig([1, { secret_key: 'x' }])).toEqual([1, { secret_key: REDACTED }]);
  });

  it('keeps a JSON "__proto__" key as data, never as a prototype', () => {
    const raw = JSON.parse('{"__proto__": {"secret_key": "SK"}, "a": 1}') as Record<
      string,
      unknown
    >;
    const redacted = redactConfig(raw);
    expect(Object.getPrototypeOf(redacted)).toBe(Object.prototype);
    expect(JSON.stringify(redacted)).toBe('{"__proto__":{"secret_key":"***"},"a":1}');
  });
});

describe('redactConfig of secret rclone flags and misspelt keys', () => {
  it('masks every secret flag form in a runtime config, as GET /v0/pipelines shows it', () => {
    const raw = {
      storage: {
        backend: {
          name: 'file',
          config: {
            sync: {
              bucket: 'ckpt',
              Secret_Key: 'misspelt-secret-1',
              'access-key': 'misspelt-secret-2',
              flags: [
                '--s3-sse-customer-algorithm',
                'AES256',
                '--s3-sse-customer-key',
                'sse-c-secret-3',
                '--S3-SSE-CUSTOMER-KEY-BASE64=sse-c-secret-4',
                '--s3-sse-kms-key-id arn:aws:kms:eu-west-1:1234:key/secret-5',
                '--header',
                'Authorization: Bearer header-secret-6',
              ],
            },
          },
        },
      },
    };
    const redacted = redactConfig(raw);
    expect(JSON.stringify(redacted)).not.toMatch(/secret-\d/);
    expect(redacted.storage.backend.config.sync).toEqual({
      bucket: 'ckpt',
      Secret_Key: REDACTED,
      'access-key': REDACTED,
      flags: [
        '--s3-sse-customer-algorithm',
        'AES256',
        '--s3-sse-customer-key',
        REDACTED,
        '--S3-SSE-CUSTOMER-KEY-BASE64=***',
        '--s3-sse-kms-key-id ***',
        '--header',
        'Authorization: ***',
      ],
    });
  });

  it.each([
    ['access_key', true],
    ['Secret_Key', true],
    ['SECRET-KEY', true],
    ['secretkey', true],
    ['secret_kye', true],
    ['acess_key', true],
    ['aws_secret_access_key', true],
    ['AWS_SESSION_TOKEN', true],
    ['api_token', true],
    ['db_password', true],
    ['bucket', false],
    ['region', false],
    ['checkers', false],
    ['endpoint', false],
    ['path', false],
    ['access', false],
    ['key', false],
  ])('isSecretKeyName(%j) is %s', (key, expected) => {
    expect(isSecretKeyName(key)).toBe(expected);
  });
});

describe('redactSecrets', () => {
  it('replaces every occurrence, longest secret first, and ignores empty ones', () => {
    expect(
      redactSecrets('key AKIA1 and AKIA1234 again AKIA1', [
        'AKIA1',
        'AKIA1234',
        '',
        null,
        undefined,
      ]),
    ).toBe('key *** and *** again ***');
    expect(redactSecrets('nothing here', [])).toBe('nothing here');
  });

  it('masks passwords in URLs only', () => {
    expect(redactUrlCredentials('http://u:p@h:1/x')).toBe('http://u:***@h:1/x');
    expect(redactUrlCredentials('http://token@h')).toBe('http://***@h');
    expect(redactUrlCredentials('http://h/x@y')).toBe('http://h/x@y');
  });
});
