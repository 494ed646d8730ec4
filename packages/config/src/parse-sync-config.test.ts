import { describe, expect, it } from 'vitest';
import { hasErrorCode } from '@feldera-sync/errors';
import { ConfigError, ERR_CONFIG_INVALID } from './config-error.js';
import { parseSyncConfig, safeParseSyncConfig } from './parse.js';
import { errorOf, issueAt } from './test-support/issues.js';

const VALID = { bucket: 'ckpt/pipeline-a', provider: 'Minio', endpoint: 'http://127.0.0.1:9000' };
const UUID = '0197a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b';

describe('parseSyncConfig defaults and normalisation', () => {
  it('fills every documented default and keeps unset optionals as null', () => {
    const { config, warnings } = parseSyncConfig(VALID);
    expect(config).toEqual({
      endpoint: 'http://127.0.0.1:9000',
      bucket: 'ckpt/pipeline-a',
      read_bucket: null,
      region: null,
      provider: 'Minio',
      access_key: null,
      secret_key: null,
      start_from_checkpoint: null,
      fail_if_no_checkpoint: false,
      standby: false,
      pull_interval: 10,
      push_interval: null,
      transfers: 20,
      checkers: 20,
      ignore_checksum: false,
      multi_thread_streams: 10,
      multi_thread_cutoff: '100M',
      upload_concurrency: 10,
      flags: [],
      stall_timeout: 60,
      transfer_timeout: null,
      retention_min_count: 10,
      retention_min_age: 30,
    });
    expect(warnings).toEqual([]);
  });

  it('defaults provider to Other with a warning, and region to us-east-1 only for AWS', () => {
    const other = parseSyncConfig({ bucket: 'ckpt' });
    expect(other.config.provider).toBe('Other');
    expect(other.config.region).toBeNull();
    expect(other.warnings).toEqual([
      expect.objectContaining({ path: '$.provider', rule: 'provider-default' }),
    ]);
    expect(parseSyncConfig({ bucket: 'ckpt', provider: 'AWS' }).config.region).toBe('us-east-1');
    expect(
      parseSyncConfig({ bucket: 'ckpt', provider: 'AWS', region: 'eu-west-1' }).config.region,
    ).toBe('eu-west-1');
    expect(parseSyncConfig({ ...VALID, region: '' }).config.region).toBeNull();
  });

  it('normalises trailing slashes, UUID case, size suffix case and null optionals', () => {
    const { config } = parseSyncConfig({
      ...VALID,
      bucket: 'ckpt/a/b///',
      read_bucket: 'seed/',
      start_from_checkpoint: UUID.toUpperCase(),
      multi_thread_cutoff: '1.5g',
      push_interval: null,
      endpoint: null,
      access_key: '',
      secret_key: '',
    });
    expect(config.bucket).toBe('ckpt/a/b');
    expect(config.read_bucket).toBe('seed');
    expect(config.start_from_checkpoint).toBe(UUID);
    expect(config.multi_thread_cutoff).toBe('1.5G');
    expect(config.endpoint).toBeNull();
    expect(config.access_key).toBeNull();
    expect(config.secret_key).toBeNull();
  });

  it('accepts the whole table of settings at their bounds', () => {
    const { config, warnings } = parseSyncConfig({
      ...VALID,
      read_bucket: 'seed-bucket/x',
      access_key: 'AK',
      secret_key: 'SK',
      start_from_checkpoint: 'latest',
      fail_if_no_checkpoint: true,
      standby: true,
      pull_interval: 1,
      push_interval: 3600,
      transfers: 255,
      checkers: 1,
      ignore_checksum: true,
      multi_thread_streams: 1,
      multi_thread_cutoff: '64k',
      upload_concurrency: 255,
      flags: ['--s3-server-side-encryption', 'aws:kms', '--fast-list', '-c'],
      retention_min_count: 1,
      retention_min_age: 0,
    });
    expect(config).toMatchObject({
      standby: true,
      push_interval: 3600,
      retention_min_age: 0,
      transfers: 255,
    });
    expect(warnings).toEqual([]);
  });

  it('accepts camelCase spellings with a warning and reports them as written', () => {
    const { config, warnings } = parseSyncConfig({ ...VALID, pullInterval: 3, readBucket: 'seed' });
    expect(config.pull_interval).toBe(3);
    expect(config.read_bucket).toBe('seed');
    expect(warnings.map((w) => [w.path, w.rule])).toEqual([
      ['$.pullInterval', 'key-spelling'],
      ['$.readBucket', 'key-spelling'],
    ]);
  });

  it('reports unknown keys as warnings with a did-you-mean and leaves them out of the output', () => {
    const { config, warnings } = parseSyncConfig({ ...VALID, pull_intreval: 5, colour: 'blue' });
    expect(config).not.toHaveProperty('pull_intreval');
    expect(config).not.toHaveProperty('colour');
    expect(config.pull_interval).toBe(10);
    expect(warnings).toEqual([
      {
        path: '$.pull_intreval',
        rule: 'unknown-key',
        message: 'unknown key, ignored (did you mean pull_interval?)',
      },
      { path: '$.colour', rule: 'unknown-key', message: 'unknown key, ignored' },
    ]);
  });

  it.each([
    [{ ...VALID, bucket: 'Legacy_Bucket' }, '$.bucket', 'bucket-name-legacy'],
    [{ ...VALID, multi_thread_cutoff: '100' }, '$.multi_thread_cutoff', 'size-unit'],
    [{ ...VALID, fail_if_no_checkpoint: true }, '$.fail_if_no_checkpoint', 'ignored-setting'],
    [{ ...VALID, flags: ['--fast-list', '--transfers=64'] }, '$.flags[1]', 'flag-overrides-field'],
    [{ ...VALID, flags: ['--s3-region', 'eu-west-1'] }, '$.flags[0]', 'flag-overrides-field'],
  ])('warns (%#): %j -> %s %s', (input, path, rule) => {
    const { warnings } = parseSyncConfig(input);
    expect(warnings).toEqual([expect.objectContaining({ path, rule })]);
  });
});

