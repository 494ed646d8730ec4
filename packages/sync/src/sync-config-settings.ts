import type { SyncConfig } from '@feldera-sync/config';
import type { SynchronizerOptions } from './synchronizer.js';

/**
 * The synchroniser settings a sync config carries (retention, `checkers`, `transfer_timeout`), so
 * the server and the CLI map the config to a synchroniser the same way.
 */
export function synchronizerSettingsFrom(
  sync: SyncConfig,
): Pick<SynchronizerOptions, 'retention' | 'checkers' | 'transferTimeoutMs'> {
  return {
    retention: { minCount: sync.retention_min_count, minAgeDays: sync.retention_min_age },
    checkers: sync.checkers,
    transferTimeoutMs: sync.transfer_timeout === null ? null : sync.transfer_timeout * 1000,
  };
}
