import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  REJECTED_RCLONE_FLAGS,
  checkRcloneFlags,
  commandLineRcloneFlags,
  environmentRcloneFlags,
  maskRcloneFlags,
  rcloneFlagSecrets,
} from './rclone-flags.js';

const rejected = (flags: string[]): string[] =>
  checkRcloneFlags(flags).rejections.map((r) => r.flag);

describe('checkRcloneFlags', () => {
  it.each([
    ['--delete-after'],
    ['--delete-excluded'],
    ['--max-delete=10'],
    ['--max-delete-size', '1G'],
    ['--config', 'x.conf'],
    ['--config='],
    ['--dry-run'],
    ['-n'],
    ['-i'],
    ['--interactive'],
    ['-v'],
    ['-vv'],
    ['--verbose=2'],
    ['--log-level', 'DEBUG'],
    ['--dump', 'headers'],
    ['--dump-bodies'],
    ['--dump=auth'],
    ['--s3-access-key-id', 'AK'],
    ['--s3-secret-access-key=SK'],
    ['--s3-session-token', 'T'],
    ['--log-file', '/tmp/log'],
    ['--use-json-log'],
    ['--stats', '1s'],
    ['--stats-one-line'],
    ['--progress'],
    ['-P'],
    ['-q'],
    ['--rc'],
    ['--rc-addr=:5572'],
    ['--immutable'],
    ['--backup-dir', 's3:old'],
    ['--suffix=.bak'],
    ['--files-from', 'list.txt'],
    ['--files-from-raw', 'list.txt'],
    ['--include', '*.zip'],
    ['--exclude-from', 'x'],
    ['--filter=- *.feldera'],
    ['--max-age', '1d'],
    ['--ignore-existing'],
    ['--size-only'],
    ['--update'],
    ['-u'],
    ['--s3-version-at', '2025-01-01'],
    ['--'],
  ])('rejects %j', (...flags) => {
    const [rejection] = checkRcloneFlags(flags).rejections;
    expect(rejection).toMatchObject({ index: 0, rule: 'flag-rejected' });
    expect(rejection?.reason.length).toBeGreaterThan(20);
  });

  it.each([
    [['--s3-server-side-encryption', 'aws:kms']],
    [['--fast-list', '--s3-no-check-bucket', '--checksum', '-c']],
    [['--s3-disable-checksum', '--retries=5', '--low-level-retries', '20']],
    [['--no-check-dest']],
    [['--s3-sse-kms-key-id', 'arn:aws:kms:us-east-1:1:key/x']],
    [['--bwlimit', '10M', '--tpslimit=100']],
    [['--max-backlog', '-1']],
  ])('passes %j through', (flags) => {
    expect(checkRcloneFlags(flags)).toEqual({ rejections: [], overrides: [] });
  });

  it('names each offending letter of combined short flags, and not their value', () => {
    expect(rejected(['-vn'])).toEqual(['-v', '-n']);
    expect(rejected(['-cP'])).toEqual(['-P']);
    expect(rejected(['--s3-secret-access-key=abc'])).toEqual(['--s3-secret-access-key']);
  });

  it('rejects empty elements and a leading positional word, not later values', () => {
    expect(checkRcloneFlags(['', 'remote:x']).rejections.map((r) => r.rule)).toEqual([
      'flag-empty',
    ]);
    expect(checkRcloneFlags(['remote:x']).rejections.map((r) => r.rule)).toEqual([
      'flag-positional',
    ]);
  });

  it('reports flags that override a setting', () => {
    expect(checkRcloneFlags(['--transfers', '64', '--s3-upload-concurrency=4']).overrides).toEqual([
      { index: 0, flag: '--transfers', field: 'transfers' },
      { index: 2, flag: '--s3-upload-concurrency', field: 'upload_concurrency' },
    ]);
  });

  it('gives every rule a reason', () => {
    for (const rule of REJECTED_RCLONE_FLAGS) expect(rule.reason).toMatch(/\w{3,}/);
  });
});

const SK = 'Zq9SecretValue0123';

