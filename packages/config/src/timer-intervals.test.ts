import { describe, expect, it } from 'vitest';
import { MAX_TIMER_DELAY_MS, MAX_TIMER_INTERVAL_SECS } from '@feldera-sync/clock';
import { parseRuntimeConfig, safeParseSyncConfig } from './parse.js';
import { errorOf, issueAt } from './test-support/issues.js';

describe('intervals that end in a timer', () => {
  const base = { bucket: 'ckpt', provider: 'Ceph' };

  it('accept the longest interval whose milliseconds fit a Node timer, and nothing longer', () => {
    expect(MAX_TIMER_INTERVAL_SECS).toBe(2_147_483);
    expect(MAX_TIMER_INTERVAL_SECS * 1000).toBeLessThanOrEqual(MAX_TIMER_DELAY_MS);
    expect((MAX_TIMER_INTERVAL_SECS + 1) * 1000).toBeGreaterThan(MAX_TIMER_DELAY_MS);
    for (const field of ['pull_interval', 'push_interval'] as const) {
      const ok = safeParseSyncConfig({ ...base, [field]: MAX_TIMER_INTERVAL_SECS });
      expect(ok.ok && ok.config[field]).toBe(MAX_TIMER_INTERVAL_SECS);
      const error = errorOf(safeParseSyncConfig({ ...base, [field]: MAX_TIMER_INTERVAL_SECS + 1 }));
      expect(issueAt(error, `$.${field}`, 'range').value).toBe(MAX_TIMER_INTERVAL_SECS + 1);
      // The message says where, which rule, the value and why the bound exists.
      expect(error.message).toContain(
        `$.${field}: must be an integer number of seconds from 1 to 2147483 (at most about 24.8 days: a longer interval overflows Node's timers, which would then fire every millisecond) (rule: range; value: 2147484)`,
      );
    }
    expect(
      parseRuntimeConfig({ fault_tolerance: { checkpoint_interval_secs: MAX_TIMER_INTERVAL_SECS } })
        .config.fault_tolerance.checkpoint_interval_secs,
    ).toBe(MAX_TIMER_INTERVAL_SECS);
    expect(() =>
      parseRuntimeConfig({ fault_tolerance: { checkpoint_interval_secs: 1e12 } }),
    ).toThrow(/\$\.fault_tolerance\.checkpoint_interval_secs: .*fire every millisecond/);
  });
});
