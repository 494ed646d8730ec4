// Fixtures of the compatibility suite: runtime configs built the way the Python client builds
// them, and an in-process server (buildApp + a real listener on 127.0.0.1) for calls that need no
// object store.
import { Writable } from 'node:stream';
import pino from 'pino';
import { makeTempDir } from '@feldera-sync/test-utils';
import type { TempDir } from '@feldera-sync/test-utils';
import { buildApp } from '../../src/index.js';
import { PipelineManager } from '../../src/pipeline-manager.js';
import { PipelineRegistry } from '../../src/pipeline-registry.js';
import { FelderaClientReplay } from './replay.js';

/**
 * `RuntimeConfig(workers=1, hosts=1, fault_tolerance_model=AtLeastOnce, storage=Storage(config=...),
 * checkpoint_interval_secs=...).to_dict()` (python/feldera/runtime_config.py): top-level None
 * values dropped, nested ones kept as null.
 */
export function clientRuntimeConfig(
  options: { storage?: Record<string, unknown>; checkpointIntervalSecs?: number | null } = {},
): Record<string, unknown> {
  return {
    workers: 1,
    hosts: 1,
    tracing: false,
    tracing_endpoint_jaeger: '',
    cpu_profiler: true,
    max_buffering_delay_usecs: 0,
    min_batch_size_records: 0,
    fault_tolerance: {
      model: 'at_least_once',
      checkpoint_interval_secs: options.checkpointIntervalSecs ?? null,
    },
    ...(options.storage ? { storage: { min_storage_bytes: null, ...options.storage } } : {}),
  };
}

/** The `storage_cfg(...)` of Feldera's test_checkpoint_sync.py, for one S3 location. */
export function clientStorageConfig(sync: {
  bucket: string;
  endpoint: string;
  access_key: string;
  secret_key: string;
  provider?: string;
  region?: string;
  start_from_checkpoint?: string | null;
  fail_if_no_checkpoint?: boolean;
  pull_interval?: number;
  push_interval?: number | null;
  retention_min_count?: number;
  retention_min_age?: number;
  read_bucket?: string;
}): Record<string, unknown> {
  return {
    backend: {
      name: 'file',
      config: {
        sync: {
          bucket: sync.bucket,
          access_key: sync.access_key,
          secret_key: sync.secret_key,
          provider: sync.provider ?? 'Ceph',
          endpoint: sync.endpoint,
          region: sync.region ?? 'us-east-1',
          start_from_checkpoint: sync.start_from_checkpoint ?? null,
          fail_if_no_checkpoint: sync.fail_if_no_checkpoint ?? false,
          pull_interval: sync.pull_interval ?? 2,
          push_interval: sync.push_interval ?? null,
          retention_min_count: sync.retention_min_count ?? 1,
          retention_min_age: sync.retention_min_age ?? 0,
          ...(sync.read_bucket === undefined ? {} : { read_bucket: sync.read_bucket }),
        },
      },
    },
  };
}

/** The SQL of Feldera's checkpoint-sync tests; stored and returned, never compiled here. */
export const SQL =
  'CREATE TABLE t0 (c0 INT, c1 VARCHAR);\nCREATE MATERIALIZED VIEW v0 AS SELECT * FROM t0;';

/** An in-process server listening on 127.0.0.1, and the headers every request arrived with. */
export interface InProcessServer {
  url: string;
  dir: TempDir;
  manager: PipelineManager;
  app: Awaited<ReturnType<typeof buildApp>>;
  received: {
    method: string;
    url: string;
    headers: Record<string, string | string[] | undefined>;
  }[];
  logs: string[];
  client(apiKey?: string): Promise<FelderaClientReplay>;
  close(): Promise<void>;
}

export async function startInProcessServer(apiKey?: string): Promise<InProcessServer> {
  const dir = await makeTempDir('feldera-sync-client-compat-');
  const logs: string[] = [];
  const logger = pino(
    { level: 'info' },
    new Writable({
      write(chunk: Buffer, _enc, cb) {
        logs.push(chunk.toString());
        cb();
      },
    }),
  );
  const registry = await PipelineRegistry.open(dir.path);
  const manager = new PipelineManager({ registry, logger, rcloneBinary: 'rclone' });
  const app = await buildApp({ pipelines: manager, apiKey, logger });
  const received: InProcessServer['received'] = [];
  app.addHook('onRequest', (req, _reply, done) => {
    received.push({ method: req.method, url: req.url, headers: { ...req.headers } });
    done();
  });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  const url = `http://127.0.0.1:${port}`;
  const clients: FelderaClientReplay[] = [];
  return {
    url,
    dir,
    manager,
    app,
    received,
    logs,
    async client(key = apiKey) {
      const c = await FelderaClientReplay.connect(url, { apiKey: key });
      clients.push(c);
      return c;
    },
    async close() {
      for (const c of clients) c.close();
      await app.close();
      await manager.shutdown(5_000);
      await dir.cleanup();
    },
  };
}
