import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  DELETE_OBJECTS_MAX_KEYS,
  deleteBatches,
  deleteObjectsProblem,
  deleteObjectsXml,
  md5Base64,
} from './delete-objects.js';

const enc = (s: string): Uint8Array => new TextEncoder().encode(s);

describe('DeleteObjects', () => {
  it('splits keys into batches of at most 1000, without duplicates', () => {
    const keys = Array.from({ length: 2_345 }, (_, i) => `k${i}`);
    const batches = deleteBatches([...keys, 'k0', 'k1']);
    expect(batches.map((b) => b.length)).toEqual([1000, 1000, 345]);
    expect(batches.flat()).toEqual(keys);
    expect(DELETE_OBJECTS_MAX_KEYS).toBe(1000);
    expect(deleteBatches([])).toEqual([]);
  });

  it('writes a quiet request with every key XML-escaped', () => {
    const xml = new TextDecoder().decode(deleteObjectsXml(['a&b', '<c>', `d"'e`, 'p/q r']));
    expect(xml).toBe(
      '<?xml version="1.0" encoding="UTF-8"?><Delete><Quiet>true</Quiet>' +
        '<Object><Key>a&amp;b</Key></Object><Object><Key>&lt;c&gt;</Key></Object>' +
        '<Object><Key>d&quot;&apos;e</Key></Object><Object><Key>p/q r</Key></Object></Delete>',
    );
  });

  it('computes Content-MD5 as base64 of the MD5 digest', () => {
    const body = enc('<Delete/>');
    expect(md5Base64(body)).toBe(createHash('md5').update(body).digest('base64'));
    expect(md5Base64(enc(''))).toBe('1B2M2Y8AsgTpgAmY7PhCfg==');
  });

  it('reports the first failure of an answer, not a missing key', () => {
    expect(
      deleteObjectsProblem(enc('<DeleteResult><Deleted><Key>a</Key></Deleted></DeleteResult>')),
    ).toBeNull();
    expect(
      deleteObjectsProblem(
        enc(
          '<DeleteResult><Error><Key>gone</Key><Code>NoSuchKey</Code></Error>' +
            '<Error><Key>x&amp;y</Key><Code>AccessDenied</Code><Message>Access Denied</Message></Error>' +
            '</DeleteResult>',
        ),
      ),
    ).toEqual({ key: 'x&y', code: 'AccessDenied', message: 'Access Denied' });
    expect(
      deleteObjectsProblem(enc('<DeleteResult><Error><Key>k</Key></Error></DeleteResult>')),
    ).toMatchObject({ key: 'k', code: 'UnknownError' });
  });
});
