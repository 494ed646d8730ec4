import { timingSafeEqual } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { InvalidArgumentError } from 'commander';
import { SyncError } from '@feldera-sync/errors';
import { ApiErrorCodes } from '@feldera-sync/server/error-codes';
import type { ApiErrorCode } from '@feldera-sync/server/error-codes';
import { CliErrorCodes, RoleApiErrorCodes } from './error-codes.js';
import type { RoleApiErrorCode } from './error-codes.js';

/** One Prometheus metric family: name, help, type and its samples. */
export interface MetricFamily {
  name: string;
  help: string;
  type: 'gauge' | 'counter';
  samples: { labels?: Record<string, string>; value: number }[];
}

function escapeLabel(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');
}

function formatValue(value: number): string {
  if (Number.isNaN(value)) return 'NaN';
  if (value === Infinity) return '+Inf';
  if (value === -Infinity) return '-Inf';
  return String(value);
}

/** Prometheus text exposition format (version 0.0.4) of `families`. */
export function formatPrometheus(families: readonly MetricFamily[]): string {
  const lines: string[] = [];
  for (const f of families) {
    lines.push(`# HELP ${f.name} ${f.help.replace(/\\/g, '\\\\').replace(/\n/g, '\\n')}`);
    lines.push(`# TYPE ${f.name} ${f.type}`);
    for (const s of f.samples) {
      const labels = Object.entries(s.labels ?? {});
      const text =
        labels.length === 0
          ? ''
          : `{${labels.map(([k, v]) => `${k}="${escapeLabel(v)}"`).join(',')}}`;
      lines.push(`${f.name}${text} ${formatValue(s.value)}`);
    }
  }
  return lines.join('\n') + '\n';
}

const startedAtSeconds = Date.now() / 1000 - process.uptime();

/** The standard process metrics (as prom-client names them), from this process. */
export function processMetrics(): MetricFamily[] {
  const mem = process.memoryUsage();
  const cpu = process.cpuUsage();
  const g = (name: string, help: string, value: number, type: 'gauge' | 'counter' = 'gauge') => ({
    name,
    help,
    type,
    samples: [{ value }],
  });
  return [
    g('process_resident_memory_bytes', 'Resident memory size in bytes', mem.rss),
    g(
      'process_cpu_seconds_total',
      'Total user and system CPU time spent in seconds',
      (cpu.user + cpu.system) / 1e6,
      'counter',
    ),
    g(
      'process_start_time_seconds',
      'Start time of the process since the epoch in seconds',
      startedAtSeconds,
    ),
    g('nodejs_heap_size_used_bytes', 'V8 heap used in bytes', mem.heapUsed),
    g('nodejs_heap_size_total_bytes', 'V8 heap size in bytes', mem.heapTotal),
    g(
      'nodejs_external_memory_bytes',
      'Memory of C++ objects bound to JavaScript, in bytes',
      mem.external,
    ),
  ];
}

/** What a role (sidecar or standby) serves on its port. */
export interface RoleEndpoints {
  role: 'sidecar' | 'standby';
  /** Liveness: false (503) while shutting down. */
  healthy(): boolean;
  /** The JSON status document. */
  status(): unknown;
  /** Prometheus metrics. */
  metrics(): MetricFamily[];
  /** Standby only: asks for activation; answers the machine's verdict. */
  activate?(): { accepted: boolean; reason?: string | undefined; state: string };
}

/** An HTTP answer, as plain data. */
export interface RoleResponse {
  status: number;
  contentType: string;
  body: string;
}

function json(status: number, value: unknown): RoleResponse {
  return {
    status,
    contentType: 'application/json; charset=utf-8',
    body: JSON.stringify(value) + '\n',
  };
}

function apiError(
  status: number,
  errorCode: ApiErrorCode | RoleApiErrorCode,
  message: string,
): RoleResponse {
  return json(status, { message, error_code: errorCode, details: null });
}

