import { describe, expect, it } from 'vitest';
import { checkBucketLocation, splitBucketLocation } from './bucket-location.js';
import { normaliseCheckpointRef } from './checkpoint-ref.js';
import { editDistance } from './did-you-mean.js';
import { formatJsonPath, valueAtPath } from './json-path.js';
import { normaliseSizeSuffix, parseSizeSuffix } from './size-suffix.js';

describe('bucket locations', () => {
  it.each([
    ['ckpt', { bucket: 'ckpt', prefix: '' }],
    ['ckpt/a/b/', { bucket: 'ckpt', prefix: 'a/b' }],
    ['my.bucket-1/x', { bucket: 'my.bucket-1', prefix: 'x' }],
  ])('splits %j', (location, expected) => {
    expect(checkBucketLocation(location).problems).toEqual([]);
    expect(splitBucketLocation(location)).toEqual(expected);
  });

  it('allows any non-control characters in the prefix', () => {
    expect(checkBucketLocation('ckpt/pipeline A/ü=1').problems).toEqual([]);
  });
});

describe('size suffixes', () => {
  it.each([
    ['100M', '100M', 100 * 2 ** 20],
    ['100m', '100M', 100 * 2 ** 20],
    ['64K', '64k', 64 * 1024],
    ['1.5g', '1.5G', 1.5 * 2 ** 30],
    ['2T', '2T', 2 * 2 ** 40],
    ['100', '100', 100 * 1024],
  ])('%s -> %s (%d bytes)', (text, normal, bytes) => {
    expect(normaliseSizeSuffix(text)).toBe(normal);
    expect(parseSizeSuffix(text)).toBe(bytes);
  });

  it.each(['', 'M', '1 M', '1MB', '1Mi', '-1', '1e6', '0x10'])('rejects %j', (text) => {
    expect(normaliseSizeSuffix(text)).toBeUndefined();
    expect(parseSizeSuffix(text)).toBeUndefined();
  });
});

describe('small helpers', () => {
  it('normalises checkpoint references', () => {
    expect(normaliseCheckpointRef('latest')).toBe('latest');
    expect(normaliseCheckpointRef('0197A1B2-C3D4-7E5F-8A9B-0C1D2E3F4A5B')).toBe(
      '0197a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b',
    );
    expect(normaliseCheckpointRef('Latest')).toBeUndefined();
  });

  it('formats JSON paths and reads values by path', () => {
    expect(formatJsonPath([])).toBe('$');
    expect(formatJsonPath(['storage', 'flags', 2, 'a b', '__proto__'])).toBe(
      '$.storage.flags[2]["a b"].__proto__',
    );
    expect(valueAtPath({ a: [{ b: 1 }] }, ['a', 0, 'b'])).toBe(1);
    expect(valueAtPath({ a: 1 }, ['toString'])).toBeUndefined();
  });

  it('counts transpositions as one edit', () => {
    expect(editDistance('minoi', 'minio')).toBe(1);
    expect(editDistance('', 'abc')).toBe(3);
    expect(editDistance('kitten', 'sitting')).toBe(3);
  });
});
