// /metrics counts pushes from the synchroniser's typed events after real pushes to Ceph RGW: one
// success per push with its bytes and seconds, one failure per failed push (never two for one),
// and every family name the server has exposed stays (they are a contract: add, never rename).
import { Writable } from 'node:stream';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CEPH_S3, createTestBucket, makeTempDir } from '@feldera-sync/test-utils';
import type { TempDir, TestBucket } from '@feldera-sync/test-utils';
import { buildApp } from '../src/index.js';
import { MetricsRegistry } from '../src/metrics.js';
import { PipelineManager } from '../src/pipeline-manager.js';
import { PipelineRegistry } from '../src/pipeline-registry.js';
import { declareSyncMetrics, pipelineMetrics } from '../src/sync-metrics.js';

const CONTRACT = [
  'feldera_sync_push_total',
  'feldera_sync_push_bytes_total',
  'feldera_sync_push_seconds_total',
  'feldera_sync_pull_total',
  'feldera_sync_pull_bytes_total',
  'feldera_sync_pull_seconds_total',
  'feldera_sync_checkpoint_total',
  'feldera_sync_standby_checkpoint_age_seconds',
  'feldera_sync_standby_consecutive_pull_failures',
  'feldera_sync_pipeline_up',
];

/** The value of the one series of `name` whose labels include every `labels` pair, or null. */
function sample(text: string, name: string, labels: Record<string, string>): number | null {
  for (const line of text.split('\n')) {
    const m = /^([a-z_]+)\{([^}]*)\} (\S+)$/.exec(line);
    if (!m || m[1] !== name) continue;
    const have = Object.fromEntries(
      m[2]!.split(',').map((kv) => {
        const [k, v] = kv.split('=');
        return [k!, v!.slice(1, -1)];
      }),
    );
    if (Object.entries(labels).every(([k, v]) => have[k] === v)) return Number(m[3]);
  }
  return null;
}

function runtimeConfig(bucket: TestBucket, location: string, secretKey: string) {
  return {
    storage: {
      backend: {
        name: 'file',
        config: {
          sync: {
            endpoint: CEPH_S3.endpoint,
            bucket: `${bucket.bucket}/${location}`,
            provider: CEPH_S3.provider,
            access_key: CEPH_S3.accessKey,
            secret_key: secretKey,
          },
        },
      },
    },
  };
}

