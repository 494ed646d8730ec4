// `feldera-sync standby` on the shared wiring (createStandbyHandlers): each divergence the CLI had
// from the server has a test that failed before. In-process, memory stores.
import { mkdir, readFile, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMemoryObjectStore, readOwner, StoreErrorCodes } from '@feldera-sync/checkpoint';
import type { MemoryObjectStore, ObjectStore } from '@feldera-sync/checkpoint';
import { SyncError } from '@feldera-sync/errors';
import { generateStorageDir, makeTempDir } from '@feldera-sync/test-utils';
import type { GeneratedStorage, TempDir } from '@feldera-sync/test-utils';
import type { StoreFactory } from '../src/index.js';
import { derivePipelineSystemName } from '../src/index.js';
import { FakeSignals, runCli, startCli, until } from './support/run-cli.js';

let tmp: TempDir;
let storage: GeneratedStorage;
let n = 0;

beforeAll(async () => {
  tmp = await makeTempDir('feldera-sync-cli-standby-');
  storage = await generateStorageDir(join(tmp.path, 'storage'), {
    seed: 11,
    checkpoints: 2,
    startMs: Date.now() - 2 * 60_000,
  });
});
afterAll(async () => tmp.cleanup());

interface Gate {
  refuseGets: boolean;
  refuseOwnerWrites: boolean;
}

/** One memory store per bucket, with switches that make it refuse like a store with bad keys. */
function stores(): { factory: StoreFactory; gate: Gate; memory: () => MemoryObjectStore } {
  const memory = createMemoryObjectStore('memory:sb/');
  const gate: Gate = { refuseGets: false, refuseOwnerWrites: false };
  const auth = (what: string) =>
    Promise.reject(new SyncError(StoreErrorCodes.auth, `SignatureDoesNotMatch (${what})`));
  const store: ObjectStore = {
    ...memory,
    getSmall: (key, o) => (gate.refuseGets ? auth(key) : memory.getSmall(key, o)),
    putSmall: (key, body, o) =>
      gate.refuseOwnerWrites && key === 'owner.json' ? auth(key) : memory.putSmall(key, body, o),
  };
  return { factory: () => store, gate, memory: () => memory };
}

async function setup() {
  n++;
  const s = stores();
  const cfg = join(tmp.path, `standby-${n}.json`);
  await writeFile(
    cfg,
    JSON.stringify({
      bucket: `sb${n}`,
      endpoint: 'http://127.0.0.1:9',
      provider: 'Ceph',
      pull_interval: 1,
      start_from_checkpoint: 'latest',
    }),
  );
  const push = await runCli(
    ['push', '--config', cfg, '--storage', storage.dir, '--pipeline', 'primary'],
    { deps: { createStore: s.factory } },
  );
  expect(push.code, push.stderr).toBe(0);
  const target = join(tmp.path, `target-${n}`);
  await mkdir(target, { recursive: true });
  return { ...s, cfg, target };
}

