import { describe, expect, it } from 'vitest';
import { classifyRcloneFailure, summariseFailure } from './classify.js';

// stderr recorded from rclone v1.60.1-DEV (Debian) against Ceph RGW 16 and closed ports.
const recorded = {
  wrongSecret: [
    '2026/11/26 10:52:55 Failed to lsjson: error in ListJSON: SignatureDoesNotMatch: ',
    '\tstatus code: 403, request id: tx000002529d1b02464564a-006b080f87-1009-default, host id: ',
  ],
  wrongKey: [
    '2026/11/26 10:52:55 Failed to cat: InvalidAccessKeyId: ',
    '\tstatus code: 403, request id: tx0, host id: ',
  ],
  noBucketCopy: [
    '{"level":"error","msg":"Attempt 1/1 failed with 3 errors and: NoSuchBucket: \\n\\tstatus code: 404, request id: tx0, host id: ","source":"cmd/cmd.go:283","time":"t"}',
    '2026/11/26 10:53:01 Failed to copy with 3 errors: last error was: NoSuchBucket: ',
    '\tstatus code: 404, request id: tx0, host id: ',
  ],
  noBucketList: ['2026/11/26 10:52:55 Failed to lsjson: error in ListJSON: directory not found'],
  refused: [
    '2026/11/26 10:53:07 Failed to lsjson with 2 errors: last error was: error in ListJSON: RequestError: send request failed',
    'caused by: Get "http://127.0.0.1:1/probe?delimiter=%2F&max-keys=1000&prefix=": dial tcp 127.0.0.1:1: connect: connection refused',
  ],
  blackhole: [
    '2026/11/26 10:59:36 Failed to lsjson: RequestError: send request failed',
    'caused by: Head "http://127.0.0.1:7999/b/k": net/http: timeout awaiting response headers',
  ],
  usage: [
    'Error: unknown flag: --bogus',
    'Usage:',
    '  rclone lsjson remote:path [flags]',
    '2026/11/26 10:54:03 Fatal error: unknown flag: --bogus',
  ],
  arguments: ['Command lsjson needs 1 arguments minimum: you provided 0 non flag arguments: []'],
};

describe('classifyRcloneFailure', () => {
  it.each([
    ['wrongSecret', 1, 'ERR_STORE_AUTH', 'SignatureDoesNotMatch: status code: 403'],
    ['wrongKey', 1, 'ERR_STORE_AUTH', 'InvalidAccessKeyId'],
    ['noBucketCopy', 1, 'ERR_STORE_BUCKET_NOT_FOUND', 'NoSuchBucket'],
    ['noBucketList', 3, 'ERR_STORE_BUCKET_NOT_FOUND', 'directory not found'],
    ['refused', 1, 'ERR_STORE_NETWORK', 'connection refused'],
    ['blackhole', 1, 'ERR_STORE_NETWORK', 'timeout awaiting response headers'],
    ['usage', 1, 'ERR_RCLONE_USAGE', 'unknown flag: --bogus'],
    ['arguments', 1, 'ERR_RCLONE_USAGE', 'needs 1 arguments'],
  ] as const)('%s -> %s', (name, exitCode, code, reasonPart) => {
    const failure = classifyRcloneFailure(exitCode, recorded[name]);
    expect(failure.code).toBe(code);
    expect(failure.reason).toContain(reasonPart);
    expect(failure.reason).not.toMatch(/^\d{4}\//);
  });

  it('falls back on exit codes, then on "other"', () => {
    expect(classifyRcloneFailure(4, ['something odd']).code).toBe('ERR_STORE_NOT_FOUND');
    expect(classifyRcloneFailure(3, []).code).toBe('ERR_STORE_BUCKET_NOT_FOUND');
    expect(
      classifyRcloneFailure(7, ['2026/01/01 00:00:00 Failed to copy: quota exceeded']),
    ).toEqual({
      code: 'ERR_STORE_OTHER',
      reason: 'quota exceeded',
    });
    expect(classifyRcloneFailure(2, []).reason).toBe('rclone exited with code 2');
  });

  it('summarises the final failure with its continuation lines, bounded in length', () => {
    expect(summariseFailure(recorded.wrongSecret)).toBe(
      'SignatureDoesNotMatch: status code: 403, request id: tx000002529d1b02464564a-006b080f87-1009-default',
    );
    expect(
      summariseFailure([`2026/01/01 00:00:00 Failed to x: ${'y'.repeat(1000)}`]).length,
    ).toBeLessThanOrEqual(403);
  });
});
