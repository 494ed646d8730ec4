// A fault-injecting proxy on 127.0.0.1 in front of an object store, for tests of what the adapter and
// the synchroniser do when the network or the store misbehaves. Two layers:
// - TCP (`tcp` faults): bytes are copied between client and upstream; a fault resets, stalls or
//   blackholes connections, or refuses new ones for a while.
// - HTTP (`http` faults): requests are parsed (node:http) and forwarded; a fault answers chosen
//   requests with a 5xx / SlowDown, truncates a response body, or forwards a request and drops the
//   reply after the store applied it (a lost reply).
// The Host header is forwarded unchanged, so SigV4 signatures made for the proxy's address verify.
import { request as httpRequest } from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createServer as createHttpServer } from 'node:http';
import { createConnection, createServer as createTcpServer } from 'node:net';
import type { Server, Socket } from 'node:net';

/** Which requests an HTTP fault applies to. */
export interface RequestMatch {
  method?: string | undefined;
  /** Tested against the path with its query string, e.g. `/bucket/key?uploadId=...`. */
  url?: RegExp | undefined;
}

/** A fault; `times` limits how many connections or requests it hits (default: all). */
export type Fault =
  | { kind: 'none' }
  | { kind: 'reset-after'; bytes: number; times?: number }
  | { kind: 'stall-after'; bytes: number; times?: number }
  | { kind: 'blackhole'; times?: number }
  | { kind: 'refuse'; forMs: number }
  | {
      kind: 'status';
      status: number;
      code: string;
      match?: RequestMatch | undefined;
      times?: number;
    }
  | { kind: 'truncate'; bytes: number; match?: RequestMatch | undefined; times?: number }
  | { kind: 'lose-reply'; match?: RequestMatch | undefined; times?: number };

/** A running proxy. */
export interface FaultProxy {
  /** `http://127.0.0.1:<port>`: the endpoint to give the client. */
  readonly endpoint: string;
  readonly port: number;
  /** Replaces the current fault. */
  setFault(fault: Fault): void;
  /** What the proxy saw: connections, requests, and how many times the fault hit. */
  readonly stats: { connections: number; requests: number; hits: number };
  close(): Promise<void>;
}

const TCP_KINDS = new Set(['reset-after', 'stall-after', 'blackhole', 'refuse']);

function matches(match: RequestMatch | undefined, req: IncomingMessage): boolean {
  if (!match) return true;
  if (match.method && match.method !== req.method) return false;
  if (match.url && !match.url.test(req.url ?? '')) return false;
  return true;
}

/**
 * Starts a proxy to `upstream` (`http://host:port`). `layer` decides which faults it can inject:
 * `tcp` copies bytes (TCP faults), `http` parses requests (HTTP faults). Both forward faithfully
 * while the fault is `none`.
 */
