import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeTempDir } from '@feldera-sync/test-utils';
import type { TempDir } from '@feldera-sync/test-utils';
import { runCli } from './support/run-cli.js';
import { fakeFetch } from './support/json-server.js';

const P = 'http://127.0.0.1:8080/v0/pipelines/orders';
const U1 = '01941f29-7c00-7000-8000-000000000001';
const U2 = '01941f29-7c00-7000-8000-000000000002';
const INC1 = '11111111-1111-4111-8111-111111111111';
const INC2 = '22222222-2222-4222-8222-222222222222';
let tmp: TempDir;

beforeAll(async () => {
  tmp = await makeTempDir('feldera-sync-cli-remote-');
});
afterAll(async () => {
  await tmp.cleanup();
});

const noSleep = (): Promise<void> => Promise.resolve();

describe('remote', () => {
  it('sync posts to the default URL and prints the answer', async () => {
    const server = fakeFetch(() => ({
      status: 202,
      body: { checkpoint_uuid: U1, incarnation_uuid: INC1 },
    }));
    const r = await runCli(['remote', 'sync', 'orders'], { fetch: server.fetch });
    expect(r.code).toBe(0);
    expect(server.calls).toEqual([
      expect.objectContaining({ method: 'POST', url: `${P}/checkpoint/sync` }),
    ]);
    expect(r.stdout).toBe(`sync of ${U1} requested (incarnation ${INC1})\n`);
    const json = await runCli(['remote', 'sync', 'orders', '--json', '--url', 'http://h:1/'], {
      fetch: server.fetch,
    });
    expect(JSON.parse(json.stdout)).toEqual({ checkpoint_uuid: U1, incarnation_uuid: INC1 });
    expect(server.calls[1]!.url).toBe('http://h:1/v0/pipelines/orders/checkpoint/sync');
  });

  it('sync --wait polls sync_status with the incarnation and re-issues the sync after a restart', async () => {
    let statusCalls = 0;
    let posts = 0;
    const server = fakeFetch((call) => {
      if (call.method === 'POST') {
        posts++;
        return posts === 1
          ? { status: 202, body: { checkpoint_uuid: U1, incarnation_uuid: INC1 } }
          : { status: 202, body: { checkpoint_uuid: U2, incarnation_uuid: INC2 } };
      }
      statusCalls++;
      if (call.url.includes(INC1)) {
        if (statusCalls === 1)
          return {
            status: 200,
            body: {
              success: null,
              failure: null,
              periodic: null,
              progress: {
                uuid: U1,
                bytes_done: 512,
                bytes_total: 1024,
                objects_done: 1,
                objects_total: 2,
                speed_bytes_per_sec: 1,
              },
            },
          };
        return {
          status: 400,
          body: {
            message: 'restarted',
            error_code: 'IncarnationUuidMismatch',
            details: { requested: INC1, expected: INC2 },
          },
        };
      }
      if (statusCalls === 3) return new TypeError('fetch failed');
      return { status: 200, body: { success: U2, failure: null, periodic: null } };
    });
    const r = await runCli(
      ['remote', 'sync', 'orders', '--wait', '--url', 'http://srv:9', '--json'],
      { fetch: server.fetch, sleep: noSleep, env: { FELDERA_SYNC_URL: 'http://ignored' } },
    );
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual({
      checkpoint_uuid: U2,
      incarnation_uuid: INC2,
      reissued: 1,
      success: true,
    });
    expect(r.stderr).toContain(
      `server restarted (incarnation ${INC1} is now ${INC2}): re-issuing the sync`,
    );
    expect(r.stderr).toContain('waiting for the server: cannot reach');
    expect(server.calls.map((c) => `${c.method} ${c.url}`)).toEqual([
      'POST http://srv:9/v0/pipelines/orders/checkpoint/sync',
      `GET http://srv:9/v0/pipelines/orders/checkpoint/sync_status?incarnation_uuid=${INC1}`,
      `GET http://srv:9/v0/pipelines/orders/checkpoint/sync_status?incarnation_uuid=${INC1}`,
      'POST http://srv:9/v0/pipelines/orders/checkpoint/sync',
      `GET http://srv:9/v0/pipelines/orders/checkpoint/sync_status?incarnation_uuid=${INC2}`,
      `GET http://srv:9/v0/pipelines/orders/checkpoint/sync_status?incarnation_uuid=${INC2}`,
    ]);
  });

  it('sync --wait fails when the server reports the sync failed, and times out', async () => {
    const failed = fakeFetch((call) =>
      call.method === 'POST'
        ? { status: 202, body: { checkpoint_uuid: U1, incarnation_uuid: INC1 } }
        : {
            status: 200,
            body: {
              success: null,
              failure: { uuid: U1, error: 'SignatureDoesNotMatch' },
              periodic: null,
            },
          },
    );
    const r = await runCli(['remote', 'sync', 'orders', '--wait'], {
      fetch: failed.fetch,
      sleep: noSleep,
    });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('failed to sync checkpoint');
    expect(r.stderr).toContain('SignatureDoesNotMatch');

    let now = 0;
    const pending = fakeFetch((call) =>
      call.method === 'POST'
        ? { status: 202, body: { checkpoint_uuid: U1, incarnation_uuid: INC1 } }
        : { status: 200, body: { success: null, failure: null, periodic: null } },
    );
    const slow = await runCli(['remote', 'sync', 'orders', '--wait', '--timeout', '5'], {
      fetch: pending.fetch,
      now: () => now,
      sleep: () => Promise.resolve(void (now += 1000)),
    });
    expect(slow.code).toBe(7);
    expect(slow.stderr).toContain('[ERR_CLI_WAIT_TIMEOUT]');
  });

  it('maps error answers to exit codes and sends the API key from a file without printing it', async () => {
    const keyFile = join(tmp.path, 'key');
    await writeFile(keyFile, 'super-secret-api-key-0123456789\n');
    const answers: Record<string, { status: number; body: unknown }> = {
      unknown: {
        status: 404,
        body: {
          message: 'unknown pipeline super-secret-api-key-0123456789',
          error_code: 'UnknownPipelineName',
          details: { code: 'ERR_SERVER_UNKNOWN_PIPELINE' },
        },
      },
      auth: {
        status: 401,
        body: { message: 'missing or wrong API key', error_code: 'Unauthorized', details: null },
      },
      conflict: {
        status: 400,
        body: { message: 'not in standby', error_code: 'InvalidTransition', details: null },
      },
      store: {
        status: 502,
        body: {
          message: 'SignatureDoesNotMatch',
          error_code: 'ObjectStoreAuth',
          details: { code: 'ERR_STORE_AUTH' },
        },
      },
      nocp: {
        status: 400,
        body: { message: 'no checkpoint', error_code: 'NoCheckpointToSync', details: {} },
      },
      html: { status: 500, body: 'oops' },
    };
    const server = fakeFetch((call) => answers[call.url.split('/')[5]!]!);
    const expectCode = async (name: string, args: string[], code: number): Promise<string> => {
      const r = await runCli(
        ['remote', ...args.map((a) => a.replace('$', name)), '--api-key-file', keyFile],
        { fetch: server.fetch, cwd: tmp.path },
      );
      expect(r.code, `${name}: ${r.stderr}`).toBe(code);
      expect(r.stdout + r.stderr).not.toContain('super-secret-api-key-0123456789');
      return r.stderr;
    };
    expect(await expectCode('unknown', ['status', '$'], 5)).toContain('404 UnknownPipelineName');
    await expectCode('auth', ['sync-status', '$'], 4);
    await expectCode('conflict', ['activate', '$'], 8);
    await expectCode('store', ['sync', '$'], 4);
    await expectCode('nocp', ['sync', '$'], 5);
    await expectCode('html', ['status', '$'], 1);
    expect(server.calls[0]!.headers.authorization).toBe('Bearer super-secret-api-key-0123456789');

    const down = fakeFetch(
      () =>
        new TypeError('fetch failed', { cause: new Error('connect ECONNREFUSED 127.0.0.1:8080') }),
    );
    const r = await runCli(['remote', 'status', 'orders'], { fetch: down.fetch });
    expect(r.code).toBe(7);
    expect(r.stderr).toContain('ECONNREFUSED');
    expect(r.stderr).toContain('hint: check that the server is running');
  });

  it('sync-status, status and activate --wait print what the server says', async () => {
    let polls = 0;
    const server = fakeFetch((call) => {
      if (call.url.endsWith('/activate'))
        return { status: 202, body: { runtime_status: 'Standby' } };
      if (call.url.endsWith('/status')) {
        polls++;
        return {
          status: 200,
          body: {
            name: 'orders',
            runtime_status: polls < 3 ? 'Standby' : 'Running',
            incarnation_uuid: INC1,
            standby: null,
          },
        };
      }
      return { status: 200, body: { success: U1, failure: null, periodic: U2, progress: null } };
    });
    const status = await runCli(['remote', 'sync-status', 'orders', '--incarnation', INC1], {
      fetch: server.fetch,
    });
    expect(status.stdout).toContain(`last manual sync:   ${U1}`);
    expect(status.stdout).toContain(`last periodic sync: ${U2}`);
    expect(server.calls[0]!.url).toBe(`${P}/checkpoint/sync_status?incarnation_uuid=${INC1}`);
    const st = await runCli(['remote', 'status', 'orders'], { fetch: server.fetch });
    expect(st.stdout).toContain('runtime_status: Standby');
    expect(st.stdout).toContain(`incarnation_uuid: ${INC1}`);
    const act = await runCli(['remote', 'activate', 'orders', '--wait', '--json'], {
      fetch: server.fetch,
      sleep: noSleep,
    });
    expect(act.code).toBe(0);
    expect(JSON.parse(act.stdout)).toMatchObject({ runtime_status: 'Running' });
  });

  it('refuses a polling interval or timeout longer than a Node timer can wait (it would poll every millisecond)', async () => {
    const server = fakeFetch(() => ({ status: 500, body: {} }));
    for (const args of [
      ['remote', 'sync', 'orders', '--wait', '--interval', '3000000'],
      ['remote', 'activate', 'orders', '--wait', '--timeout', '1e10'],
    ]) {
      const r = await runCli(args, { fetch: server.fetch, sleep: noSleep });
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr).toMatch(/positive number of seconds up to 2147483\.647/);
    }
    expect(server.calls).toEqual([]);
  });
});