describe('secret-carrying flags', () => {
  it.each([
    [['--s3-secret-access-key', SK]],
    [[`--s3-secret-access-key=${SK}`]],
    [[`--S3-SECRET-ACCESS-KEY=${SK}`]],
    [[`--s3_secret_access_key=${SK}`]],
    [[`--s3-secret-access-key ${SK}`]],
    [[`-s3-secret-access-key=${SK}`]],
    [['--fast-list', '--s3-access-key-id', SK]],
    [['--s3-session-token', SK]],
  ])('refuses S3 credentials in %j, saying where they go instead', (flags) => {
    const [rejection, ...rest] = checkRcloneFlags(flags).rejections;
    expect(rest).toEqual([]);
    expect(rejection).toMatchObject({ rule: 'flag-rejected', secret: true });
    expect(rejection?.flag).toMatch(/^--s3-(secret-access-key|access-key-id|session-token)$/);
    expect(JSON.stringify(rejection)).not.toContain(SK);
    if (!flags[0]!.startsWith('-s3'))
      expect(rejection?.reason).toMatch(
        /visible to every local user .*set access_key and secret_key/,
      );
  });

  it.each([
    [['--s3-sse-customer-key', SK], 'sse_customer_key'],
    [[`--s3-sse-customer-key=${SK}`], 'sse_customer_key'],
    [[`--S3-SSE-Customer-Key=${SK}`], 'sse_customer_key'],
    [[`--s3_sse_customer_key_base64 ${SK}`], 'sse_customer_key_base64'],
    [['--s3-sse-customer-key-md5', SK], 'sse_customer_key_md5'],
    [['--s3-sse-kms-key-id', SK], 'sse_kms_key_id'],
  ])('passes %j through the environment as %s, never on the command line', (flags, option) => {
    const all = ['--s3-sse-customer-algorithm', 'AES256', ...flags, '--fast-list'];
    expect(checkRcloneFlags(all)).toEqual({ rejections: [], overrides: [] });
    expect(environmentRcloneFlags(all)).toEqual([
      { index: 2, flag: `--${option.replace(/_/g, '-').replace(/^/, 's3-')}`, option, value: SK },
    ]);
    expect(commandLineRcloneFlags(all)).toEqual([
      '--s3-sse-customer-algorithm',
      'AES256',
      '--fast-list',
    ]);
    expect(rcloneFlagSecrets(all)).toEqual([SK]);
  });

  it('refuses an environment flag without a value', () => {
    expect(checkRcloneFlags(['--s3-sse-customer-key']).rejections).toMatchObject([
      { flag: '--s3-sse-customer-key', reason: expect.stringMatching(/needs a value/) as string },
    ]);
    expect(checkRcloneFlags(['--s3-sse-customer-key=']).rejections).toHaveLength(1);
  });

  it.each([
    [['--header', `Authorization: Bearer ${SK}`]],
    [[`--header=authorization: AWS4-HMAC-SHA256 ${SK}`]],
    [['--header-upload', `X-Amz-Security-Token: ${SK}`]],
    [[`--header-download=x-amz-server-side-encryption-customer-key: ${SK}`]],
    [['--header', `Cookie: session=${SK}`]],
    [['--header', `X-Api-Key: ${SK}`]],
    [['--header', SK]],
  ])('refuses credential headers and unparsable headers: %j', (flags) => {
    const [rejection] = checkRcloneFlags(flags).rejections;
    expect(rejection).toMatchObject({ rule: 'flag-rejected', secret: true });
    expect(rejection?.flag).toMatch(/^--header/);
    expect(JSON.stringify(rejection)).not.toContain(SK);
    expect(rcloneFlagSecrets(flags).some((s) => s.includes(SK))).toBe(true);
  });

  it.each([
    [['--crypt-password', SK]],
    [[`--crypt-password2=${SK}`]],
    [['--webdav-bearer-token', SK]],
    [['--webdav-bearer-token-command', `echo ${SK}`]],
    [['--swift-key', SK]],
    [['--azureblob-sas-url', `https://x/?sig=${SK}`]],
    [['--drive-service-account-credentials', SK]],
    [['--password-command', `echo ${SK}`]],
    [['--rc-pass', SK]],
    [['--http-headers', `Authorization,${SK}`]],
    [['--sftp-key-pem', SK]],
  ])('refuses secrets of backends the sync never uses: %j', (flags) => {
    const [rejection] = checkRcloneFlags(flags).rejections;
    expect(rejection).toMatchObject({ index: 0, rule: 'flag-rejected', secret: true });
    expect(rcloneFlagSecrets(flags)).toContain(flags[1] ?? flags[0]!.split('=')[1]);
  });

  it.each([
    [['--s3-endpoint=https://user:pw-secret@s3.example.com']],
    [['--s3-endpoint', 'https://user:pw-secret@s3.example.com']],
    [['--s3-download-url', 'https://token-secret@cdn.example.com']],
  ])('refuses URLs with credentials: %j', (flags) => {
    const [rejection] = checkRcloneFlags(flags).rejections;
    expect(rejection).toMatchObject({ rule: 'flag-rejected', secret: true });
    expect(rejection?.flag).toMatch(/^--s3-/);
    expect(rejection?.reason).toMatch(/URL with user:password/);
  });

  it.each([
    [['--client-key', '/etc/tls/client.key', '--client-cert', '/etc/tls/client.pem']],
    [['--ask-password=false', '--sftp-ask-password']],
    [['--s3-shared-credentials-file', '/x/credentials', '--s3-profile', 'prod', '--s3-env-auth']],
    [['--header', 'Cache-Control: no-cache', '--header-upload=Content-Language: en']],
    [['--s3-sse-customer-algorithm', 'AES256', '--s3-server-side-encryption', 'aws:kms']],
    [['--user-agent', 'feldera-sync', '--s3-endpoint', 'https://s3.example.com']],
  ])('passes look-alikes that carry no secret: %j', (flags) => {
    expect(checkRcloneFlags(flags)).toEqual({ rejections: [], overrides: expect.any(Array) as [] });
    expect(rcloneFlagSecrets(flags)).toEqual([]);
  });

  it('masks every secret value in place and nothing else', () => {
    const flags = [
      '--fast-list',
      '--s3-sse-customer-key',
      SK,
      `--S3-SSE-KMS-KEY-ID=arn:${SK}`,
      `--s3-sse-customer-key-base64 ${SK}`,
      '--header',
      `Authorization: Bearer ${SK}`,
      `--header-upload=X-Amz-Security-Token: ${SK}`,
      '--s3-endpoint',
      `https://user:${SK}@h`,
      `--crypt-password=${SK}`,
      7,
    ];
    expect(maskRcloneFlags(flags, '***')).toEqual([
      '--fast-list',
      '--s3-sse-customer-key',
      '***',
      '--S3-SSE-KMS-KEY-ID=***',
      '--s3-sse-customer-key-base64 ***',
      '--header',
      'Authorization: ***',
      '--header-upload=X-Amz-Security-Token: ***',
      '--s3-endpoint',
      'https://user:***@h',
      '--crypt-password=***',
      7,
    ]);
  });
});

