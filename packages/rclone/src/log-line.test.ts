import { describe, expect, it } from 'vitest';
import { parseRcloneLogLine } from './log-line.js';

// Lines recorded from rclone v1.60.1 with --use-json-log --stats 1s.
const STATS =
  '{"level":"warning","msg":"\\nTransferred:   \\t   6 B / 6 B, 100%, 0 B/s, ETA -\\n","source":"accounting/stats.go:482","stats":{"bytes":6,"checks":1,"deletedDirs":0,"deletes":0,"elapsedTime":0.05747142,"errors":0,"eta":null,"fatalError":false,"renames":0,"retryError":false,"speed":0,"totalBytes":6,"totalChecks":1,"totalTransfers":3,"transferTime":0,"transfers":3},"time":"2026-11-26T10:53:01.727712+00:00"}';
const RUNNING =
  '{"level":"warning","msg":"...","stats":{"bytes":52428800,"checks":0,"errors":0,"eta":11,"speed":91234567.5,"totalBytes":1073741824,"totalChecks":0,"totalTransfers":1,"transfers":0},"time":"t"}';
const ERROR =
  '{"level":"error","msg":"Attempt 1/1 failed with 3 errors and: NoSuchBucket: \\n\\tstatus code: 404","source":"cmd/cmd.go:283","time":"t"}';

describe('parseRcloneLogLine', () => {
  it('turns a stats line into typed progress', () => {
    expect(parseRcloneLogLine(STATS)).toEqual({
      kind: 'stats',
      progress: {
        bytesDone: 6,
        bytesTotal: 6,
        objectsDone: 4,
        objectsTotal: 4,
        speed: 0,
        etaSeconds: null,
      },
      errors: 0,
    });
    expect(parseRcloneLogLine(RUNNING)).toMatchObject({
      kind: 'stats',
      progress: {
        bytesDone: 52428800,
        bytesTotal: 1073741824,
        objectsDone: 0,
        objectsTotal: 1,
        speed: 91234567.5,
        etaSeconds: 11,
      },
    });
  });

  it('reads log records and leaves plain text alone', () => {
    expect(parseRcloneLogLine(ERROR)).toMatchObject({
      kind: 'log',
      level: 'error',
      message: expect.stringContaining('NoSuchBucket'),
    });
    expect(parseRcloneLogLine('2026/11/26 10:53:01 Failed to copy: x')).toEqual({
      kind: 'text',
      text: '2026/11/26 10:53:01 Failed to copy: x',
    });
    expect(parseRcloneLogLine('{not json}')).toEqual({ kind: 'text', text: '{not json}' });
  });

  it('tolerates missing or odd stats fields', () => {
    expect(parseRcloneLogLine('{"stats":{"bytes":"x","eta":"soon"}}')).toEqual({
      kind: 'stats',
      progress: {
        bytesDone: 0,
        bytesTotal: 0,
        objectsDone: 0,
        objectsTotal: 0,
        speed: 0,
        etaSeconds: null,
      },
      errors: 0,
    });
  });
});
