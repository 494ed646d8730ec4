// Shared fixtures of the acceptance suite: a server child process per file, fresh Ceph RGW
// buckets per scenario, runtime configs, and data helpers that compare table hashes.
import { afterAll, afterEach, beforeAll, expect } from 'vitest';
import { createRcloneStore } from '@feldera-sync/rclone';
import type { RcloneStore } from '@feldera-sync/rclone';
import { CEPH_S3, createTestBucket, makeTempDir } from '@feldera-sync/test-utils';
import type { TempDir, TestBucket } from '@feldera-sync/test-utils';
import { client, startServerProcess } from '../harness.js';
import type { Answer, ServerProcess } from '../harness.js';

export type Client = ReturnType<typeof client>;

/** Tables every scenario writes: two, so a restore has to bring back more than one. */
export const TABLES = ['orders', 'users'] as const;

/** Options for `runtimeConfig`: `sync` fields override the defaults below. */
export interface ConfigOptions {
  sync?: Record<string, unknown>;
  /** Adds `fault_tolerance` with this `checkpoint_interval_secs`. */
  checkpointIntervalSecs?: number;
}

/** A runtime config that syncs to `location` (`bucket/prefix`) on the shared Ceph RGW. */
export function runtimeConfig(
  location: string,
  options: ConfigOptions = {},
): Record<string, unknown> {
  const sync: Record<string, unknown> = {
    endpoint: CEPH_S3.endpoint,
    bucket: location,
    provider: 'Ceph',
    access_key: CEPH_S3.accessKey,
    secret_key: CEPH_S3.secretKey,
    start_from_checkpoint: 'latest',
    fail_if_no_checkpoint: false,
    standby: false,
    pull_interval: 1,
    retention_min_count: 10,
    ...options.sync,
  };
  for (const [k, v] of Object.entries(sync)) if (v === undefined) delete sync[k];
  return {
    storage: { backend: { name: 'file', config: { sync } } },
    ...(options.checkpointIntervalSecs === undefined
      ? {}
      : {
          fault_tolerance: {
            model: 'at_least_once',
            checkpoint_interval_secs: options.checkpointIntervalSecs,
          },
        }),
  };
}

/** A wrong secret: Ceph answers `SignatureDoesNotMatch`. */
export const WRONG_SECRET = 'wrongsecretkey00000000000000000000000000';
/** An endpoint where nothing listens: any object-store request fails. */
export const UNREACHABLE_ENDPOINT = 'http://127.0.0.1:1';

/** An ObjectStore on one bucket location, for inspecting what the server wrote. */
export function inspect(location: string): RcloneStore {
  return createRcloneStore({
    binary: 'rclone',
    remote: {
      provider: 'Ceph',
      endpoint: CEPH_S3.endpoint,
      region: CEPH_S3.region,
      accessKey: CEPH_S3.accessKey,
      secretKey: CEPH_S3.secretKey,
      bucket: location,
    },
  });
}

