import { describe, expect, it } from 'vitest';
import { REJECTED_RCLONE_FLAGS, checkRcloneFlags } from './rclone-flags.js';

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