describe('sync metrics (Ceph RGW)', () => {
  let dir: TempDir;
  let bucket: TestBucket;
  let manager: PipelineManager;
  let app: Awaited<ReturnType<typeof buildApp>>;
  beforeAll(async () => {
    bucket = await createTestBucket(CEPH_S3);
    dir = await makeTempDir('feldera-sync-metrics-');
    const logger = pino({ level: 'warn' }, new Writable({ write: (_c, _e, cb) => cb() }));
    const registry = await PipelineRegistry.open(dir.path);
    manager = new PipelineManager({ registry, logger, rcloneBinary: 'rclone' });
    app = await buildApp({ pipelines: manager, logger });
  });
  afterAll(async () => {
    await app.close();
    await manager.shutdown(5_000);
    await dir.cleanup();
    await bucket.remove();
  });

  /** Starts `name`, takes a checkpoint and requests its sync; resolves the pipeline's system name. */
  async function checkpointAndSync(name: string, secretKey: string): Promise<string> {
    await app.inject({
      method: 'PUT',
      url: `/v0/pipelines/${name}`,
      payload: { runtime_config: runtimeConfig(bucket, name, secretKey) },
    });
    await app.inject({ method: 'POST', url: `/v0/pipelines/${name}/start` });
    for (let i = 0; i < 200; i++) {
      const s = (await app.inject(`/v0/pipelines/${name}/status`)).json<Record<string, unknown>>();
      if (s.runtime_status === 'Running') break;
      await new Promise((r) => setTimeout(r, 50));
    }
    await app.inject({
      method: 'POST',
      url: `/v0/pipelines/${name}/ingress/t`,
      payload: Array.from({ length: 50 }, (_, i) => ({ insert: { i } })),
    });
    expect(
      (await app.inject({ method: 'POST', url: `/v0/pipelines/${name}/checkpoint` })).statusCode,
    ).toBe(200);
    const answer = await app.inject({
      method: 'POST',
      url: `/v0/pipelines/${name}/checkpoint/sync`,
    });
    expect(answer.statusCode).toBe(202);
    return (await app.inject(`/v0/pipelines/${name}/status`)).json<{ system_name: string }>()
      .system_name;
  }

  async function waitForSample(name: string, labels: Record<string, string>): Promise<string> {
    for (let i = 0; i < 600; i++) {
      const text = (await app.inject('/metrics')).body;
      if (sample(text, name, labels) !== null) return text;
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error(`no ${name} ${JSON.stringify(labels)} in /metrics`);
  }

  it('counts a real push once with its bytes and seconds, and a failed push once as a failure', async () => {
    const good = await checkpointAndSync('good', CEPH_S3.secretKey);
    let text = await waitForSample('feldera_sync_push_total', {
      pipeline: good,
      result: 'success',
    });
    expect(sample(text, 'feldera_sync_push_total', { pipeline: good, result: 'success' })).toBe(1);
    expect(
      sample(text, 'feldera_sync_push_total', { pipeline: good, result: 'failure' }),
    ).toBeNull();
    // The checkpoint's batch files and zip, manifest and catalog: more than the rows themselves.
    expect(sample(text, 'feldera_sync_push_bytes_total', { pipeline: good })).toBeGreaterThan(500);
    expect(sample(text, 'feldera_sync_push_seconds_total', { pipeline: good })).toBeGreaterThan(0);
    expect(
      sample(text, 'feldera_sync_checkpoint_total', { pipeline: good, result: 'success' }),
    ).toBe(1);
    expect(sample(text, 'feldera_sync_pipeline_up', { pipeline: good })).toBe(1);

    // Ceph checks signatures: a wrong secret fails the push (at its owner check).
    const bad = await checkpointAndSync('bad', 'wrong-secret-0000000000000000000000000000');
    text = await waitForSample('feldera_sync_push_total', { pipeline: bad, result: 'failure' });
    // Give a second (double) count the time to show before asserting there is none.
    await new Promise((r) => setTimeout(r, 300));
    text = (await app.inject('/metrics')).body;
    expect(sample(text, 'feldera_sync_push_total', { pipeline: bad, result: 'failure' })).toBe(1);
    expect(
      sample(text, 'feldera_sync_push_total', { pipeline: bad, result: 'success' }),
    ).toBeNull();
    expect(text).not.toContain('wrong-secret');
    for (const name of CONTRACT) expect(text).toContain(`# TYPE ${name} `);
  });
});

describe('pipelineMetrics', () => {
  it('turns typed events into the contract families, and drops nothing it is not told', () => {
    const registry = new MetricsRegistry();
    declareSyncMetrics(registry);
    const m = pipelineMetrics(registry, 'pipeline-x');
    m.sync({
      type: 'push-succeeded',
      uuid: 'u',
      bytes: 2048,
      objects: 3,
      skippedObjects: 1,
      durationMs: 1500,
      alreadySynced: false,
    });
    m.sync({ type: 'push-failed', uuid: 'u', code: 'ERR_STORE_AUTH', durationMs: 10 });
    m.pulled(4096, 500);
    m.pullFailed();
    const text = registry.render();
    const p = { pipeline: 'pipeline-x' };
    expect(sample(text, 'feldera_sync_push_total', { ...p, result: 'success' })).toBe(1);
    expect(sample(text, 'feldera_sync_push_total', { ...p, result: 'failure' })).toBe(1);
    expect(sample(text, 'feldera_sync_push_bytes_total', p)).toBe(2048);
    expect(sample(text, 'feldera_sync_push_seconds_total', p)).toBe(1.5);
    expect(sample(text, 'feldera_sync_pull_total', { ...p, result: 'success' })).toBe(1);
    expect(sample(text, 'feldera_sync_pull_total', { ...p, result: 'failure' })).toBe(1);
    expect(sample(text, 'feldera_sync_pull_bytes_total', p)).toBe(4096);
    expect(sample(text, 'feldera_sync_pull_seconds_total', p)).toBe(0.5);
    for (const name of CONTRACT) expect(text).toContain(`# TYPE ${name} `);
  });
});
