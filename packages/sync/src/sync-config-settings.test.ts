import { parseSyncConfig } from '@feldera-sync/config';
import { describe, expect, it } from 'vitest';
import { synchronizerSettingsFrom } from './sync-config-settings.js';

describe('synchronizerSettingsFrom', () => {
  it('maps retention, checkers and transfer_timeout (seconds) from the config', () => {
    const sync = parseSyncConfig({
      bucket: 'ckpt/a',
      provider: 'Ceph',
      retention_min_count: 3,
      retention_min_age: 7,
      checkers: 5,
      transfer_timeout: 90,
    }).config;
    expect(synchronizerSettingsFrom(sync)).toEqual({
      retention: { minCount: 3, minAgeDays: 7 },
      checkers: 5,
      transferTimeoutMs: 90_000,
    });
  });

  it('keeps an unset transfer_timeout as null (the size-based default)', () => {
    const sync = parseSyncConfig({ bucket: 'ckpt/a', provider: 'Ceph' }).config;
    expect(sync.transfer_timeout).toBeNull();
    expect(synchronizerSettingsFrom(sync)).toMatchObject({
      retention: { minCount: 10, minAgeDays: 30 },
      transferTimeoutMs: null,
    });
  });
});
