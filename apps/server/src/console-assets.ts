/**
 * The operator console's static files (built by `@feldera-sync/console`) under `GET /` and
 * `/ui/...`. They are code, never data: no pipeline, config or key is in them, so they are served
 * without the API key, and the page asks for the key before it calls the API. Read once into
 * memory (a few hundred KB) and served only by exact name, so no path reaches the file system.
 */
import { createHash } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import { extname, relative, sep } from 'node:path';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { SyncError } from '@feldera-sync/errors';
import { ServerErrorCodes, toApiError } from './api-errors.js';
import { walkDir } from './walk-dir.js';

/** One file, ready to send. */
export interface ConsoleAsset {
  body: Buffer;
  type: string;
  etag: string;
}

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.txt': 'text/plain; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.woff2': 'font/woff2',
};

/** Bounds on what is loaded: the console is a handful of small files. */
const MAX_FILES = 200;
const MAX_FILE_BYTES = 4 * 1024 * 1024;

/** The page may load only its own files and call only this server. */
export const CONSOLE_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "font-src 'self'",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

/** The console's routes: the only ones, besides `/healthz`, answered without the API key. */
export const CONSOLE_ROUTES: ReadonlySet<string> = new Set(['/', '/ui', '/ui/*']);

/**
 * Whether a request was routed to the console. Decided by the route that matched, not by the URL
 * text, so no spelling of a path (`/ui/../v0/...`) reaches an API route without the key.
 */
export function isConsoleRoute(routeUrl: string | undefined): boolean {
  return routeUrl !== undefined && CONSOLE_ROUTES.has(routeUrl);
}

/** Reads every file under `dir` (relative names with `/`); a missing directory is no files. */
export async function loadConsoleAssets(dir: string): Promise<Map<string, ConsoleAsset>> {
  const assets = new Map<string, ConsoleAsset>();
  for await (const { path, entry } of walkDir(dir)) {
    const type = TYPES[extname(entry.name)];
    if (!entry.isFile() || !type) continue;
    if ((await stat(path)).size > MAX_FILE_BYTES) continue;
    if (assets.size >= MAX_FILES) return assets;
    const body = await readFile(path);
    const name = relative(dir, path).split(sep).join('/');
    const etag = `"${createHash('sha256').update(body).digest('base64url').slice(0, 22)}"`;
    assets.set(name, { body, type, etag });
  }
  return assets;
}

function send(req: FastifyRequest, reply: FastifyReply, asset: ConsoleAsset): FastifyReply {
  void reply
    .header('cache-control', 'no-cache')
    .header('etag', asset.etag)
    .header('x-content-type-options', 'nosniff')
    .header('referrer-policy', 'no-referrer')
    .header('cross-origin-resource-policy', 'same-origin');
  if (asset.type.startsWith('text/html')) {
    void reply.header('content-security-policy', CONSOLE_CSP).header('x-frame-options', 'DENY');
  }
  if (req.headers['if-none-match'] === asset.etag) return reply.status(304).send();
  return reply.type(asset.type).send(asset.body);
}

/**
 * `GET /` and `/ui/` answer the page, `/ui/<file>` its files, and any other `/ui/...` path without
 * an extension the page too (a link to one pipeline: `/ui/pipelines/<name>`).
 */
export function registerConsoleRoutes(app: FastifyInstance, dir: string): void {
  let loaded: Promise<Map<string, ConsoleAsset>> | undefined;
  const assets = (): Promise<Map<string, ConsoleAsset>> => (loaded ??= loadConsoleAssets(dir));
  const page = async (req: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> => {
    const index = (await assets()).get('index.html');
    if (!index) {
      return reply.status(503).send({
        message: `the console is not built (no index.html in ${dir})`,
        error_code: 'ConsoleNotBuilt',
        details: { hint: 'run pnpm build' },
      });
    }
    return send(req, reply, index);
  };
  const hide = { schema: { hide: true } };
  app.get('/', hide, page);
  app.get('/ui', hide, (_req, reply) => reply.redirect('/ui/', 308));
  app.get<{ Params: { '*': string } }>('/ui/*', hide, async (req, reply) => {
    const name = req.params['*'];
    if (name === '' || extname(name) === '') return page(req, reply);
    const asset = (await assets()).get(name);
    if (!asset) {
      const { status, body } = toApiError(
        new SyncError(ServerErrorCodes.routeNotFound, `no console file ${name}`),
      );
      return reply.status(status).send(body);
    }
    return send(req, reply, asset);
  });
}