describe('standby (shared wiring)', () => {
  it('takes the bucket over on activation: owner.json names the standby', async () => {
    const { factory, memory, cfg, target } = await setup();
    const signals = new FakeSignals();
    const running = startCli(
      ['standby', '--config', cfg, '--storage', target, '--pipeline', 'orders-b'],
      { deps: { createStore: factory }, signals },
    );
    await until(() => running.output().stdout.includes('checkpoint pulled successfully'), 20_000);
    signals.emit('SIGUSR1');
    const r = await running.result;
    expect(r.code, r.stderr).toBe(0);
    expect((await readOwner(memory()))?.pipeline_name).toBe(derivePipelineSystemName('orders-b'));
    expect(r.stdout).toContain(
      `took over the bucket from primary (id: ${derivePipelineSystemName('primary')})`,
    );
    expect(await readdir(target)).toContain('activated.feldera');
    expect(await readdir(target)).not.toContain('.feldera-sync-activation.json');
  });

  it('exits 0 at once on an activated directory, without pulling or waiting for a signal', async () => {
    const { factory, memory, cfg, target } = await setup();
    await writeFile(join(target, 'activated.feldera'), 'null');
    const before = memory().calls.getSmall;
    const r = await Promise.race([
      runCli(['standby', '--config', cfg, '--storage', target], {
        deps: { createStore: factory },
        signals: new FakeSignals(),
      }),
      new Promise<'waiting'>((resolve) => setTimeout(() => resolve('waiting'), 10_000)),
    ]);
    expect(r).not.toBe('waiting');
    if (r === 'waiting') return;
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain('activated.feldera present');
    expect(memory().calls.getSmall).toBe(before);
  });

  it('a final pull refused on auth exits 4 (auth), the root cause, not 7', async () => {
    const { factory, gate, cfg, target } = await setup();
    const signals = new FakeSignals();
    const running = startCli(
      ['standby', '--config', cfg, '--storage', target, '--pipeline', 'orders-b'],
      { deps: { createStore: factory }, signals },
    );
    await until(() => running.output().stdout.includes('checkpoint pulled successfully'), 20_000);
    gate.refuseGets = true;
    signals.emit('SIGUSR1');
    const r = await running.result;
    expect(r.code, r.stderr).toBe(4);
    expect(r.stderr).toMatch(/final catch-up pull failed.*SignatureDoesNotMatch/);
    expect(await readdir(target)).not.toContain('activated.feldera');
  });

  it('a refused takeover exits with its cause and says takeover, not marker', async () => {
    const { factory, gate, cfg, target } = await setup();
    gate.refuseOwnerWrites = true;
    const signals = new FakeSignals();
    const running = startCli(
      ['standby', '--config', cfg, '--storage', target, '--pipeline', 'orders-b'],
      { deps: { createStore: factory }, signals },
    );
    await until(() => running.output().stdout.includes('checkpoint pulled successfully'), 20_000);
    signals.emit('SIGUSR1');
    const r = await running.result;
    expect(r.code, r.stderr).toBe(4);
    expect(r.stderr).toContain('[ERR_STANDBY_TAKEOVER_FAILED]');
    expect(r.stderr).not.toMatch(/could not write activated\.feldera/);
    const files = await readdir(target);
    expect(files).not.toContain('activated.feldera');
    expect(files).toContain('.feldera-sync-activation.json');
    // The next run completes the activation the kill or failure interrupted.
    gate.refuseOwnerWrites = false;
    const again = await runCli(
      ['standby', '--config', cfg, '--storage', target, '--pipeline', 'orders-b'],
      { deps: { createStore: factory }, signals: new FakeSignals() },
    );
    expect(again.code, again.stderr).toBe(0);
    expect(again.stderr).toContain('an interrupted activation was completed');
    expect(await readdir(target)).toContain('activated.feldera');
  });

  it('activates on POST /activate (loopback) and reports on /healthz, /status and /metrics', async () => {
    const { factory, cfg, target } = await setup();
    const signals = new FakeSignals();
    const running = startCli(
      [
        'standby',
        '--config',
        cfg,
        '--storage',
        target,
        '--pipeline',
        'orders-b',
        '--listen',
        '127.0.0.1:0',
      ],
      { deps: { createStore: factory }, signals },
    );
    await until(() => running.output().stdout.includes('checkpoint pulled successfully'), 20_000);
    const url = /on (http:\/\/127\.0\.0\.1:\d+)/.exec(running.output().stderr)![1]!;
    expect((await fetch(`${url}/healthz`)).status).toBe(200);
    const status = (await (await fetch(`${url}/status`)).json()) as Record<string, unknown>;
    expect(status).toMatchObject({ role: 'standby', state: 'standby', activated: false });
    expect(await (await fetch(`${url}/metrics`)).text()).toMatch(
      /^feldera_sync_standby_pulls_total [1-9]/m,
    );
    expect((await fetch(`${url}/activate`)).status).toBe(405);
    const res = await fetch(`${url}/activate`, { method: 'POST' });
    expect(res.status).toBe(202);
    const r = await running.result;
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain('activating (POST /activate)');
    expect(await readFile(join(target, 'activated.feldera'), 'utf8')).toMatch(/^\{"uuid":"/);
  });

  it('activates when the --activate-file appears', async () => {
    const { factory, cfg, target } = await setup();
    const trigger = join(tmp.path, `activate-${n}`);
    const running = startCli(
      [
        'standby',
        '--config',
        cfg,
        '--storage',
        target,
        '--pipeline',
        'orders-b',
        '--activate-file',
        trigger,
      ],
      { deps: { createStore: factory }, signals: new FakeSignals() },
    );
    await until(() => running.output().stdout.includes('checkpoint pulled successfully'), 20_000);
    await writeFile(trigger, '');
    const r = await running.result;
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain(`activating (${trigger})`);
    expect(await readdir(target)).toContain('activated.feldera');
  });
});
