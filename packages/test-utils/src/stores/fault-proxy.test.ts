import { request } from 'node:http';
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFaultProxy } from './fault-proxy.js';

// An upstream that echoes: GET answers 64 KiB, PUT answers the length it received.
let upstream: Server;
let origin = '';
const applied: string[] = [];
beforeAll(async () => {
  upstream = createServer((req, res) => {
    let n = 0;
    req.on('data', (c: Buffer) => (n += c.byteLength));
    req.on('end', () => {
      if (req.method === 'PUT') applied.push(req.url ?? '');
      const body = req.method === 'GET' ? Buffer.alloc(64 * 1024, 7) : Buffer.from(String(n));
      res.writeHead(200, { 'content-length': body.byteLength, 'x-host': req.headers.host ?? '' });
      res.end(body);
    });
  });
  await new Promise<void>((r) => upstream.listen(0, '127.0.0.1', () => r()));
  origin = `http://127.0.0.1:${(upstream.address() as { port: number }).port}`;
});
afterAll(async () => {
  await new Promise<void>((r) => upstream.close(() => r()));
});

function call(
  endpoint: string,
  method: string,
  path: string,
  timeoutMs = 3_000,
): Promise<{ status: number; bytes: number; host: string } | { error: string }> {
  return new Promise((resolve) => {
    const req = request(`${endpoint}${path}`, { method, agent: false }, (res) => {
      let bytes = 0;
      res.on('data', (c: Buffer) => (bytes += c.byteLength));
      res.on('end', () =>
        resolve({ status: res.statusCode ?? 0, bytes, host: String(res.headers['x-host']) }),
      );
      res.on('error', (e) => resolve({ error: e.message }));
    });
    req.setTimeout(timeoutMs, () => req.destroy(new Error('timeout')));
    req.on('error', (e: NodeJS.ErrnoException) => resolve({ error: e.code ?? e.message }));
    req.end(method === 'PUT' ? Buffer.alloc(1000) : undefined);
  });
}

describe('fault proxy', () => {
  it('tcp: forwards faithfully, resets after N bytes, stalls, blackholes and refuses for a while', async () => {
    const p = await startFaultProxy(origin, 'tcp');
    try {
      expect(await call(p.endpoint, 'GET', '/a')).toMatchObject({ status: 200, bytes: 64 * 1024 });
      p.setFault({ kind: 'reset-after', bytes: 10_000 });
      expect(await call(p.endpoint, 'GET', '/a')).toHaveProperty('error');
      p.setFault({ kind: 'stall-after', bytes: 10_000 });
      const started = Date.now();
      // Headers arrive, then the body goes quiet until the client gives up.
      expect(await call(p.endpoint, 'GET', '/a', 500)).toHaveProperty('error');
      expect(Date.now() - started).toBeGreaterThanOrEqual(450);
      p.setFault({ kind: 'blackhole' });
      expect(await call(p.endpoint, 'GET', '/a', 500)).toEqual({ error: 'timeout' });
      p.setFault({ kind: 'refuse', forMs: 400 });
      expect(await call(p.endpoint, 'GET', '/a')).toEqual({ error: 'ECONNREFUSED' });
      await new Promise((r) => setTimeout(r, 600));
      expect(await call(p.endpoint, 'GET', '/a')).toMatchObject({ status: 200 });
      p.setFault({ kind: 'refuse', forMs: 60_000 });
      expect(await call(p.endpoint, 'GET', '/a')).toEqual({ error: 'ECONNREFUSED' });
      p.setFault({ kind: 'none' });
      await new Promise((r) => setTimeout(r, 50));
      expect(await call(p.endpoint, 'GET', '/a')).toMatchObject({ status: 200 });
      p.setFault({ kind: 'reset-after', bytes: 100, times: 1 });
      expect(await call(p.endpoint, 'GET', '/a')).toHaveProperty('error');
      expect(await call(p.endpoint, 'GET', '/a')).toMatchObject({ status: 200 });
    } finally {
      await p.close();
    }
  });

  it('http: chosen requests get a 5xx, a truncated body, or a lost reply after the upstream applied them; the Host header passes unchanged', async () => {
    const p = await startFaultProxy(origin, 'http');
    try {
      expect(await call(p.endpoint, 'GET', '/a')).toMatchObject({
        status: 200,
        host: `127.0.0.1:${p.port}`,
      });
      p.setFault({
        kind: 'status',
        status: 503,
        code: 'SlowDown',
        match: { method: 'PUT' },
        times: 2,
      });
      expect(await call(p.endpoint, 'GET', '/a')).toMatchObject({ status: 200 });
      expect(await call(p.endpoint, 'PUT', '/k')).toMatchObject({ status: 503 });
      expect(await call(p.endpoint, 'PUT', '/k')).toMatchObject({ status: 503 });
      expect(await call(p.endpoint, 'PUT', '/k')).toMatchObject({ status: 200 });
      p.setFault({ kind: 'truncate', bytes: 1000, match: { url: /^\/a/ } });
      const cut = await call(p.endpoint, 'GET', '/a');
      expect('error' in cut || (cut as { bytes: number }).bytes < 64 * 1024).toBe(true);
      applied.length = 0;
      p.setFault({ kind: 'lose-reply', match: { method: 'PUT', url: /^\/lost/ } });
      expect(await call(p.endpoint, 'PUT', '/lost')).toHaveProperty('error');
      expect(applied).toEqual(['/lost']);
    } finally {
      await p.close();
    }
  });
});
