import type { StandbySnapshot } from '@feldera-sync/standby';
import type { SyncEvent } from '@feldera-sync/sync';
import type { MetricsRegistry } from './metrics.js';

/**
 * Declares the server's `/metrics` families. Their names and labels are a contract (dashboards and
 * alerts use them): add, never rename.
 */
export function declareSyncMetrics(m: MetricsRegistry): void {
  m.declare(
    'feldera_sync_push_total',
    'counter',
    'Checkpoint pushes to the object store, by result',
  );
  m.declare('feldera_sync_push_bytes_total', 'counter', 'Bytes uploaded by checkpoint pushes');
  m.declare(
    'feldera_sync_push_seconds_total',
    'counter',
    'Seconds spent in successful checkpoint pushes',
  );
  m.declare(
    'feldera_sync_pull_total',
    'counter',
    'Checkpoint pulls and restores from the object store, by result',
  );
  m.declare('feldera_sync_pull_bytes_total', 'counter', 'Bytes downloaded by pulls and restores');
  m.declare('feldera_sync_pull_seconds_total', 'counter', 'Seconds spent in pulls and restores');
  m.declare('feldera_sync_checkpoint_total', 'counter', 'Checkpoints taken on request, by result');
  m.declare(
    'feldera_sync_standby_checkpoint_age_seconds',
    'gauge',
    'Age of the newest pulled checkpoint (-1: none yet)',
  );
  m.declare(
    'feldera_sync_standby_consecutive_pull_failures',
    'gauge',
    'Failed pulls since the last successful one',
  );
  m.declare(
    'feldera_sync_pipeline_up',
    'gauge',
    '1 when the pipeline is running, paused or standing by',
  );
}

/** One pipeline's metrics, fed typed events: the synchroniser's, the pulls', the checkpoints'. */
export interface PipelineMetrics {
  /** A push ended (any request: manual, periodic). */
  sync(event: SyncEvent): void;
  /** A pull or restore installed a checkpoint (or found none). */
  pulled(bytes: number, durationMs: number): void;
  pullFailed(): void;
  checkpoint(result: 'success' | 'failure'): void;
  /** Gauges computed at scrape time from the standby runner's snapshot. */
  updateGauges(snap: StandbySnapshot, now: number): void;
}

/** The metrics of the pipeline whose system name is `pipeline`. */
export function pipelineMetrics(metrics: MetricsRegistry, pipeline: string): PipelineMetrics {
  const labels = { pipeline };
  return {
    sync(event) {
      switch (event.type) {
        case 'push-succeeded':
          metrics.inc('feldera_sync_push_total', { ...labels, result: 'success' });
          metrics.inc('feldera_sync_push_bytes_total', labels, event.bytes);
          metrics.inc('feldera_sync_push_seconds_total', labels, event.durationMs / 1000);
          break;
        case 'push-failed':
          metrics.inc('feldera_sync_push_total', { ...labels, result: 'failure' });
          break;
      }
    },
    pulled(bytes, durationMs) {
      metrics.inc('feldera_sync_pull_total', { ...labels, result: 'success' });
      metrics.inc('feldera_sync_pull_bytes_total', labels, bytes);
      metrics.inc('feldera_sync_pull_seconds_total', labels, durationMs / 1000);
    },
    pullFailed() {
      metrics.inc('feldera_sync_pull_total', { ...labels, result: 'failure' });
    },
    checkpoint(result) {
      metrics.inc('feldera_sync_checkpoint_total', { ...labels, result });
    },
    updateGauges(snap, now) {
      metrics.set(
        'feldera_sync_standby_consecutive_pull_failures',
        labels,
        snap.consecutivePullFailures,
      );
      metrics.set(
        'feldera_sync_standby_checkpoint_age_seconds',
        labels,
        snap.lastPulledCheckpoint?.timeMs == null
          ? -1
          : (now - snap.lastPulledCheckpoint.timeMs) / 1000,
      );
      metrics.set(
        'feldera_sync_pipeline_up',
        labels,
        snap.state === 'running' || snap.state === 'paused' || snap.state === 'standby' ? 1 : 0,
      );
    },
  };
}
