import {
  parseJsonLossless,
  selectRetained,
  stringifyJsonLossless,
  uuidv7TimeMs,
} from '@feldera-sync/checkpoint';
import { describe, expect, it } from 'vitest';
import { nextPeriodicDelay } from './backoff.js';
import { planPushUploads } from './index.js';
import { decidePushRequest } from './push-queue.js';
import { initialStatus, reduceStatus } from './status.js';

const DAY = 86_400_000;
const uuidAt = (ms: number, tail = '0000'): string => {
  const h = ms.toString(16).padStart(12, '0');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-7000-8000-00000000${tail}`;
};

// The retention split the synchroniser relies on (push and gc), from the checkpoint package.
const planRetention = <E extends { uuid: string }>(
  catalog: E[],
  now: number,
  policy: { minCount: number; minAgeDays: number },
  justPushed?: string,
) => {
  const { keep, drop } = selectRetained(catalog, now, { ...policy, justPushed });
  return { keep, remove: drop };
};

describe('retention selection', () => {
  const now = 100 * DAY;
  const catalog = [1, 2, 3, 4, 5, 95, 99].map((d, i) => ({
    uuid: uuidAt(d * DAY, String(i).padStart(4, '0')),
  }));

  it('keeps the newest minCount and everything younger than minAgeDays', () => {
    const plan = planRetention(catalog, now, { minCount: 2, minAgeDays: 10 });
    expect(plan.keep.map((e) => e.uuid)).toEqual([catalog[5]!.uuid, catalog[6]!.uuid]);
    expect(plan.remove).toHaveLength(5);
    const wider = planRetention(catalog, now, { minCount: 3, minAgeDays: 97 });
    expect(wider.keep.map((e) => e.uuid)).toEqual(catalog.slice(3).map((e) => e.uuid));
  });

  it('never removes the checkpoint just pushed, and keeps at least one', () => {
    const plan = planRetention(catalog, now, { minCount: 0, minAgeDays: 0 }, catalog[0]!.uuid);
    expect(plan.keep.map((e) => e.uuid)).toEqual([catalog[0]!.uuid, catalog[6]!.uuid]);
  });

  it('reads ages from UUIDv7 and keeps entries whose age cannot be told', () => {
    expect(uuidv7TimeMs(uuidAt(12345))).toBe(12345);
    expect(uuidv7TimeMs('00000000-0000-4000-8000-000000000000')).toBeNull();
    // Retention removes only what it can date (the checkpoint package's rule).
    const undatable = { uuid: '00000000-0000-4000-8000-000000000000' };
    const plan = planRetention([undatable, ...catalog], now, { minCount: 1, minAgeDays: 0 });
    expect(plan.keep.map((e) => e.uuid)).toEqual([undatable.uuid, catalog[6]!.uuid]);
  });
});

describe('nextPeriodicDelay', () => {
  it('waits the interval after success and backs off exponentially, capped, after failures', () => {
    const s = { intervalMs: 60_000 };
    expect(nextPeriodicDelay(s, 0)).toBe(60_000);
    expect([1, 2, 3, 4].map((n) => nextPeriodicDelay(s, n))).toEqual([
      5_000, 10_000, 20_000, 40_000,
    ]);
    expect(nextPeriodicDelay(s, 20)).toBe(300_000);
    expect(nextPeriodicDelay({ intervalMs: 1_000 }, 1)).toBe(1_000);
    expect(nextPeriodicDelay({ intervalMs: 1_000, retryCapMs: 4_000 }, 10)).toBe(4_000);
  });
});

describe('decidePushRequest', () => {
  it('shares a running or queued push for the same checkpoint and queues others', () => {
    expect(decidePushRequest({ running: 'a', queued: [] }, 'a')).toEqual({
      action: 'join-running',
    });
    expect(decidePushRequest({ running: 'a', queued: ['b'] }, 'b')).toEqual({
      action: 'join-queued',
    });
    expect(decidePushRequest({ running: 'a', queued: ['b'] }, 'c')).toEqual({ action: 'enqueue' });
    expect(decidePushRequest({ running: null, queued: [] }, 'a')).toEqual({ action: 'enqueue' });
  });
});

describe('planPushUploads', () => {
  const o = (key: string, size = 10, sha256 = 'a'.repeat(64)) => ({ key, size, sha256 });
  it('skips what manifests record or a head found with the right size; flags conflicts', () => {
    const known = new Map([
      ['k1', { size: 10, sha256: 'a'.repeat(64) }],
      ['k2', { size: 10, sha256: 'b'.repeat(64) }],
    ]);
    const plan = planPushUploads(
      [o('k1'), o('k2'), o('k3'), o('k4')],
      known,
      new Map([
        ['k3', 10],
        ['k4', 3],
      ]),
    );
    expect(plan.skip.map((x) => x.key)).toEqual(['k1', 'k3']);
    expect(plan.upload.map((x) => x.key)).toEqual(['k4']);
    expect(plan.conflicts.map((x) => x.key)).toEqual(['k2']);
  });
});

describe('reduceStatus', () => {
  it('tracks manual and periodic results separately and clears failures on later success', () => {
    let s = reduceStatus(initialStatus, {
      type: 'push-failed',
      uuid: 'a',
      periodic: false,
      at: 1,
      error: 'boom',
    });
    expect(s.failure).toEqual({ uuid: 'a', error: 'boom' });
    s = reduceStatus(s, { type: 'push-failed', uuid: 'b', periodic: true, at: 2, error: 'x' });
    s = reduceStatus(s, { type: 'push-failed', uuid: 'b', periodic: true, at: 3, error: 'y' });
    expect(s.periodicFailure).toMatchObject({ uuid: 'b', error: 'y', consecutive: 2 });
    s = reduceStatus(s, { type: 'push-succeeded', uuid: 'b', periodic: true, at: 4 });
    expect(s).toMatchObject({
      periodic: 'b',
      periodicFailure: null,
      failure: { uuid: 'a' },
      lastSynced: 'b',
      lastSuccessAt: 4,
    });
    s = reduceStatus(s, { type: 'push-succeeded', uuid: 'b', periodic: false, at: 5 });
    expect(s).toMatchObject({ success: 'b', failure: null });
  });
});

describe('lossless JSON', () => {
  it('keeps u64 fingerprints exact through a round trip', () => {
    const text = '[{"uuid":"x","fingerprint":18446744073709551557,"s":"12345678901234567890"}]';
    expect(stringifyJsonLossless(parseJsonLossless(text))).toBe(text);
  });
});
