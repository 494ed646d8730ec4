import { describe, expect, it } from 'vitest';
import { RecoveryHistory } from '../src/recovery-history.js';
import type { RecoveryEventInput } from '../src/recovery-history.js';

function push(n: number): RecoveryEventInput {
  return {
    kind: 'push',
    result: 'success',
    at: new Date(n * 1000).toISOString(),
    checkpoint_uuid: `u${n}`,
    checkpoint_time: null,
    bytes: n,
    duration_ms: 1,
    pull_kind: null,
    error: null,
  };
}

describe('RecoveryHistory', () => {
  it('keeps the newest events up to its capacity, pages by seq', () => {
    const h = new RecoveryHistory(3);
    for (let i = 1; i <= 5; i++) h.record(push(i));
    expect(h.size).toBe(3);
    expect(h.lastSeq).toBe(5);
    expect(h.since().map((e) => e.seq)).toEqual([3, 4, 5]);
    expect(h.since(4).map((e) => e.bytes)).toEqual([5]);
    expect(h.since(5)).toEqual([]);
    expect(h.since(0, 2).map((e) => e.seq)).toEqual([3, 4]);
    expect(h.last('push')?.seq).toBe(5);
    expect(h.last('pull')).toBeNull();
  });

  it('records a checkpoint as taken once, and never one marked seen', () => {
    const h = new RecoveryHistory(10);
    const taken = { ...push(1), kind: 'checkpoint' as const, checkpoint_uuid: 'c1' };
    expect(h.recordTaken(taken)).toBe(true);
    expect(h.recordTaken(taken)).toBe(false);
    h.markSeen(['c2']);
    expect(h.recordTaken({ ...taken, checkpoint_uuid: 'c2' })).toBe(false);
    expect(h.since().filter((e) => e.kind === 'checkpoint')).toHaveLength(1);
  });

  it('bounds what it remembers as seen', () => {
    const h = new RecoveryHistory(2);
    for (let i = 0; i < 50; i++)
      h.recordTaken({ ...push(i), kind: 'checkpoint', checkpoint_uuid: `c${i}` });
    expect(h.size).toBe(2);
    // Old UUIDs are forgotten once they left the ring; the newest stay known.
    expect(h.hasSeen('c49')).toBe(true);
    expect(h.hasSeen('c0')).toBe(false);
  });
});
