import { describe, expect, it } from 'vitest';
import {
  parseCheckReport,
  parseLsjson,
  parseLsjsonStat,
  parseProviders,
  parseVersion,
} from './parse-output.js';

describe('rclone output parsers', () => {
  it('parses lsjson listings, skipping directories, with the listed prefix', () => {
    const text = `[
{"Path":"a/b.txt","Name":"b.txt","Size":6,"ModTime":"2026-11-26T10:52:53.411999147Z","IsDir":false,"Tier":"STANDARD"},
{"Path":"a","Name":"a","Size":-1,"ModTime":"2026-11-26T10:52:55Z","IsDir":true},
{"Path":"0.bin","Name":"0.bin","Size":0,"IsDir":false}
]`;
    expect(parseLsjson(text, 'cp/')).toEqual([
      { key: 'cp/0.bin', size: 0 },
      { key: 'cp/a/b.txt', size: 6, modTime: '2026-11-26T10:52:53.411999147Z' },
    ]);
    expect(() => parseLsjson('[', '')).toThrow(/lsjson/);
  });

  it('parses lsjson --stat: a directory answer means no object', () => {
    expect(
      parseLsjsonStat('{"Path":"b.txt","Name":"b.txt","Size":6,"IsDir":false}', 'a/b.txt'),
    ).toEqual({ key: 'a/b.txt', size: 6 });
    expect(parseLsjsonStat('{"Path":"","Name":"","Size":-1,"IsDir":true}', 'a/zz')).toBeNull();
  });

  it('parses the version and the provider list', () => {
    expect(parseVersion('rclone v1.60.1-DEV\n- os/version: debian 12.11')).toEqual({
      version: '1.60.1-DEV',
      major: 1,
      minor: 60,
      patch: 1,
    });
    expect(() => parseVersion('nope')).toThrow();
    const help =
      '#### --s3-provider\n\n- Examples:\n    - "AWS"\n        - Amazon\n    - "Ceph"\n        - Ceph\n\n#### --s3-env-auth\n    - "false"\n';
    expect(parseProviders(help)).toEqual(['AWS', 'Ceph']);
  });

  it('parses the combined check report', () => {
    expect(parseCheckReport('= same\n* changed\n+ only-local\n- only-remote\n! broken\n')).toEqual({
      clean: false,
      match: ['same'],
      differ: ['changed'],
      missingOnRemote: ['only-local'],
      missingOnLocal: ['only-remote'],
      errors: ['broken'],
    });
    expect(parseCheckReport('= a\n= b\n').clean).toBe(true);
  });
});
