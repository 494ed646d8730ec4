import { describe, expect, it } from 'vitest';
import { addWeight, applyDelta, sortedEntries } from './multiset.js';
import { hashTable } from './table-hash.js';

describe('multiset and table hash', () => {
  it('drops entries whose weight reaches zero and keeps negative weights', () => {
    const set = new Map<string, number>();
    addWeight(set, '"a"', 1);
    addWeight(set, '"a"', -1);
    addWeight(set, '"b"', -1);
    expect([...set]).toEqual([['"b"', -1]]);
  });

  it('hashes independently of insertion order and sensitively to weights', () => {
    const a = new Map([
      ['1', 1],
      ['"x"', 2],
    ]);
    const b = new Map([
      ['"x"', 2],
      ['1', 1],
    ]);
    expect(hashTable(a)).toBe(hashTable(b));
    expect(hashTable(a)).toMatch(/^[0-9a-f]{64}$/);
    applyDelta(b, new Map([['"x"', -1]]));
    expect(hashTable(a)).not.toBe(hashTable(b));
    expect(hashTable(new Map())).toBe(
      'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
    );
  });

  it('sorts entries by key', () => {
    expect(
      sortedEntries(
        new Map([
          ['b', 1],
          ['a', -2],
        ]),
      ),
    ).toEqual([
      ['a', -2],
      ['b', 1],
    ]);
  });
});