describe("rclone 1.60.1's own flag list", () => {
  const help = readFileSync(
    new URL('./test-support/rclone-1.60.1-help-flags.txt', import.meta.url),
    'utf8',
  );
  const lines = help.split('\n').filter((line) => /^\s+(-\w, )?--[a-z0-9-]+/.test(line));
  const nameOf = (line: string): string => /--[a-z0-9-]+/.exec(line)![0];
  const names = lines.map(nameOf);
  // A harmless value ("Name: value" so that header flags see a harmless header).
  const isSecret = (name: string): boolean =>
    environmentRcloneFlags([name, 'Content-Type: v']).length === 1 ||
    checkRcloneFlags([name, 'Content-Type: v']).rejections.some((r) => r.secret);

  it('is the recorded output (sanity)', () => {
    expect(names.length).toBeGreaterThan(600);
    expect(names).toContain('--s3-sse-customer-key');
  });

  it('keeps every option rclone marks as a password or obscured off the command line', () => {
    const marked = lines.filter((l) => /\((obscured|password)\)/.test(l)).map(nameOf);
    expect(marked.length).toBe(20);
    expect(marked.filter((name) => !isSecret(name))).toEqual([]);
  });

  it("keeps every IsPassword option of rclone 1.60.1's backends and every S3 option newer rclone marks Sensitive off the command line", () => {
    // backend/*/*.go at tag v1.60.1, options with `IsPassword: true`, as --<prefix>-<name>.
    const isPassword = [
      '--cache-plex-password',
      '--crypt-password',
      '--crypt-password2',
      '--fichier-file-password',
      '--fichier-folder-password',
      '--ftp-pass',
      '--koofr-password',
      '--mailru-pass',
      '--mega-pass',
      '--netstorage-secret',
      '--opendrive-password',
      '--pcloud-password',
      '--seafile-pass',
      '--seafile-library-key',
      '--sftp-pass',
      '--sftp-key-file-pass',
      '--sia-api-password',
      '--smb-pass',
      '--webdav-pass',
    ];
    // backend/s3/s3.go on rclone's master, options with `Sensitive: true`.
    const s3Sensitive = [
      '--s3-access-key-id',
      '--s3-secret-access-key',
      '--s3-session-token',
      '--s3-sse-customer-key',
      '--s3-sse-customer-key-base64',
      '--s3-sse-customer-key-md5',
      '--s3-sse-kms-key-id',
    ];
    expect([...isPassword, ...s3Sensitive].filter((name) => !isSecret(name))).toEqual([]);
  });

  it('treats as secret only flags whose names say password, secret, token, key, credentials or headers', () => {
    const secret = names.filter(isSecret);
    expect(secret.length).toBeGreaterThan(60);
    expect(
      secret.filter(
        (name) =>
          !/pass|secret|token|key|credential|authorization|sas-url|headers|grant|mnemonic/.test(
            name,
          ),
      ),
    ).toEqual([]);
    // Flags an operator of the sync may use stay allowed.
    const allowed = [
      '--fast-list',
      '--checksum',
      '--contimeout',
      '--timeout',
      '--low-level-retries',
      '--retries',
      '--bwlimit',
      '--tpslimit',
      '--ca-cert',
      '--client-cert',
      '--client-key',
      '--no-check-certificate',
      '--user-agent',
      '--s3-server-side-encryption',
      '--s3-sse-customer-algorithm',
      '--s3-no-check-bucket',
      '--s3-disable-checksum',
      '--s3-chunk-size',
      '--s3-upload-cutoff',
      '--s3-shared-credentials-file',
      '--s3-profile',
      '--s3-env-auth',
      '--s3-storage-class',
      '--local-no-check-updated',
    ];
    expect(allowed.filter((name) => !names.includes(name))).toEqual([]);
    expect(allowed.filter((name) => checkRcloneFlags([name, 'v']).rejections.length > 0)).toEqual(
      [],
    );
  });
});
