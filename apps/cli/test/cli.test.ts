import { readFile, readdir, writeFile, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMemoryObjectStore } from '@feldera-sync/checkpoint';
import type { MemoryObjectStore, ObjectStore } from '@feldera-sync/checkpoint';
import { SyncError } from '@feldera-sync/errors';
import { generateStorageDir, makeTempDir } from '@feldera-sync/test-utils';
import type { GeneratedStorage, TempDir } from '@feldera-sync/test-utils';
import type { StoreFactory, StoreRequest } from '../src/index.js';
import { derivePipelineSystemName } from '../src/index.js';
import { FakeSignals, runCli, until } from './support/run-cli.js';

let tmp: TempDir;
let storage: GeneratedStorage;

/** Memory stores by bucket location, shared by the CLI runs of one test. */
function memoryStores(): {
  factory: StoreFactory;
  stores: Map<string, MemoryObjectStore>;
  requests: StoreRequest[];
} {
  const stores = new Map<string, MemoryObjectStore>();
  const requests: StoreRequest[] = [];
  const factory: StoreFactory = (request) => {
    requests.push(request);
    let store = stores.get(request.remote.bucket);
    if (!store) {
      store = createMemoryObjectStore(`memory:${request.remote.bucket}/`);
      stores.set(request.remote.bucket, store);
    }
    return store;
  };
  return { factory, stores, requests };
}

/** A store whose every call fails with `error`. */
function failingStore(error: Error): StoreFactory {
  const fail = (): Promise<never> => Promise.reject(error);
  const store: ObjectStore = {
    description: 'failing:',
    capabilities: { conditionalPut: true },
    list: fail,
    head: fail,
    getSmall: fail,
    putSmall: fail,
    uploadFiles: fail,
    downloadFiles: fail,
    delete: fail,
  };
  return () => store;
}

async function writeJson(name: string, value: unknown): Promise<string> {
  const path = join(tmp.path, name);
  await writeFile(path, JSON.stringify(value, null, 2));
  return path;
}

async function listFiles(dir: string, prefix = ''): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const rel = prefix + entry.name;
    if (entry.isDirectory()) out.push(...(await listFiles(join(dir, entry.name), `${rel}/`)));
    else out.push(rel);
  }
  return out.sort();
}

const SECRET = 'sEcReT-value-never-printed-123';
let syncConfig: string;
let runtimeConfig: string;

beforeAll(async () => {
  tmp = await makeTempDir('feldera-sync-cli-test-');
  storage = await generateStorageDir(join(tmp.path, 'storage'), {
    seed: 7,
    checkpoints: 3,
    startMs: Date.now() - 3 * 60_000,
  });
  syncConfig = await writeJson('sync.json', {
    bucket: 'bkt/prefix',
    endpoint: 'http://127.0.0.1:9',
    provider: 'Ceph',
    access_key: 'AK',
    secret_key: SECRET,
  });
  runtimeConfig = await writeJson('runtime.json', {
    name: 'orders',
    storage: {
      backend: {
        name: 'file',
        config: { sync: { bucket: 'bkt', endpoint: 'http://127.0.0.1:9', provider: 'Ceph' } },
      },
    },
  });
});

afterAll(async () => {
  await tmp.cleanup();
});

