// Acceptance scenario 25: a sync status polled with an incarnation from before a server restart
// gets 400 IncarnationUuidMismatch, and the CLI's `remote sync --wait` re-issues the sync and
// succeeds. A small proxy in front of the server holds the CLI's first status poll while the
// server restarts, so the restart lands exactly between the sync request and its first poll.
import { execFile } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { CEPH_S3, createTestBucket, makeTempDir } from '@feldera-sync/test-utils';
import { client, startServerProcess } from '../harness.js';
import type { ServerProcess } from '../harness.js';
import {
  checkpoint,
  eventually,
  ingest,
  remoteUuids,
  runtimeConfig,
  snapshot,
  startAndWait,
  stopAndClear,
} from './support.js';

const CLI = fileURLToPath(new URL('../../../cli/dist/bin.js', import.meta.url));

/** A forwarding proxy whose upstream can change, and which can hold one matching request. */
interface HoldingProxy {
  url: string;
  upstream: string;
  /** Resolves when a request matching `hold` arrived and is being held. */
  held: Promise<string>;
  /** Forwards the held request (to the upstream current at that moment). */
  release(): void;
  close(): Promise<void>;
}

async function startProxy(
  upstream: string,
  hold: (req: IncomingMessage) => boolean,
): Promise<HoldingProxy> {
  let onHeld: (url: string) => void = () => undefined;
  const held = new Promise<string>((resolve) => (onHeld = resolve));
  let release: () => void = () => undefined;
  const released = new Promise<void>((resolve) => (release = resolve));
  let holding = false;
  const forward = async (
    req: IncomingMessage,
    res: ServerResponse,
    body: Buffer,
  ): Promise<void> => {
    try {
      const headers: Record<string, string> = {};
      for (const [k, v] of Object.entries(req.headers))
        if (typeof v === 'string' && k !== 'host' && k !== 'content-length') headers[k] = v;
      const answer = await fetch(proxy.upstream + (req.url ?? '/'), {
        method: req.method ?? 'GET',
        headers,
        ...(body.length > 0 ? { body } : {}),
        signal: AbortSignal.timeout(30_000),
      });
      const text = Buffer.from(await answer.arrayBuffer());
      res.writeHead(answer.status, {
        'content-type': answer.headers.get('content-type') ?? 'application/json',
      });
      res.end(text);
    } catch {
      // The upstream is down (restarting): answer like a dead server would.
      req.socket.destroy();
    }
  };
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      if (!holding && hold(req)) {
        holding = true;
        onHeld(req.url ?? '');
        void released.then(() => forward(req, res, body));
        return;
      }
      void forward(req, res, body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  const proxy: HoldingProxy = {
    url: `http://127.0.0.1:${port}`,
    upstream,
    held,
    release: () => release(),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
  return proxy;
}

/**
 * The CLI is built by the same turbo run as this suite but does not come before it in the task
 * graph (the CLI depends on the server), so a fresh CI run may still be building it: wait for it.
 */
async function waitForCli(): Promise<void> {
  const program = fileURLToPath(new URL('../../../cli/dist/program.js', import.meta.url));
  await eventually(
    `the CLI build (${CLI}); build it with: npx turbo run build --filter=@feldera-sync/cli...`,
    240_000,
    () => Promise.resolve(existsSync(CLI) && existsSync(program)),
  );
}

/** Runs the CLI; `kill` ends it early (cleanup of a failed test). */
function runCli(
  args: string[],
  timeoutMs: number,
): { done: Promise<{ code: number | null; stdout: string; stderr: string }>; kill(): void } {
  let child: ChildProcess | undefined;
  const done = new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
    child = execFile(
      process.execPath,
      [CLI, ...args],
      { timeout: timeoutMs, env: { ...process.env, NO_COLOR: '1' } },
      (err, stdout, stderr) => {
        const code = err
          ? typeof (err as { code?: unknown }).code === 'number'
            ? (err as { code: number }).code
            : null
          : 0;
        resolve({ code, stdout: String(stdout), stderr: String(stderr) });
      },
    );
  });
  return {
    done,
    kill: () => {
      if (child && child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    },
  };
}

describe('acceptance: server restart and incarnations', () => {
  const cleanups: (() => Promise<unknown>)[] = [];
  afterEach(async () => {
    while (cleanups.length > 0)
      await cleanups
        .pop()?.()
        .catch(() => undefined);
  });

  // Scenario 25
  // | step | server / pipeline                                   | client                                                  |
  // | 1    | server 1: start, ingest, checkpoint, sync           | remembers incarnation I1 from the sync answer           |
  // | 2    | server 1 stops (SIGTERM); server 2 on the same data  |                                                         |
  // |      | dir restarts the pipeline (restore from local)       |                                                         |
  // | 3    |                                                     | sync_status?incarnation_uuid=I1 -> 400 mismatch         |
  // |      |                                                     | (details requested I1, expected I2); checkpoint_status too |
  // | 4    | ingest, checkpoint                                  | CLI `remote sync --wait` through a proxy; the proxy     |
  // |      |                                                     | holds its first poll                                    |
  // | 5    | server 2 stops; server 3 restarts the pipeline       | proxy forwards the poll to server 3: 400 mismatch       |
  // | 6    |                                                     | CLI re-issues the sync and exits 0 ("synced")           |
  // | 7    | remote catalog holds the checkpoint; clear + restore from it: identical |                            |
  it('scenario 25: a sync status polled with an incarnation from before a server restart gets 400 IncarnationUuidMismatch; the CLI --wait re-issues and succeeds', async () => {
    const bucket = await createTestBucket(CEPH_S3);
    cleanups.push(() => bucket.remove());
    const dir = await makeTempDir('feldera-sync-restart-');
    cleanups.push(() => dir.cleanup());
    let server: ServerProcess = await startServerProcess({ dataDir: dir.path });
    cleanups.push(() => server.stop());
    const restartServer = async (): Promise<void> => {
      expect(await server.stop()).toBe(0);
      server = await startServerProcess({ dataDir: dir.path });
    };
    const c = () => client(server.url);
    const location = `${bucket.bucket}/s25`;
    expect((await c().put('s25', runtimeConfig(location))).status).toBe(201);

    // Step 1
    await startAndWait(c(), 's25', 'running', 'Running');
    await ingest(c(), 's25', 'a', 0, 20);
    await checkpoint(c(), 's25');
    const answer = await c().sync('s25');
    expect(answer.status).toBe(202);
    const i1 = String(answer.body.incarnation_uuid);
    await eventually(
      'sync 1 to succeed',
      30_000,
      async () => (await c().syncStatus('s25', i1)).body.success === answer.body.checkpoint_uuid,
    );

    // Step 2: the server restarts; the pipeline's desired state brings it back.
    await restartServer();
    const back = (await c().waitForStatus('s25', 'Running', 30_000)).body;
    const i2 = String(back.incarnation_uuid);
    expect(i2).not.toBe(i1);
    expect(back.restored_from).toEqual({ uuid: answer.body.checkpoint_uuid, source: 'local' });

    // Step 3
    const stale = await c().syncStatus('s25', i1);
    expect(stale.status).toBe(400);
    expect(stale.body).toMatchObject({
      error_code: 'IncarnationUuidMismatch',
      details: { requested: i1, expected: i2 },
    });
    const staleCkpt = await c().call(
      'GET',
      `/v0/pipelines/s25/checkpoint_status?incarnation_uuid=${i1}`,
    );
    expect(staleCkpt.status).toBe(400);
    expect(staleCkpt.body.error_code).toBe('IncarnationUuidMismatch');
    const current = await c().syncStatus('s25', i2);
    expect(current.status).toBe(200);

    // Step 4
    await waitForCli();
    await ingest(c(), 's25', 'b', 20, 35);
    const uuid2 = await checkpoint(c(), 's25');
    const state2 = await snapshot(c(), 's25');
    const proxy = await startProxy(
      server.url,
      (req) =>
        (req.url ?? '').includes('/checkpoint/sync_status') &&
        (req.url ?? '').includes('incarnation_uuid='),
    );
    cleanups.push(() => proxy.close());
    const cli = runCli(
      ['remote', 'sync', 's25', '--url', proxy.url, '--wait', '--timeout', '90', '--interval', '1'],
      120_000,
    );
    cleanups.push(() => Promise.resolve(cli.kill()));
    // The CLI's first status poll is held; if the CLI ends before polling, say why.
    const heldUrl = await Promise.race([
      proxy.held,
      cli.done.then((r) => {
        throw new Error(`the CLI ended before polling: ${JSON.stringify(r)}`);
      }),
    ]);
    expect(heldUrl).toContain(`incarnation_uuid=${i2}`);

    // Step 5
    await restartServer();
    proxy.upstream = server.url;
    const i3 = String((await c().waitForStatus('s25', 'Running', 30_000)).body.incarnation_uuid);
    expect(i3).not.toBe(i2);
    proxy.release();

    // Step 6
    const result = await cli.done;
    expect(result.code, `stdout: ${result.stdout}\nstderr: ${result.stderr}`).toBe(0);
    expect(result.stderr).toMatch(/server restarted/);
    expect(result.stdout).toContain(`checkpoint ${uuid2} synced`);

    // Step 7
    expect((await remoteUuids(c(), 's25')).at(-1)).toBe(uuid2);
    await stopAndClear(c(), 's25');
    const restored = await startAndWait(c(), 's25', 'running', 'Running');
    expect(restored.restored_from).toEqual({ uuid: uuid2, source: 'bucket' });
    expect(await snapshot(c(), 's25')).toEqual(state2);
  }, 330000);
});
