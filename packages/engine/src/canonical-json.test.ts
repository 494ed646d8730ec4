import { describe, expect, it } from 'vitest';
import { hasErrorCode } from '@feldera-sync/errors';
import { canonicalJson } from './canonical-json.js';
import { EngineErrorCodes } from './errors.js';

describe('canonicalJson', () => {
  it('sorts object keys at every depth and drops whitespace', () => {
    expect(canonicalJson({ b: 1, a: { d: [1, { z: 0, y: null }], c: 'x' } })).toBe(
      '{"a":{"c":"x","d":[1,{"y":null,"z":0}]},"b":1}',
    );
  });

  it('gives equal rows equal identities whatever their key order', () => {
    expect(canonicalJson({ x: 1, y: [true, 'a\nb'] })).toBe(
      canonicalJson({ y: [true, 'a\nb'], x: 1 }),
    );
    expect(canonicalJson('a\nb')).not.toContain('\n');
  });

  it.each([
    ['undefined', undefined],
    ['NaN', Number.NaN],
    ['Infinity', Number.POSITIVE_INFINITY],
    ['a bigint', 1n],
    ['a function', () => 1],
    ['a Date', new Date(0)],
    ['a nested undefined', { a: undefined }],
  ])('rejects %s with ERR_ENGINE_INVALID_ROW', (_name, value) => {
    expect(() => canonicalJson(value)).toThrow(
      expect.toSatisfy((e: unknown) => hasErrorCode(e, EngineErrorCodes.INVALID_ROW)),
    );
  });

  it('rejects cycles but accepts shared (acyclic) references', () => {
    const shared = { a: 1 };
    expect(canonicalJson([shared, shared])).toBe('[{"a":1},{"a":1}]');
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    expect(() => canonicalJson(cyclic)).toThrow(/cycle/);
  });
});