function sameSecret(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** How `POST /activate` is guarded: a key when one is configured; refused beyond loopback without one. */
export interface ActivationGuard {
  apiKey: string | null;
  loopbackOnly: boolean;
}

/** Routes one request: pure apart from the endpoints it calls. */
export function routeRoleRequest(
  request: { method: string; path: string; authorization?: string | undefined },
  endpoints: RoleEndpoints,
  guard: ActivationGuard,
): RoleResponse {
  const path = request.path.split('?')[0] ?? '/';
  const method = request.method.toUpperCase();
  const get = method === 'GET' || method === 'HEAD';
  switch (path) {
    case '/healthz':
      if (!get) return apiError(405, RoleApiErrorCodes.MethodNotAllowed, 'use GET /healthz');
      return endpoints.healthy()
        ? json(200, { status: 'ok', role: endpoints.role })
        : json(503, { status: 'shutting down', role: endpoints.role });
    case '/metrics':
      if (!get) return apiError(405, RoleApiErrorCodes.MethodNotAllowed, 'use GET /metrics');
      return {
        status: 200,
        contentType: 'text/plain; version=0.0.4; charset=utf-8',
        body: formatPrometheus([...endpoints.metrics(), ...processMetrics()]),
      };
    case '/status':
    case '/':
      if (!get) return apiError(405, RoleApiErrorCodes.MethodNotAllowed, `use GET ${path}`);
      return json(200, endpoints.status());
    case '/activate': {
      if (method !== 'POST')
        return apiError(405, RoleApiErrorCodes.MethodNotAllowed, 'use POST /activate');
      if (!endpoints.activate)
        return apiError(
          404,
          ApiErrorCodes.NotFound,
          'this is a sidecar: only a standby can be activated',
        );
      if (guard.apiKey !== null) {
        const given = /^Bearer (.+)$/.exec(request.authorization ?? '')?.[1] ?? '';
        if (!sameSecret(given, guard.apiKey))
          return apiError(
            401,
            ApiErrorCodes.Unauthorized,
            'POST /activate needs "Authorization: Bearer <key>"',
          );
      } else if (!guard.loopbackOnly) {
        return apiError(
          403,
          RoleApiErrorCodes.ActivationNotAllowed,
          'POST /activate is refused on a non-loopback address without --api-key-file; activate with SIGUSR1 or --activate-file, or restart with --api-key-file',
        );
      }
      const verdict = endpoints.activate();
      return verdict.accepted
        ? json(202, { accepted: true, state: verdict.state })
        : apiError(
            400,
            ApiErrorCodes.InvalidTransition,
            verdict.reason ?? `cannot activate a standby that is ${verdict.state}`,
          );
    }
    default:
      return apiError(404, ApiErrorCodes.NotFound, `no route ${method} ${path}`);
  }
}

/** `HOST:PORT` or `PORT` (host 127.0.0.1); IPv6 as `[::1]:PORT`. */
export function parseListen(value: string): { host: string; port: number } {
  const m = /^(?:(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]+):)?(\d{1,5})$/.exec(value);
  const port = m ? Number(m[2]) : NaN;
  if (!m || port > 65_535)
    throw new InvalidArgumentError(
      'expected HOST:PORT or PORT, e.g. 127.0.0.1:9464 or 0.0.0.0:9464',
    );
  const host = m[1] === undefined ? '127.0.0.1' : m[1].replace(/^\[|\]$/g, '');
  return { host, port };
}

/** True for addresses only this host can reach. */
export function isLoopbackHost(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\./.test(host);
}

/** A listening role server. */
export interface RoleHttpServer {
  url: string;
  port: number;
  close(): Promise<void>;
}

/** Serves `endpoints` on `host:port` with node:http (no framework: the sidecar stays small). */
export async function startRoleHttp(
  listen: { host: string; port: number },
  endpoints: RoleEndpoints,
  apiKey: string | null,
): Promise<RoleHttpServer> {
  const guard: ActivationGuard = { apiKey, loopbackOnly: isLoopbackHost(listen.host) };
  const server = createServer((req, res) => {
    // Bodies are not read (no route takes one); drain whatever was sent.
    req.resume();
    let answer: RoleResponse;
    try {
      answer = routeRoleRequest(
        {
          method: req.method ?? 'GET',
          path: req.url ?? '/',
          authorization: req.headers.authorization,
        },
        endpoints,
        guard,
      );
    } catch {
      answer = apiError(500, ApiErrorCodes.InternalError, 'internal error');
    }
    res.writeHead(answer.status, {
      'content-type': answer.contentType,
      'cache-control': 'no-store',
    });
    res.end(req.method === 'HEAD' ? undefined : answer.body);
  });
  server.keepAliveTimeout = 5_000;
  server.headersTimeout = 10_000;
  server.requestTimeout = 10_000;
  await new Promise<void>((resolve, reject) => {
    const fail = (e: NodeJS.ErrnoException): void =>
      reject(
        new SyncError(
          CliErrorCodes.listen,
          `cannot listen on ${listen.host}:${listen.port}: ${e.code ?? e.message}`,
          {
            cause: e,
            hint: 'choose a free port with --listen HOST:PORT (0 picks one)',
          },
        ),
      );
    server.once('error', fail);
    server.listen(listen.port, listen.host, () => {
      server.off('error', fail);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  const shown = listen.host.includes(':') ? `[${listen.host}]` : listen.host;
  return {
    url: `http://${shown}:${port}`,
    port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
