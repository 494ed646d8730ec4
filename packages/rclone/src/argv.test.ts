import { describe, expect, it } from 'vitest';
import { buildArgv, commonFlags, transferFlags, tuningFromSyncConfig } from './argv.js';

describe('rclone argv', () => {
  it('always runs without a config file, with JSON logs and without bucket creation', () => {
    expect(commonFlags({ createBucket: false })).toEqual([
      '--config',
      '',
      '--use-json-log',
      '--s3-no-check-bucket',
    ]);
    expect(commonFlags({ createBucket: true })).toEqual(['--config', '', '--use-json-log']);
  });

  it('maps every tuning field to its flag', () => {
    expect(
      transferFlags({
        transfers: 20,
        checkers: 8,
        ignoreChecksum: true,
        multiThreadStreams: 10,
        multiThreadCutoff: '100M',
        uploadConcurrency: 4,
      }),
    ).toEqual([
      '--stats',
      '1s',
      '--stats-log-level',
      'NOTICE',
      '--transfers',
      '20',
      '--checkers',
      '8',
      '--ignore-checksum',
      '--multi-thread-streams',
      '10',
      '--multi-thread-cutoff',
      '100M',
      '--s3-upload-concurrency',
      '4',
    ]);
    expect(transferFlags({ ignoreChecksum: false })).toEqual([
      '--stats',
      '1s',
      '--stats-log-level',
      'NOTICE',
    ]);
  });

  it('puts operands first, fixed flags next and the user flags last', () => {
    const argv = buildArgv({
      command: 'copy',
      operands: ['/local', 'fsync:b/p'],
      flags: ['--files-from-raw', '/tmp/list', '--no-traverse'],
      createBucket: false,
      tuning: { transfers: 4, flags: ['--bwlimit', '10M'] },
      transfer: { direction: 'up', disableUploadChecksum: true },
    });
    expect(argv.slice(0, 3)).toEqual(['copy', '/local', 'fsync:b/p']);
    expect(argv).toContain('--s3-disable-checksum');
    expect(argv.slice(-2)).toEqual(['--bwlimit', '10M']);
    expect(argv.indexOf('--transfers')).toBeLessThan(argv.indexOf('--bwlimit'));
  });

  it("skips rclone's MD5 check only on downloads whose caller verifies them, once", () => {
    const spec = (direction: 'up' | 'down', verifiedByCaller: boolean, ignoreChecksum = false) =>
      buildArgv({
        command: 'copy',
        operands: direction === 'down' ? ['fsync:b', '/l'] : ['/l', 'fsync:b'],
        createBucket: false,
        tuning: { ignoreChecksum },
        transfer: { direction, disableUploadChecksum: true, verifiedByCaller },
      });
    expect(spec('down', true)).toContain('--ignore-checksum');
    expect(spec('down', false)).not.toContain('--ignore-checksum');
    // An upload's integrity is not the caller's to check: rclone keeps whatever it checks.
    expect(spec('up', true)).not.toContain('--ignore-checksum');
    expect(spec('down', true, true).filter((f) => f === '--ignore-checksum')).toHaveLength(1);
  });

  it('skips the upload-only checksum flag for downloads and non-transfers', () => {
    const down = buildArgv({
      command: 'copy',
      operands: ['fsync:b', '/l'],
      createBucket: false,
      tuning: {},
      transfer: { direction: 'down', disableUploadChecksum: true },
    });
    expect(down).not.toContain('--s3-disable-checksum');
    const list = buildArgv({
      command: 'lsjson',
      operands: ['fsync:b'],
      createBucket: false,
      tuning: { transfers: 3, flags: ['-x'] },
    });
    expect(list).not.toContain('--transfers');
    expect(list).not.toContain('--stats');
    expect(list.at(-1)).toBe('-x');
  });

  it('maps the snake_case sync config', () => {
    expect(
      tuningFromSyncConfig({
        transfers: 1,
        checkers: 2,
        ignore_checksum: true,
        multi_thread_streams: 3,
        multi_thread_cutoff: '1G',
        upload_concurrency: 5,
        flags: ['--a'],
      }),
    ).toEqual({
      transfers: 1,
      checkers: 2,
      ignoreChecksum: true,
      multiThreadStreams: 3,
      multiThreadCutoff: '1G',
      uploadConcurrency: 5,
      flags: ['--a'],
    });
  });
});
