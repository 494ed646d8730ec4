import { describe, expect, it } from 'vitest';
import { planEngineGc } from './local-gc.js';

describe('planEngineGc', () => {
  const catalog = ['a', 'b', 'c', 'd', 'e'];

  it('keeps the newest two and drops the rest', () => {
    expect(planEngineGc({ catalog, pinned: new Set(), current: 'e', keepNewest: 2 })).toEqual({
      keep: ['d', 'e'],
      drop: ['a', 'b', 'c'],
    });
  });

  it('keeps pinned checkpoints and the one the root state names', () => {
    expect(planEngineGc({ catalog, pinned: new Set(['a']), current: 'c', keepNewest: 2 })).toEqual({
      keep: ['a', 'c', 'd', 'e'],
      drop: ['b'],
    });
  });

  it('handles an empty catalog', () => {
    expect(
      planEngineGc({ catalog: [], pinned: new Set(['x']), current: null, keepNewest: 2 }),
    ).toEqual({ keep: [], drop: [] });
  });
});