export async function startFaultProxy(
  upstream: string,
  layer: 'tcp' | 'http',
): Promise<FaultProxy> {
  const target = new URL(upstream);
  const upstreamPort = Number(target.port || 80);
  let fault: Fault = { kind: 'none' };
  const stats = { connections: 0, requests: 0, hits: 0 };
  const sockets = new Set<Socket>();
  let reopen: NodeJS.Timeout | null = null;

  const take = (): boolean => {
    const f = fault as { times?: number };
    if (f.times !== undefined && stats.hits >= f.times) return false;
    stats.hits++;
    return true;
  };

  const onTcp = (client: Socket): void => {
    stats.connections++;
    sockets.add(client);
    client.on('close', () => sockets.delete(client));
    client.on('error', () => undefined);
    const f = fault;
    if (f.kind === 'blackhole' && take()) {
      client.on('data', () => undefined); // read and drop; never answer
      return;
    }
    const limited = (f.kind === 'reset-after' || f.kind === 'stall-after') && take();
    const up = createConnection({ host: target.hostname, port: upstreamPort });
    sockets.add(up);
    up.on('close', () => sockets.delete(up));
    let seen = 0;
    let stalled = false;
    // A stalled connection stays open on the client's side even when the upstream has finished.
    up.on('error', () => stalled || client.destroy());
    client.on('close', () => up.destroy());
    up.on('close', () => stalled || client.destroy());
    const relay = (from: Socket, to: Socket): void => {
      from.on('data', (chunk: Buffer) => {
        if (stalled) return;
        if (limited) {
          const room = (f as { bytes: number }).bytes - seen;
          if (chunk.byteLength >= room) {
            if (room > 0) to.write(chunk.subarray(0, room));
            seen += room;
            if (f.kind === 'reset-after') {
              client.resetAndDestroy();
              up.destroy();
            } else {
              stalled = true; // both directions go quiet; the sockets stay open
            }
            return;
          }
          seen += chunk.byteLength;
        }
        to.write(chunk);
      });
    };
    relay(client, up);
    relay(up, client);
  };

  const onHttp = (req: IncomingMessage, res: ServerResponse): void => {
    stats.requests++;
    const f = fault;
    const hit =
      (f.kind === 'status' || f.kind === 'truncate' || f.kind === 'lose-reply') &&
      matches(f.match, req) &&
      take();
    if (hit && f.kind === 'status') {
      req.resume();
      req.on('end', () => {
        const body = `<?xml version="1.0" encoding="UTF-8"?><Error><Code>${f.code}</Code><Message>injected by the fault proxy</Message></Error>`;
        res.writeHead(f.status, {
          'content-type': 'application/xml',
          'content-length': Buffer.byteLength(body),
        });
        res.end(body);
      });
      return;
    }
    const up = httpRequest(
      {
        host: target.hostname,
        port: upstreamPort,
        method: req.method,
        path: req.url,
        headers: req.headers,
      },
      (upRes) => {
        if (hit && f.kind === 'lose-reply') {
          // The store has applied the request; the client never hears back.
          upRes.resume();
          req.socket.destroy();
          return;
        }
        res.writeHead(upRes.statusCode ?? 502, upRes.headers);
        if (hit && f.kind === 'truncate') {
          let sent = 0;
          upRes.on('data', (chunk: Buffer) => {
            const room = f.bytes - sent;
            if (room <= 0) return;
            res.write(chunk.subarray(0, room));
            sent += Math.min(room, chunk.byteLength);
            if (sent >= f.bytes) {
              upRes.destroy();
              req.socket.destroy();
            }
          });
          upRes.on('end', () => res.end());
          return;
        }
        upRes.pipe(res);
      },
    );
    up.on('error', () => req.socket.destroy());
    req.pipe(up);
  };

  let server: Server;
  if (layer === 'tcp') server = createTcpServer(onTcp);
  else {
    const http = createHttpServer({ keepAliveTimeout: 5_000 }, onHttp);
    http.on('connection', (s: Socket) => {
      stats.connections++;
      sockets.add(s);
      s.on('close', () => sockets.delete(s));
    });
    server = http;
  }
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const port = (server.address() as { port: number }).port;

  return {
    endpoint: `http://127.0.0.1:${port}`,
    port,
    stats,
    setFault(next) {
      if (layer === 'http' && TCP_KINDS.has(next.kind) && next.kind !== 'refuse')
        throw new Error(`fault ${next.kind} needs a tcp proxy`);
      if (layer === 'tcp' && !TCP_KINDS.has(next.kind) && next.kind !== 'none')
        throw new Error(`fault ${next.kind} needs an http proxy`);
      // Ending a refusal early listens again at once.
      if (reopen && next.kind !== 'refuse') {
        clearTimeout(reopen);
        reopen = null;
        server.listen(port, '127.0.0.1');
      }
      fault = next;
      stats.hits = 0;
      // A changed fault applies to new connections; drop idle keep-alive ones so it takes effect.
      for (const s of sockets) s.destroy();
      if (next.kind === 'refuse') {
        // Really refused (ECONNREFUSED): nothing listens on the port until the time is up.
        server.close();
        if (reopen) clearTimeout(reopen);
        reopen = setTimeout(() => {
          reopen = null;
          fault = { kind: 'none' };
          server.listen(port, '127.0.0.1');
        }, next.forMs);
      }
    },
    async close() {
      if (reopen) clearTimeout(reopen);
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
