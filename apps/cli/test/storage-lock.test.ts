// One writer per storage directory: a push or pull while another live process holds the
// directory's lock exits 8 naming that process; a lock left by a dead process is taken over.
import { spawn } from 'node:child_process';
import { readdir, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMemoryObjectStore } from '@feldera-sync/checkpoint';
import { generateStorageDir, makeTempDir } from '@feldera-sync/test-utils';
import type { GeneratedStorage, TempDir } from '@feldera-sync/test-utils';
import { runCli } from './support/run-cli.js';

let tmp: TempDir;
let storage: GeneratedStorage;
let config: string;
const store = createMemoryObjectStore('memory:lock/');

beforeAll(async () => {
  tmp = await makeTempDir('feldera-sync-cli-lock-');
  storage = await generateStorageDir(join(tmp.path, 'storage'), { seed: 3, checkpoints: 2 });
  config = join(tmp.path, 'sync.json');
  await writeFile(
    config,
    JSON.stringify({ bucket: 'lock', endpoint: 'http://127.0.0.1:9', provider: 'Ceph' }),
  );
});
afterAll(async () => {
  await tmp.cleanup();
});

const deps = { createStore: () => store };

describe('storage directory lock', () => {
  it('push and pull exit 8 while another live process holds the directory, naming its PID; a dead holder is taken over', async () => {
    const holder = spawn('sleep', ['30']);
    try {
      await writeFile(
        join(storage.dir, '.feldera-sync.lock'),
        JSON.stringify({
          pid: holder.pid,
          hostname: hostname(),
          process_start: null,
          command: 'feldera-sync sidecar',
          acquired_at: '2026-12-01T00:00:00Z',
          token: 'x',
        }),
      );
      const push = await runCli(
        ['push', '--config', config, '--storage', storage.dir, '--pipeline', 'a'],
        { deps },
      );
      expect(push.code).toBe(8);
      expect(push.stderr).toContain(`in use by PID ${holder.pid}`);
      expect(push.stderr).toContain('feldera-sync sidecar');
      expect(push.stderr).toContain('[ERR_CHECKPOINT_LOCKED]');
      const pull = await runCli(['pull', '--config', config, '--storage', storage.dir], { deps });
      expect(pull.code).toBe(8);
    } finally {
      holder.kill('SIGKILL');
      await new Promise((r) => holder.on('exit', r));
    }
    // The holder is gone now: the next push takes the lock over, and releases it when done.
    const push = await runCli(
      ['push', '--config', config, '--storage', storage.dir, '--pipeline', 'a'],
      { deps },
    );
    expect(push.stderr).not.toContain('error');
    expect(push.code).toBe(0);
    expect(await readdir(storage.dir)).not.toContain('.feldera-sync.lock');
  });
});

describe('untrusted names on the terminal', () => {
  it('gc leaves objects whose names the layout never writes, and prints their names escaped', async () => {
    const push = await runCli(
      ['push', '--config', config, '--storage', storage.dir, '--pipeline', 'a'],
      { deps },
    );
    expect(push.code).toBe(0);
    const evil = 'notes\u001b[2J\u0007\nforged line.txt';
    await store.putSmall(evil, 'x');
    const gc = await runCli(['gc', '--config', config, '--dry-run'], { deps });
    expect(gc.code, gc.stderr).toBe(0);
    expect(gc.stdout).toContain('foreign: notes\\x1b[2J\\x07\\x0aforged line.txt');
    // eslint-disable-next-line no-control-regex -- no control character but line breaks
    expect(gc.stdout).not.toMatch(/[\u0000-\u0009\u000b-\u001f]/);
    const real = await runCli(['gc', '--config', config], { deps });
    expect(real.code).toBe(0);
    expect(store.objects.has(evil)).toBe(true);
  });
});
