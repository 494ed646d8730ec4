import { spawn } from 'node:child_process';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  cephServer,
  ensureCeph,
  makeTempDir,
  writePseudoRandomFile,
} from '@feldera-sync/test-utils';
import type { TempDir, TestBucket } from '@feldera-sync/test-utils';
import { client, startServerProcess } from './harness.js';
import type { ServerProcess } from './harness.js';

const MAIN = fileURLToPath(new URL('../dist/main.js', import.meta.url));
const ceph = await ensureCeph();

describe('the real server process (dist/main.js)', () => {
  it('refuses to listen beyond loopback without an API key, and says how to fix it', async () => {
    const dir = await makeTempDir();
    try {
      const child = spawn(
        process.execPath,
        [MAIN, '--host', '0.0.0.0', '--port', '0', '--data-dir', dir.path],
        { stdio: ['ignore', 'pipe', 'pipe'] },
      );
      let stderr = '';
      child.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c));
      const code = await new Promise<number | null>((resolve) => {
        const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
        child.once('exit', (c) => {
          clearTimeout(timer);
          resolve(c);
        });
      });
      expect(code).toBe(1);
      expect(stderr).toContain('refusing to listen on 0.0.0.0 without an API key');
      expect(stderr).toContain('--api-key-file');
    } finally {
      await dir.cleanup();
    }
  });

  it('serves over a socket, keeps its pipelines across restarts and exits 0 on SIGTERM', async () => {
    const dir = await makeTempDir();
    try {
      let server = await startServerProcess({ dataDir: dir.path });
      const api = client(server.url);
      expect((await api.call('GET', '/healthz')).body).toEqual({ status: 'ok' });
      const put = await api.put('kept', { fault_tolerance: { model: 'none' } });
      expect(put.status).toBe(201);
      expect(await server.stop()).toBe(0);
      server = await startServerProcess({ dataDir: dir.path });
      const again = await client(server.url).call('GET', '/v0/pipelines/kept');
      expect(again.body).toMatchObject({ name: 'kept', system_name: put.body.system_name });
      expect(await server.stop()).toBe(0);
    } finally {
      await dir.cleanup();
    }
  });
});

describe.skipIf(!ceph.available)('responsiveness during a 1 GiB push (Ceph RGW)', () => {
  let dir: TempDir;
  let bucket: TestBucket;
  let server: ServerProcess;
  beforeAll(async () => {
    dir = await makeTempDir();
    bucket = await cephServer().createBucket();
    server = await startServerProcess({ dataDir: dir.path });
  });
  afterAll(async () => {
    await server?.stop();
    await bucket?.remove();
    await dir?.cleanup();
  });

  it('answers /healthz quickly while pushing 1 GiB', { timeout: 300_000 }, async () => {
    const api = client(server.url);
    await api.put('big', {
      storage: {
        backend: {
          name: 'file',
          config: {
            sync: {
              endpoint: bucket.endpoint,
              bucket: bucket.bucket,
              provider: bucket.provider,
              access_key: bucket.accessKey,
              secret_key: bucket.secretKey,
            },
          },
        },
      },
    });
    await api.start('big');
    await api.waitForStatus('big', 'Running');
    await api.ingress('big', 't', [{ insert: { a: 1 } }]);
    const cp = await api.checkpoint('big');
    expect(cp.status).toBe(200);
    // An opaque 1 GiB operator file inside the newest checkpoint directory travels in its zip.
    const pipelines = join(dir.path, 'pipelines');
    const [systemName] = await readdir(pipelines);
    const storage = join(pipelines, systemName!, 'storage');
    const catalog = (await api.checkpoints('big')).body as { uuid: string }[];
    const uuid = catalog.at(-1)!.uuid;
    await writePseudoRandomFile(join(storage, uuid, 'operator-big.bin'), 1024 ** 3, 7);

    const started = await api.sync('big');
    expect(started.status).toBe(202);
    const latencies: number[] = [];
    let status: { success?: string | null; failure?: unknown } = {};
    const deadline = Date.now() + 240_000;
    while (status.success !== uuid && Date.now() < deadline) {
      const t0 = performance.now();
      const health = await fetch(`${server.url}/healthz`, { signal: AbortSignal.timeout(10_000) });
      latencies.push(performance.now() - t0);
      expect(health.status).toBe(200);
      status = (await api.syncStatus('big')).body;
      if (status.failure) throw new Error(`sync failed: ${JSON.stringify(status.failure)}`);
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(status.success).toBe(uuid);
    latencies.sort((a, b) => a - b);
    const median = latencies[Math.floor(latencies.length / 2)]!;
    const p95 = latencies[Math.floor(latencies.length * 0.95)]!;
    console.log(
      `healthz during a 1 GiB push: ${latencies.length} probes, median ${median.toFixed(1)} ms, p95 ${p95.toFixed(1)} ms, max ${latencies.at(-1)!.toFixed(1)} ms`,
    );
    expect(latencies.length).toBeGreaterThan(20);
    expect(median).toBeLessThan(100);
    expect(p95).toBeLessThan(100);
  });
});