/** [what, input, path, rule, message] — each a distinct way to get the config wrong. */
const INVALID: [string, unknown, string, string, RegExp][] = [
  ['root is null', null, '$', 'type', /must be an object/],
  ['root is an array', [VALID], '$', 'type', /must be an object/],
  ['root is a string', 'bucket=ckpt', '$', 'type', /must be an object/],
  ['bucket missing', { provider: 'Minio' }, '$.bucket', 'required', /is required/],
  ['bucket not a string', { bucket: 42 }, '$.bucket', 'type', /must be a string/],
  ['bucket empty', { bucket: '' }, '$.bucket', 'bucket-format', /must name a bucket/],
  [
    'bucket only slashes',
    { bucket: '///' },
    '$.bucket',
    'bucket-format',
    /must not start with "\/"/,
  ],
  [
    'bucket leading slash',
    { bucket: '/ckpt/a' },
    '$.bucket',
    'bucket-format',
    /must not start with "\/"/,
  ],
  [
    'bucket empty segment',
    { bucket: 'ckpt//a' },
    '$.bucket',
    'bucket-format',
    /empty path segments/,
  ],
  [
    'bucket dot-dot segment',
    { bucket: 'ckpt/a/../b' },
    '$.bucket',
    'bucket-format',
    /"\.\." path segments/,
  ],
  ['bucket dot segment', { bucket: 'ckpt/./b' }, '$.bucket', 'bucket-format', /"\." or "\.\."/],
  [
    'bucket control character',
    { bucket: 'ckpt/a\nb' },
    '$.bucket',
    'bucket-format',
    /control characters/,
  ],
  [
    'bucket name too short',
    { bucket: 'ab' },
    '$.bucket',
    'bucket-name',
    /"ab" is not a valid S3 bucket name/,
  ],
  [
    'bucket name too long',
    { bucket: 'a'.repeat(64) },
    '$.bucket',
    'bucket-name',
    /3-63 characters/,
  ],
  [
    'bucket name bad character',
    { bucket: 'ckpt!/x' },
    '$.bucket',
    'bucket-name',
    /"ckpt!" is not a valid/,
  ],
  [
    'bucket name leading hyphen',
    { bucket: '-ckpt' },
    '$.bucket',
    'bucket-name',
    /starting and ending/,
  ],
  [
    'bucket name is an IP address',
    { bucket: '192.168.1.10' },
    '$.bucket',
    'bucket-name',
    /not an IP address/,
  ],
  ['bucket name with ..', { bucket: 'ck..pt' }, '$.bucket', 'bucket-name', /no "\.\."/],
  [
    'read_bucket equals bucket',
    { ...VALID, read_bucket: 'ckpt/pipeline-a/' },
    '$.read_bucket',
    'read-bucket-differs',
    /must differ from bucket/,
  ],
  [
    'read_bucket leading slash',
    { ...VALID, read_bucket: '/seed' },
    '$.read_bucket',
    'bucket-format',
    /must not start with "\/"/,
  ],
  [
    'read_bucket not a string',
    { ...VALID, read_bucket: ['seed'] },
    '$.read_bucket',
    'type',
    /must be a string/,
  ],
  [
    'endpoint wrong scheme',
    { ...VALID, endpoint: 'ftp://127.0.0.1' },
    '$.endpoint',
    'url',
    /http:\/\/ or https:\/\/ URL/,
  ],
  [
    'endpoint without scheme',
    { ...VALID, endpoint: 'localhost:9000' },
    '$.endpoint',
    'url',
    /http:\/\/ or https:\/\/ URL/,
  ],
  ['endpoint not a URL', { ...VALID, endpoint: 'minio at port 9000' }, '$.endpoint', 'url', /URL/],
  [
    'endpoint with credentials',
    { ...VALID, endpoint: 'http://admin:hunter22@minio:9000' },
    '$.endpoint',
    'endpoint-credentials',
    /must not contain user:password/,
  ],
  [
    'endpoint a number',
    { ...VALID, endpoint: 9000 },
    '$.endpoint',
    'type',
    /http:\/\/ or https:\/\/ URL/,
  ],
  ['region not a string', { ...VALID, region: 1 }, '$.region', 'type', /must be a string/],
  [
    'provider lowercase',
    { ...VALID, provider: 'aws' },
    '$.provider',
    'enum',
    /did you mean "AWS"\? names are case-sensitive/,
  ],
  ['provider typo', { ...VALID, provider: 'Minoi' }, '$.provider', 'enum', /did you mean "Minio"/],
  [
    'provider unknown',
    { ...VALID, provider: 'Backblaze' },
    '$.provider',
    'enum',
    /^unknown S3 provider; expected one of .*AWS, .*Wasabi/,
  ],
  ['provider null', { ...VALID, provider: null }, '$.provider', 'enum', /unknown S3 provider/],
  [
    'access_key without secret_key',
    { ...VALID, access_key: 'AKIA0000' },
    '$.secret_key',
    'credentials-pair',
    /required because access_key is set/,
  ],
  [
    'secret_key without access_key',
    { ...VALID, secret_key: 'wJalrXUtnFEMI' },
    '$.access_key',
    'credentials-pair',
    /required because secret_key is set/,
  ],
  [
    'access_key not a string',
    { ...VALID, access_key: 1234, secret_key: 'x' },
    '$.access_key',
    'type',
    /must be a string/,
  ],
  [
    'start_from_checkpoint word',
    { ...VALID, start_from_checkpoint: 'newest' },
    '$.start_from_checkpoint',
    'checkpoint-ref',
    /"latest" or a checkpoint UUID/,
  ],
  [
    'start_from_checkpoint LATEST',
    { ...VALID, start_from_checkpoint: 'LATEST' },
    '$.start_from_checkpoint',
    'checkpoint-ref',
    /"latest" or a checkpoint UUID/,
  ],
  [
    'start_from_checkpoint braced UUID',
    { ...VALID, start_from_checkpoint: `{${UUID}}` },
    '$.start_from_checkpoint',
    'checkpoint-ref',
    /xxxxxxxx-xxxx/,
  ],
  [
    'start_from_checkpoint short UUID',
    { ...VALID, start_from_checkpoint: UUID.slice(0, 35) },
    '$.start_from_checkpoint',
    'checkpoint-ref',
    /checkpoint UUID/,
  ],
  [
    'start_from_checkpoint number',
    { ...VALID, start_from_checkpoint: 7 },
    '$.start_from_checkpoint',
    'type',
    /"latest" or a checkpoint UUID/,
  ],
  [
    'standby without start_from_checkpoint',
    { ...VALID, standby: true },
    '$.standby',
    'standby-requires-start',
    /standby requires start_from_checkpoint/,
  ],
  ['standby a string', { ...VALID, standby: 'yes' }, '$.standby', 'type', /must be true or false/],
  [
    'fail_if_no_checkpoint a number',
    { ...VALID, fail_if_no_checkpoint: 1 },
    '$.fail_if_no_checkpoint',
    'type',
    /must be true or false/,
  ],
  [
    'ignore_checksum a string',
    { ...VALID, ignore_checksum: 'false' },
    '$.ignore_checksum',
    'type',
    /must be true or false/,
  ],
  [
    'pull_interval zero',
    { ...VALID, pull_interval: 0 },
    '$.pull_interval',
    'range',
    /integer number of seconds from 1 to 2147483/,
  ],
  [
    'pull_interval above the timer limit',
    { ...VALID, pull_interval: 2_147_484 },
    '$.pull_interval',
    'range',
    /from 1 to 2147483 \(at most about 24\.8 days: a longer interval overflows Node's timers, which would then fire every millisecond\)/,
  ],
  [
    'push_interval above the timer limit',
    { ...VALID, push_interval: 30 * 86_400 },
    '$.push_interval',
    'range',
    /from 1 to 2147483 .*fire every millisecond/,
  ],
  [
    'pull_interval fractional',
    { ...VALID, pull_interval: 1.5 },
    '$.pull_interval',
    'type',
    /must be an integer/,
  ],
  [
    'pull_interval a string',
    { ...VALID, pull_interval: '10' },
    '$.pull_interval',
    'type',
    /must be an integer/,
  ],
  [
    'pull_interval unsafe integer',
    { ...VALID, pull_interval: 2 ** 60 },
    '$.pull_interval',
    'range',
    /from 1 to 2147483/,
  ],
  ['push_interval zero', { ...VALID, push_interval: 0 }, '$.push_interval', 'range', /from 1 to/],
  [
    'push_interval negative',
    { ...VALID, push_interval: -5 },
    '$.push_interval',
    'range',
    /from 1 to/,
  ],
  [
    'retention_min_count unsafe integer',
    { ...VALID, retention_min_count: 2 ** 60 },
    '$.retention_min_count',
    'range',
    /at most 9007199254740991/,
  ],
  ['transfers above 255', { ...VALID, transfers: 256 }, '$.transfers', 'range', /from 1 to 255/],
  ['checkers zero', { ...VALID, checkers: 0 }, '$.checkers', 'range', /from 1 to 255/],
  [
    'multi_thread_streams negative',
    { ...VALID, multi_thread_streams: -1 },
    '$.multi_thread_streams',
    'range',
    /from 1 to 255/,
  ],
  [
    'upload_concurrency too high',
    { ...VALID, upload_concurrency: 1000 },
    '$.upload_concurrency',
    'range',
    /from 1 to 255/,
  ],
  ['transfers a float', { ...VALID, transfers: 2.5 }, '$.transfers', 'type', /from 1 to 255/],
  [
    'multi_thread_cutoff with space and B',
    { ...VALID, multi_thread_cutoff: '100 MB' },
    '$.multi_thread_cutoff',
    'size',
    /suffix k, M, G or T/,
  ],
  [
    'multi_thread_cutoff unsupported unit',
    { ...VALID, multi_thread_cutoff: '1P' },
    '$.multi_thread_cutoff',
    'size',
    /suffix k, M, G or T/,
  ],
  [
    'multi_thread_cutoff a number',
    { ...VALID, multi_thread_cutoff: 104857600 },
    '$.multi_thread_cutoff',
    'type',
    /must be a string such as "100M"/,
  ],
  [
    'multi_thread_cutoff negative',
    { ...VALID, multi_thread_cutoff: '-1M' },
    '$.multi_thread_cutoff',
    'size',
    /e\.g\. "100M"/,
  ],
  [
    'retention_min_count zero',
    { ...VALID, retention_min_count: 0 },
    '$.retention_min_count',
    'range',
    /at least 1/,
  ],
  [
    'retention_min_age negative',
    { ...VALID, retention_min_age: -1 },
    '$.retention_min_age',
    'range',
    /number of days of at least 0/,
  ],
  [
    'retention_min_age fractional',
    { ...VALID, retention_min_age: 0.5 },
    '$.retention_min_age',
    'type',
    /integer number of days/,
  ],
  [
    'flags not an array',
    { ...VALID, flags: '--fast-list' },
    '$.flags',
    'type',
    /must be an array of strings/,
  ],
  [
    'flags element not a string',
    { ...VALID, flags: ['--fast-list', 3] },
    '$.flags[1]',
    'type',
    /must be a string/,
  ],
  [
    'flags --delete-after',
    { ...VALID, flags: ['--delete-after'] },
    '$.flags[0]',
    'flag-rejected',
    /--delete-after is not allowed: copies must never delete/,
  ],
  [
    'flags --max-delete=5',
    { ...VALID, flags: ['--max-delete=5'] },
    '$.flags[0]',
    'flag-rejected',
    /--max-delete is not allowed/,
  ],
  [
    'flags --config',
    { ...VALID, flags: ['--fast-list', '--config', '/tmp/rclone.conf'] },
    '$.flags[1]',
    'flag-rejected',
    /--config is not allowed: the remote is configured through environment/,
  ],
  [
    'flags -n',
    { ...VALID, flags: ['-n'] },
    '$.flags[0]',
    'flag-rejected',
    /-n is not allowed: nothing would be transferred/,
  ],
  [
    'flags -vv',
    { ...VALID, flags: ['-vv'] },
    '$.flags[0]',
    'flag-rejected',
    /-v is not allowed: debug output .* print credentials/,
  ],
  [
    'flags --log-level=DEBUG',
    { ...VALID, flags: ['--log-level=DEBUG'] },
    '$.flags[0]',
    'flag-rejected',
    /--log-level is not allowed/,
  ],
  [
    'flags --dump headers',
    { ...VALID, flags: ['--dump', 'headers'] },
    '$.flags[0]',
    'flag-rejected',
    /--dump is not allowed/,
  ],
  [
    'flags secret on argv',
    { ...VALID, flags: ['--s3-secret-access-key', 'wJalr'] },
    '$.flags[0]',
    'flag-rejected',
    /visible to every local user/,
  ],
  [
    'flags --stats',
    { ...VALID, flags: ['--stats=5s'] },
    '$.flags[0]',
    'flag-rejected',
    /adapter owns rclone logging/,
  ],
  [
    'flags --exclude',
    { ...VALID, flags: ['--exclude', '*.zip'] },
    '$.flags[0]',
    'flag-rejected',
    /filters silently skip checkpoint files/,
  ],
  [
    'flags --ignore-existing',
    { ...VALID, flags: ['--ignore-existing'] },
    '$.flags[0]',
    'flag-rejected',
    /would go stale/,
  ],
  [
    'flags --update',
    { ...VALID, flags: ['--update'] },
    '$.flags[0]',
    'flag-rejected',
    /clock skew/,
  ],
  [
    'flags positional word first',
    { ...VALID, flags: ['other:bucket'] },
    '$.flags[0]',
    'flag-positional',
    /extra path/,
  ],
  [
    'flags empty element',
    { ...VALID, flags: ['--fast-list', ' '] },
    '$.flags[1]',
    'flag-empty',
    /empty argument/,
  ],
  [
    'camelCase duplicate of a set key',
    { ...VALID, pull_interval: 5, pullInterval: 6 },
    '$.pullInterval',
    'duplicate-key',
    /same setting as pull_interval/,
  ],
  [
    'camelCase spelling with a bad value',
    { ...VALID, pullInterval: 0 },
    '$.pullInterval',
    'range',
    /from 1 to 2147483/,
  ],
];

describe('parseSyncConfig rejects', () => {
  it('has at least 40 distinct invalid inputs', () => {
    expect(new Set(INVALID.map(([what]) => what)).size).toBe(INVALID.length);
    expect(INVALID.length).toBeGreaterThanOrEqual(40);
  });

  it.each(INVALID)('%s', (_what, input, path, rule, message) => {
    const error = errorOf(safeParseSyncConfig(input));
    expect(error).toBeInstanceOf(ConfigError);
    expect(hasErrorCode(error, ERR_CONFIG_INVALID)).toBe(true);
    const issue = issueAt(error, path, rule);
    expect(issue.message).toMatch(message);
    // The error message names the path, the rule and the value of every issue.
    expect(error.message).toContain(`${path}: ${issue.message} (rule: ${rule}; value: `);
    expect(() => parseSyncConfig(input)).toThrow(ConfigError);
  });
});

describe('ConfigError', () => {
  it('lists every problem at once, with values, and masks secrets', () => {
    const error = errorOf(
      safeParseSyncConfig({
        bucket: '/x',
        transfers: 0,
        access_key: 1234,
        endpoint: 'http://admin:hunter22@minio:9000',
        flags: ['--s3-secret-access-key=TOPSECRETVALUE'],
      }),
    );
    expect(error.issues.map((i) => [i.path, i.rule])).toEqual([
      ['$.endpoint', 'endpoint-credentials'],
      ['$.bucket', 'bucket-format'],
      ['$.access_key', 'type'],
      ['$.transfers', 'range'],
      ['$.flags[0]', 'flag-rejected'],
      ['$.secret_key', 'credentials-pair'],
    ]);
    expect(error.message).toMatch(
      /^Invalid sync configuration \(6 problems\):\n {2}- \$\.endpoint: /,
    );
    expect(issueAt(error, '$.access_key', 'type').value).toBe('***');
    expect(issueAt(error, '$.endpoint', 'endpoint-credentials').value).toBe(
      'http://admin:***@minio:9000',
    );
    expect(issueAt(error, '$.flags[0]', 'flag-rejected').value).toBe('--s3-secret-access-key=***');
    expect(issueAt(error, '$.transfers', 'range').value).toBe(0);
    expect(issueAt(error, '$.secret_key', 'credentials-pair').value).toBeUndefined();
    const everything = JSON.stringify({
      message: error.message,
      json: error.toJSON(),
      issues: error.issues,
    });
    for (const secret of ['1234', 'hunter22', 'TOPSECRETVALUE'])
      expect(everything).not.toContain(secret);
    expect(error.details).toEqual({ issues: error.issues });
  });

  it('refuses secret flags with how to pass them, and masks their values in issues', () => {
    const error = errorOf(
      safeParseSyncConfig({
        bucket: 'ckpt',
        provider: 'AWS',
        flags: [
          '--S3-Secret-Access-Key',
          'SECRET-FLAG-1',
          '--header=Authorization: Bearer SECRET-FLAG-2',
          '--s3-endpoint',
          'https://u:SECRET-FLAG-3@s3.example.com',
          '--s3-sse-customer-key',
          'SECRET-FLAG-4',
        ],
      }),
    );
    expect(error.issues.map((i) => [i.path, i.rule])).toEqual([
      ['$.flags[0]', 'flag-rejected'],
      ['$.flags[2]', 'flag-rejected'],
      ['$.flags[4]', 'flag-rejected'],
    ]);
    expect(issueAt(error, '$.flags[0]', 'flag-rejected').message).toMatch(
      /^--s3-secret-access-key is not allowed: .*visible to every local user \(ps\); set access_key and secret_key/,
    );
    expect(issueAt(error, '$.flags[2]', 'flag-rejected').value).toBe('--header=Authorization: ***');
    expect(issueAt(error, '$.flags[4]', 'flag-rejected').value).toBe(
      'https://u:***@s3.example.com',
    );
    const everything = JSON.stringify({ message: error.message, json: error.toJSON() });
    expect(everything).not.toMatch(/SECRET-FLAG-\d/);
  });

  it('accepts SSE-C and KMS keys in flags: the adapter passes them through the environment', () => {
    const { config } = parseSyncConfig({
      bucket: 'ckpt',
      provider: 'AWS',
      flags: ['--s3-sse-customer-algorithm', 'AES256', '--s3-sse-customer-key=0123456789abcdef'],
    });
    expect(config.flags).toEqual([
      '--s3-sse-customer-algorithm',
      'AES256',
      '--s3-sse-customer-key=0123456789abcdef',
    ]);
  });

  it('masks a secret wherever it is echoed, even under another key', () => {
    const error = errorOf(
      safeParseSyncConfig({
        bucket: 'ab/SECRET-VALUE-1',
        access_key: 'x',
        secret_key: 'SECRET-VALUE-1',
      }),
    );
    expect(JSON.stringify(error.issues)).not.toContain('SECRET-VALUE-1');
    expect(error.message).not.toContain('SECRET-VALUE-1');
    expect(issueAt(error, '$.bucket', 'bucket-name').value).toBe('ab/***');
  });

  it('masks a short secret only where a whole value equals it, so messages stay readable', () => {
    const error = errorOf(
      safeParseSyncConfig({
        bucket: 'xyz',
        read_bucket: 'xyz',
        access_key: 'xyz',
        secret_key: 'abcdef-long',
      }),
    );
    expect(issueAt(error, '$.read_bucket', 'read-bucket-differs').value).toBe('***');
    expect(issueAt(error, '$.read_bucket', 'read-bucket-differs').message).toContain(
      'read-only seed',
    );
  });

  it('keeps warnings of a rejected config on the error', () => {
    const error = errorOf(safeParseSyncConfig({ bucket: 'ab', extra: true }));
    expect(error.warnings).toEqual([
      expect.objectContaining({ path: '$.extra', rule: 'unknown-key' }),
      expect.objectContaining({ path: '$.provider', rule: 'provider-default' }),
    ]);
  });
});