/** Every object of a location as `key size`, sorted: equal listings mean nothing was written. */
export async function listing(location: string): Promise<string[]> {
  const objects = await inspect(location).list('', { signal: AbortSignal.timeout(30_000) });
  return objects.map((o) => `${o.key} ${o.size} ${o.modTime ?? ''}`).sort();
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** One server process per test file, with its data directory, buckets and pipelines cleaned up. */
export interface Suite {
  readonly server: ServerProcess;
  readonly c: Client;
  /** A fresh bucket for this scenario (removed after it). */
  bucket(): Promise<string>;
  /** Creates (or replaces) a pipeline; it is stopped after the scenario. */
  put(name: string, config: Record<string, unknown>): Promise<Answer>;
  /** Remembers a pipeline name to stop after the scenario (for pipelines created elsewhere). */
  track(name: string): void;
}

/** Registers the hooks of a file that runs its scenarios against one server process. */
export function useSuite(): Suite {
  let dir: TempDir | undefined;
  let server: ServerProcess | undefined;
  let buckets: TestBucket[] = [];
  let pipelines = new Set<string>();
  beforeAll(async () => {
    dir = await makeTempDir('feldera-sync-acceptance-');
    server = await startServerProcess({ dataDir: dir.path });
  });
  afterEach(async () => {
    if (server) {
      const c = client(server.url);
      await Promise.allSettled([...pipelines].map((p) => c.stop(p)));
    }
    pipelines = new Set();
    const toRemove = buckets;
    buckets = [];
    await Promise.allSettled(toRemove.map((b) => b.remove()));
  });
  afterAll(async () => {
    await server?.stop();
    await dir?.cleanup();
  });
  const suite: Suite = {
    get server() {
      if (!server) throw new Error('server not started');
      return server;
    },
    get c() {
      return client(suite.server.url);
    },
    async bucket() {
      const b = await createTestBucket(CEPH_S3);
      buckets.push(b);
      return b.bucket;
    },
    async put(name, config) {
      pipelines.add(name);
      const answer = await suite.c.put(name, config);
      expect(answer.status, JSON.stringify(answer.body)).toBeLessThan(300);
      return answer;
    },
    track(name) {
      pipelines.add(name);
    },
  };
  return suite;
}

/** Rows `{id, name, n}` for ids `from..to-1` (deterministic, different per `tag`). */
export function rows(tag: string, from: number, to: number): Record<string, unknown>[] {
  const out: Record<string, unknown>[] = [];
  for (let i = from; i < to; i++) out.push({ id: i, name: `${tag}-${i}`, n: (i * 7919) % 1000 });
  return out;
}

/** One input step per table: inserts (and optional deletes) into `orders` and `users`. */
export async function ingest(
  c: Client,
  name: string,
  tag: string,
  from: number,
  to: number,
  deletes: Record<string, unknown>[] = [],
): Promise<void> {
  for (const table of TABLES) {
    const changes = [
      ...rows(`${tag}-${table}`, from, to).map((r) => ({ insert: r })),
      ...deletes.map((r) => ({ delete: r })),
    ];
    const answer = await c.ingress(name, table, changes);
    expect(answer.status, JSON.stringify(answer.body)).toBe(200);
  }
}

/** Table contents and hashes of a running pipeline. */
export type Snapshot = Record<string, { hash: string; count: number }>;

/** Reads every table: hash plus row count (rows themselves are compared through the hash). */
export async function snapshot(c: Client, name: string): Promise<Snapshot> {
  const out: Snapshot = {};
  for (const table of TABLES) {
    const answer = await c.table(name, table);
    expect(answer.status, `${name}/${table}: ${JSON.stringify(answer.body)}`).toBe(200);
    out[table] = { hash: answer.body.hash, count: answer.body.rows.length };
  }
  return out;
}

/** Starts and waits for `want`; returns the final status body. */
export async function startAndWait(
  c: Client,
  name: string,
  initial: 'running' | 'paused' | 'standby',
  want: string | string[],
  timeoutMs = 60_000,
): Promise<any> {
  const started = await c.start(name, initial);
  expect(started.status, JSON.stringify(started.body)).toBe(202);
  return (await c.waitForStatus(name, want, timeoutMs)).body;
}

/** Starts expecting the start to fail; returns the error message. */
export async function startExpectFailure(
  c: Client,
  name: string,
  timeoutMs = 60_000,
): Promise<string> {
  const body = await startAndWait(c, name, 'running', ['Failed', 'Running'], timeoutMs);
  expect(body.runtime_status, JSON.stringify(body)).toBe('Failed');
  expect(body.error?.message, JSON.stringify(body)).toEqual(expect.any(String));
  return String(body.error.message);
}

/** Stops the pipeline and waits for `Stopped`. */
export async function stop(c: Client, name: string): Promise<void> {
  const answer = await c.stop(name);
  expect(answer.status, JSON.stringify(answer.body)).toBe(202);
  await c.waitForStatus(name, 'Stopped', 60_000);
}

/** Stops and clears local storage (the suite's meaning of "restart"), then optionally changes config. */
export async function stopAndClear(c: Client, name: string): Promise<void> {
  await stop(c, name);
  const cleared = await c.clear(name);
  expect(cleared.status, JSON.stringify(cleared.body)).toBe(202);
}

/** Takes a checkpoint; returns its UUID (the newest local catalog entry). */
export async function checkpoint(c: Client, name: string): Promise<string> {
  const answer = await c.checkpoint(name);
  expect(answer.status, JSON.stringify(answer.body)).toBe(200);
  const local = await localCatalog(c, name);
  const last = local[local.length - 1];
  if (!last) throw new Error(`no local checkpoint after POST /checkpoint on ${name}`);
  return last.uuid;
}

/** The local catalog (`GET .../checkpoints`). */
export async function localCatalog(
  c: Client,
  name: string,
): Promise<{ uuid: string; steps: number }[]> {
  const answer = await c.checkpoints(name);
  expect(answer.status, JSON.stringify(answer.body)).toBe(200);
  return answer.body as { uuid: string; steps: number }[];
}

/** The remote catalog's UUIDs (`GET .../checkpoints/remote`). */
export async function remoteUuids(c: Client, name: string): Promise<string[]> {
  const answer = await c.remoteCheckpoints(name);
  expect(answer.status, JSON.stringify(answer.body)).toBe(200);
  return (answer.body as { uuid: string }[]).map((e) => e.uuid);
}

/** Polls `probe` every 200 ms until it returns a value, or throws `what` after `timeoutMs`. */
export async function eventually<T>(
  what: string,
  timeoutMs: number,
  probe: () => Promise<T | undefined | null | false>,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await probe();
      if (value !== undefined && value !== null && value !== false) return value;
    } catch (err) {
      lastError = err;
    }
    await sleep(200);
  }
  throw new Error(
    `timed out after ${timeoutMs} ms waiting for ${what}${lastError instanceof Error ? `: ${lastError.message}` : ''}`,
  );
}

/** Waits for a `checkpoint pulled successfully` line of `pipeline` (naming `uuid` when given) after log line `from`. */
export async function waitForPull(
  server: ServerProcess,
  pipeline: string,
  uuid: string | null,
  timeoutMs = 30_000,
  from = 0,
): Promise<Record<string, unknown>> {
  return eventually(
    `'checkpoint pulled successfully' of ${pipeline}${uuid ? ` naming ${uuid}` : ''}`,
    timeoutMs,
    () =>
      Promise.resolve(
        server.logs
          .slice(from)
          .find(
            (l) =>
              l.msg === 'checkpoint pulled successfully' &&
              l.pipeline === pipeline &&
              (uuid === null || l.checkpoint === uuid),
          ),
      ),
  );
}