describe('program', () => {
  it('prints help with examples and the exit-code table (exit 0)', async () => {
    const r = await runCli(['--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('Usage: feldera-sync');
    expect(r.stdout).toContain('Examples:');
    expect(r.stdout).toMatch(/Exit codes:[\s\S]*130\s+interrupted/);
  });
  it.each(
    [
      ['config', 'check'],
      ['config', 'schema'],
      ['checkpoints', 'ls'],
      ['push'],
      ['pull'],
      ['verify'],
      ['gc'],
      ['restore'],
      ['sidecar'],
      ['standby'],
      ['serve'],
      ['remote', 'sync'],
      ['remote', 'sync-status'],
      ['remote', 'activate'],
      ['remote', 'status'],
    ].map((c) => [c.join(' '), c] as const),
  )('%s --help shows an example', async (_name, command) => {
    const r = await runCli([...command, '--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/Examples?:\n\s+\$ feldera-sync /);
  });
  it('prints the version (exit 0)', async () => {
    const r = await runCli(['--version']);
    expect(r.code).toBe(0);
    expect(r.stdout.trim()).toMatch(/^\d+\.\d+\.\d+/);
  });
  it('exits 2 on an unknown command, an unknown option, a missing option or a bad argument', async () => {
    expect((await runCli(['frobnicate'])).code).toBe(2);
    const unknown = await runCli(['push', '--config', syncConfig, '--storage', 'x', '--nope']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain("unknown option '--nope'");
    const missing = await runCli(['push', '--storage', 'x']);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain("required option '--config <file>' not specified");
    const bad = await runCli([
      'pull',
      '--config',
      syncConfig,
      '--storage',
      'x',
      '--checkpoint',
      'newest',
    ]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('expected "latest" or a checkpoint UUID');
    expect((await runCli([])).code).toBe(2);
  });
});

describe('config check / schema', () => {
  it('accepts a bare sync object and a runtime config without printing secrets', async () => {
    const bare = await runCli(['config', 'check', syncConfig]);
    expect(bare.code).toBe(0);
    expect(bare.stdout).toContain('valid sync config');
    expect(bare.stdout).toContain('bucket: bkt/prefix');
    expect(bare.stdout + bare.stderr).not.toContain(SECRET);
    const runtime = await runCli(['config', 'check', runtimeConfig, '--json']);
    expect(runtime.code).toBe(0);
    expect(JSON.parse(runtime.stdout)).toMatchObject({ ok: true, kind: 'runtime' });
    const json = await runCli(['config', 'check', syncConfig, '--json']);
    expect(json.stdout).not.toContain(SECRET);
    expect(JSON.parse(json.stdout).config.storage.backend.config.sync.secret_key).toBe('***');
  });
  it('never prints an SSE-C key from flags, valid or not, nor one a store echoes', async () => {
    const key = 'Zq9SseCustomerKey-0123456789ab';
    const base = { bucket: 'bkt/prefix', provider: 'Ceph', endpoint: 'http://127.0.0.1:9' };
    const valid = await writeJson('ssec.json', {
      ...base,
      flags: ['--s3-sse-customer-algorithm', 'AES256', '--s3-sse-customer-key', key],
    });
    const invalid = await writeJson('ssec-bad.json', {
      ...base,
      Secret_Key: key,
      flags: ['--header', `Authorization: Bearer ${key}`],
    });
    for (const args of [
      ['config', 'check', valid],
      ['config', 'check', valid, '--json'],
      ['config', 'check', invalid],
      ['config', 'check', invalid, '--json'],
    ]) {
      const r = await runCli(args);
      expect(r.code, args.join(' ')).toBe(args[2] === valid ? 0 : 3);
      expect(r.stdout + r.stderr, args.join(' ')).not.toContain(key);
    }
    const echoed = await runCli(['checkpoints', 'ls', '--remote', '--config', valid], {
      deps: { createStore: failingStore(new SyncError('ERR_STORE_OTHER', `bad key ${key}`)) },
    });
    expect(echoed.code).toBe(1);
    expect(echoed.stderr).toContain('bad key ***');
    expect(echoed.stderr).not.toContain(key);
  });
  it('prints every problem with its path and exits 3', async () => {
    const bad = await writeJson('bad.json', {
      bucket: '/abs',
      provider: 'ceph',
      transfers: 0,
      secret_key: SECRET,
    });
    const r = await runCli(['config', 'check', bad]);
    expect(r.code).toBe(3);
    expect(r.stdout).toContain('$.bucket');
    expect(r.stdout).toContain('$.provider');
    expect(r.stdout).toContain('$.transfers');
    expect(r.stdout + r.stderr).not.toContain(SECRET);
    const json = await runCli(['config', 'check', bad, '--json']);
    expect(json.code).toBe(3);
    expect(
      (JSON.parse(json.stdout) as { issues: { path: string }[] }).issues.map((i) => i.path),
    ).toEqual(expect.arrayContaining(['$.bucket', '$.provider', '$.transfers']));
  });
  it('exits 3 for a missing file or invalid JSON', async () => {
    const missing = await runCli(['config', 'check', join(tmp.path, 'nope.json')]);
    expect(missing.code).toBe(3);
    expect(missing.stderr).toMatch(/does not exist \[ERR_CLI_CONFIG_READ\]\nhint: /);
    const notJson = join(tmp.path, 'not.json');
    await writeFile(notJson, '{ "bucket": ');
    expect((await runCli(['config', 'check', notJson])).code).toBe(3);
  });
  it('prints the JSON Schemas', async () => {
    const runtime = await runCli(['config', 'schema']);
    expect(runtime.code).toBe(0);
    expect(JSON.stringify(JSON.parse(runtime.stdout))).toContain('storage');
    const sync = JSON.parse((await runCli(['config', 'schema', '--sync'])).stdout) as {
      properties: Record<string, unknown>;
    };
    expect(Object.keys(sync.properties)).toEqual(
      expect.arrayContaining(['bucket', 'endpoint', 'retention_min_count']),
    );
  });
});

describe('checkpoints ls', () => {
  it('lists the local catalog as a table and as JSON', async () => {
    const table = await runCli(['checkpoints', 'ls', '--storage', storage.dir]);
    expect(table.code).toBe(0);
    for (const c of storage.checkpoints) expect(table.stdout).toContain(c.uuid);
    expect(table.stdout).toMatch(/^UUID\s+TIME \(UTC\)\s+SIZE\s+STEPS\s+PROCESSED RECORDS/);
    const json = await runCli(['checkpoints', 'ls', '--storage', storage.dir, '--json']);
    const entries = JSON.parse(json.stdout) as { uuid: string }[];
    expect(entries.map((e) => e.uuid)).toEqual(storage.checkpoints.map((c) => c.uuid));
    expect(json.stdout).toContain('"fingerprint": 18446744073709551615');
  });
  it('exits 2 without --storage or --remote', async () => {
    expect((await runCli(['checkpoints', 'ls'])).code).toBe(2);
    expect((await runCli(['checkpoints', 'ls', '--remote'])).code).toBe(2);
  });
});

describe('push / pull / ls --remote / verify / gc against an in-memory store', () => {
  it('round-trips a storage directory and reports as JSON', async () => {
    const mem = memoryStores();
    const deps = { createStore: mem.factory };
    const env = { FELDERA_SYNC_ACCESS_KEY: 'AK2', FELDERA_SYNC_SECRET_KEY: SECRET };
    const latest = storage.checkpoints.at(-1)!.uuid;
    const push = await runCli(
      ['push', '--config', runtimeConfig, '--storage', storage.dir, '--json'],
      { deps, env },
    );
    expect(push.stderr).toBe('');
    expect(push.code).toBe(0);
    const report = JSON.parse(push.stdout);
    expect(report).toMatchObject({
      operation: 'push',
      checkpoint_uuid: latest,
      owner: { given_name: 'orders', system_name: derivePipelineSystemName('orders') },
    });
    expect(report.bytes).toBeGreaterThan(0);
    expect(report.objects).toBeGreaterThan(0);
    expect(report.seconds).toBeTypeOf('number');
    expect(mem.requests[0]!.remote).toMatchObject({
      accessKey: 'AK2',
      secretKey: SECRET,
      bucket: 'bkt',
      provider: 'Ceph',
    });

    const first = storage.checkpoints[0]!.uuid;
    const older = await runCli(
      ['push', '--config', runtimeConfig, '--storage', storage.dir, '--checkpoint', first],
      { deps, env },
    );
    expect(older.code).toBe(0);
    expect(older.stdout).toMatch(new RegExp(`^pushed ${first}: `));
    expect(older.stderr).toMatch(/push .*100%/);

    const ls = await runCli(
      ['checkpoints', 'ls', '--remote', '--config', runtimeConfig, '--json'],
      { deps, env },
    );
    expect(ls.code).toBe(0);
    expect((JSON.parse(ls.stdout) as { uuid: string }[]).map((e) => e.uuid)).toEqual([
      first,
      latest,
    ]);
    const lsTable = await runCli(['checkpoints', 'ls', '--remote', '--config', runtimeConfig], {
      deps,
      env,
    });
    expect(lsTable.stdout).toContain(latest);

    const target = join(tmp.path, 'restored');
    const pull = await runCli(['pull', '--config', runtimeConfig, '--storage', target, '--json'], {
      deps,
      env,
    });
    expect(pull.code).toBe(0);
    expect(JSON.parse(pull.stdout)).toMatchObject({
      operation: 'pull',
      checkpoint_uuid: latest,
      source: 'bucket',
    });
    const needed = storage.checkpoints.at(-1)!;
    for (const f of [...needed.files.map((x) => x.path), ...needed.batches]) {
      expect(await readFile(join(target, f))).toEqual(await readFile(join(storage.dir, f)));
    }
    const again = await runCli(['pull', '--config', runtimeConfig, '--storage', target], {
      deps,
      env,
    });
    expect(again.stdout).toContain('already installed');

    const verify = await runCli(['verify', '--config', runtimeConfig], { deps, env });
    expect(verify.code).toBe(0);
    expect(verify.stdout).toContain(`checkpoint ${latest} is intact`);

    const gc = await runCli(['gc', '--config', runtimeConfig, '--dry-run'], { deps, env });
    expect(gc.code).toBe(0);
    expect(gc.stdout).toMatch(
      /retention \(min 10 checkpoints, min age 30 days\): keep 2, would remove 0/,
    );
    expect(gc.stdout).toContain('would delete 0 objects');
    const gcJson = await runCli(['gc', '--config', runtimeConfig, '--json'], { deps, env });
    expect(JSON.parse(gcJson.stdout)).toMatchObject({
      operation: 'gc',
      dry_run: false,
      orphans: [],
      retention: { remove: [], refused: null },
    });
    for (const r of [push, older, ls, pull, verify, gc])
      expect(r.stdout + r.stderr).not.toContain(SECRET);

    // Damage one object: verify reports it and exits 6.
    const store = mem.stores.get('bkt')!;
    const zip = [...store.objects.keys()].find((k) => k.startsWith(latest) && k.endsWith('.zip'))!;
    store.objects.set(zip, new Uint8Array(store.objects.get(zip)!.byteLength));
    const damaged = await runCli(['verify', '--config', runtimeConfig, '--checkpoint', latest], {
      deps,
      env,
    });
    expect(damaged.code).toBe(6);
    expect(damaged.stdout).toContain(`sha256: ${zip}`);
    expect(damaged.stderr).toContain('[ERR_SYNC_INTEGRITY]');
  });

  it('refuses a push without an owner identity (exit 2) and into a bucket owned by another pipeline (exit 8)', async () => {
    const mem = memoryStores();
    const deps = { createStore: mem.factory };
    const none = await runCli(['push', '--config', syncConfig, '--storage', storage.dir], { deps });
    expect(none.code).toBe(2);
    expect(none.stderr).toContain('refusing to push: no pipeline identity');
    expect(none.stderr).toContain('hint: pass --pipeline NAME');
    expect(mem.stores.get('bkt/prefix')?.objects.size ?? 0).toBe(0);

    expect(
      (
        await runCli(
          ['push', '--config', syncConfig, '--storage', storage.dir, '--pipeline', 'a'],
          { deps },
        )
      ).code,
    ).toBe(0);
    const other = await runCli(
      ['push', '--config', syncConfig, '--storage', storage.dir, '--pipeline', 'b'],
      { deps },
    );
    expect(other.code).toBe(8);
    expect(other.stderr).toContain('[ERR_SYNC_OWNER_MISMATCH]');
    expect(other.stderr).toContain('already owned by a');
    const owner = JSON.parse(
      new TextDecoder().decode(mem.stores.get('bkt/prefix')!.objects.get('owner.json')),
    ) as { pipeline_name: string };
    const asOwner = await runCli(
      [
        'push',
        '--config',
        syncConfig,
        '--storage',
        storage.dir,
        '--pipeline-id',
        owner.pipeline_name,
      ],
      { deps },
    );
    expect(asOwner.code).toBe(0);
    expect(
      (
        await runCli(
          ['push', '--config', syncConfig, '--storage', storage.dir, '--pipeline-id', 'nope'],
          { deps },
        )
      ).code,
    ).toBe(2);

    // The config may carry the owner: `system_name` beside `name`, without an unknown-key warning.
    const owned = await writeJson('owned.json', {
      name: 'svc',
      system_name: owner.pipeline_name,
      storage: {
        backend: {
          name: 'file',
          config: {
            sync: { bucket: 'bkt/prefix', endpoint: 'http://127.0.0.1:9', provider: 'Ceph' },
          },
        },
      },
    });
    const check = await runCli(['config', 'check', owned]);
    expect(check.stdout).not.toContain('warning');
    const byConfig = await runCli(['push', '--config', owned, '--storage', storage.dir, '--json'], {
      deps,
    });
    expect(byConfig.code, byConfig.stderr).toBe(0);
    expect(JSON.parse(byConfig.stdout)).toMatchObject({
      owner: { system_name: owner.pipeline_name, given_name: 'svc' },
    });
  });

  it('maps store and sync errors to exit codes 4, 5, 7 and 1', async () => {
    const run = (factory: StoreFactory, args: string[]): ReturnType<typeof runCli> =>
      runCli(args, { deps: { createStore: factory } });
    const ls = ['checkpoints', 'ls', '--remote', '--config', syncConfig];
    const auth = await run(
      failingStore(
        new SyncError('ERR_STORE_AUTH', `SignatureDoesNotMatch for ${SECRET}`, {
          hint: 'check the keys',
        }),
      ),
      ls,
    );
    expect(auth.code).toBe(4);
    expect(auth.stderr).toMatch(
      /^feldera-sync: error: SignatureDoesNotMatch for \*\*\* \[ERR_STORE_AUTH\]\nhint: check the keys\n$/,
    );
    expect(
      (await run(failingStore(new SyncError('ERR_STORE_NETWORK', 'connection refused')), ls)).code,
    ).toBe(7);
    expect(
      (await run(failingStore(new SyncError('ERR_STORE_TIMEOUT', 'timed out')), ls)).code,
    ).toBe(7);
    expect(
      (await run(failingStore(new SyncError('ERR_STORE_BUCKET_NOT_FOUND', 'NoSuchBucket')), ls))
        .code,
    ).toBe(5);
    const internal = await run(failingStore(new TypeError('boom')), ls);
    expect(internal.code).toBe(1);
    expect(internal.stderr).toContain('internal error: boom');

    const empty = memoryStores();
    const pull = await run(empty.factory, [
      'pull',
      '--config',
      syncConfig,
      '--storage',
      join(tmp.path, 'empty-pull'),
    ]);
    expect(pull.code).toBe(5);
    expect(pull.stderr).toContain('[ERR_SYNC_NO_CHECKPOINT]');
    const missing = await run(empty.factory, [
      'push',
      '--config',
      syncConfig,
      '--storage',
      storage.dir,
      '--pipeline',
      'a',
      '--checkpoint',
      '01941f29-7c00-7000-8000-000000000001',
    ]);
    expect(missing.code).toBe(5);
    expect(missing.stderr).toContain('not found in local storage');
  });

  it('exits 130 when a push is interrupted', async () => {
    const signals = new FakeSignals();
    let release: () => void = () => undefined;
    const gate = new Promise<void>((r) => (release = r));
    const mem = memoryStores();
    const slow: StoreFactory = (request) => {
      const store = mem.factory(request);
      return {
        ...store,
        uploadFiles: async (...args) => {
          await gate;
          return store.uploadFiles(...args);
        },
      };
    };
    const running = runCli(
      ['push', '--config', syncConfig, '--storage', storage.dir, '--pipeline', 'a'],
      { deps: { createStore: slow }, signals },
    );
    await until(() => signals.listening('SIGINT'));
    await new Promise((r) => setTimeout(r, 50));
    signals.emit('SIGINT');
    release();
    const r = await running;
    expect(r.code, r.stderr).toBe(130);
    expect(r.stderr).not.toMatch(/internal error|a bug/);
  });
});

describe('serve', () => {
  it('starts the server with the mapped options and stops on SIGTERM', async () => {
    const signals = new FakeSignals();
    const seen: unknown[] = [];
    let closed = false;
    const running = runCli(
      ['serve', '--port', '0', '--embedded-s3', '--demo', '--data-dir', 'data'],
      {
        cwd: tmp.path,
        signals,
        deps: {
          runServer: (options) => {
            seen.push(options);
            options.print?.('walk-through');
            return Promise.resolve({
              url: 'http://127.0.0.1:1234',
              close: () => Promise.resolve(void (closed = true)),
            });
          },
        },
      },
    );
    await until(() => seen.length > 0 && signals.listening('SIGTERM'));
    signals.emit('SIGTERM');
    const r = await running;
    expect(r.code).toBe(0);
    expect(closed).toBe(true);
    expect(seen[0]).toMatchObject({
      host: '127.0.0.1',
      port: 0,
      dataDir: join(tmp.path, 'data'),
      embeddedS3: true,
      demo: true,
    });
    expect(r.stderr).toContain('walk-through');
    expect(r.stderr).toContain('listening on http://127.0.0.1:1234');
  });
  it('maps server start errors to exit codes (API key required -> 3) and bad ports to 2', async () => {
    const r = await runCli(['serve', '--host', '0.0.0.0'], {
      signals: new FakeSignals(),
      deps: {
        runServer: () =>
          Promise.reject(
            new SyncError(
              'ERR_SERVER_API_KEY_REQUIRED',
              'refusing to listen on 0.0.0.0 without an API key',
            ),
          ),
      },
    });
    expect(r.code).toBe(3);
    expect((await runCli(['serve', '--port', '70000'])).code).toBe(2);
  });
  it('reads --shutdown-grace-ms as milliseconds (not a port), up to the Node timer limit', async () => {
    const seen: { shutdownGraceMs?: number | undefined; port: number }[] = [];
    const signals = new FakeSignals();
    const running = runCli(['serve', '--shutdown-grace-ms', '120000'], {
      signals,
      env: { FELDERA_SYNC_PORT: '9099' },
      deps: {
        runServer: (options) => {
          seen.push(options);
          return Promise.resolve({ url: 'http://127.0.0.1:9099', close: () => Promise.resolve() });
        },
      },
    });
    await until(() => seen.length > 0 && signals.listening('SIGTERM'));
    signals.emit('SIGTERM');
    expect((await running).code).toBe(0);
    expect(seen[0]).toMatchObject({ shutdownGraceMs: 120_000, port: 9099 });
    for (const bad of ['2147483648', '-1', '1.5', 'soon']) {
      const r = await runCli(['serve', '--shutdown-grace-ms', bad]);
      expect(r.code, bad).toBe(2);
      expect(r.stderr).toMatch(/whole number of milliseconds from 0 to 2147483647/);
    }
    const badEnv = await runCli(['serve'], { env: { FELDERA_SYNC_PORT: 'http' } });
    expect(badEnv.code).toBe(2);
    expect(badEnv.stderr).toContain('FELDERA_SYNC_PORT="http" is not a port number');
  });
  it('reports a missing or unreadable --api-key-file as a config error that says what to do', async () => {
    for (const file of ['no-such-key.txt', '.']) {
      const r = await runCli(['serve', '--api-key-file', file, '--port', '0'], {
        cwd: tmp.path,
        signals: new FakeSignals(),
      });
      expect(r.code, r.stderr).toBe(3);
      expect(r.stderr).toContain(`cannot read the API key file ${join(tmp.path, file)}`);
      expect(r.stderr).toContain('[ERR_CLI_CONFIG_READ]');
      expect(r.stderr).toMatch(/hint: create it with one line of at least 16 characters/);
      expect(r.stderr).not.toMatch(/internal error|a bug/);
    }
  });
});

describe('standby', () => {
  it('pulls until SIGUSR1, then does a final pull, writes the marker and exits 0', async () => {
    const mem = memoryStores();
    const deps = { createStore: mem.factory };
    const cfg = await writeJson('standby.json', {
      bucket: 'sbb',
      endpoint: 'http://127.0.0.1:9',
      provider: 'Ceph',
      pull_interval: 1,
      start_from_checkpoint: 'latest',
    });
    expect(
      (
        await runCli(
          [
            'push',
            '--config',
            cfg,
            '--storage',
            storage.dir,
            '--pipeline',
            'a',
            '--checkpoint',
            storage.checkpoints[0]!.uuid,
          ],
          { deps },
        )
      ).code,
    ).toBe(0);
    const signals = new FakeSignals();
    const target = join(tmp.path, 'standby-storage');
    await mkdir(target, { recursive: true });
    let out = '';
    const running = runCli(['standby', '--config', cfg, '--storage', target], {
      deps,
      signals,
    }).then((r) => {
      out = r.stdout;
      return r;
    });
    await until(() => signals.listening('SIGUSR1'));
    // A newer checkpoint lands while in standby; activation's final pull must fetch it.
    expect(
      (
        await runCli(['push', '--config', cfg, '--storage', storage.dir, '--pipeline', 'a'], {
          deps,
        })
      ).code,
    ).toBe(0);
    signals.emit('SIGUSR1');
    const r = await running;
    expect(r.stderr).not.toContain('error');
    expect(r.code).toBe(0);
    expect(out).toContain(`checkpoint pulled successfully: ${storage.checkpoints[0]!.uuid}`);
    expect(out).toContain(`activated: storage holds ${storage.checkpoints.at(-1)!.uuid}`);
    const files = await listFiles(target);
    expect(files).toContain('activated.feldera');
    const catalog = JSON.parse(await readFile(join(target, 'checkpoints.feldera'), 'utf8')) as {
      uuid: string;
    }[];
    expect(catalog.at(-1)!.uuid).toBe(storage.checkpoints.at(-1)!.uuid);
  });
  it('stops on SIGTERM with exit 0', async () => {
    const mem = memoryStores();
    const cfg = await writeJson('standby2.json', {
      bucket: 'sb2b',
      endpoint: 'http://127.0.0.1:9',
      provider: 'Ceph',
      start_from_checkpoint: 'latest',
    });
    const signals = new FakeSignals();
    const running = runCli(['standby', '--config', cfg, '--storage', join(tmp.path, 'sb2')], {
      deps: { createStore: mem.factory },
      signals,
    });
    await until(() => signals.listening('SIGTERM'));
    signals.emit('SIGTERM');
    const r = await running;
    expect(r.code).toBe(0);
    expect(r.stderr).toContain('SIGTERM received, stopping');
  });
});
