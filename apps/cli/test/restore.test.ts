// `feldera-sync restore` (the init-container role): every outcome's exit code and report, and a
// second run that changes nothing. In-process, memory stores.
import { readdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMemoryObjectStore, StoreErrorCodes } from '@feldera-sync/checkpoint';
import type { MemoryObjectStore, ObjectStore } from '@feldera-sync/checkpoint';
import { SyncError } from '@feldera-sync/errors';
import { generateStorageDir, makeTempDir } from '@feldera-sync/test-utils';
import type { GeneratedStorage, TempDir } from '@feldera-sync/test-utils';
import type { StoreFactory } from '../src/index.js';
import { runCli } from './support/run-cli.js';

let tmp: TempDir;
let storage: GeneratedStorage;
let n = 0;

beforeAll(async () => {
  tmp = await makeTempDir('feldera-sync-cli-restore-');
  storage = await generateStorageDir(join(tmp.path, 'storage'), {
    seed: 13,
    checkpoints: 2,
    startMs: Date.now() - 2 * 60_000,
  });
});
afterAll(async () => tmp.cleanup());

function memory(): { factory: StoreFactory; stores: Map<string, MemoryObjectStore> } {
  const stores = new Map<string, MemoryObjectStore>();
  return {
    stores,
    factory: ({ remote }) => {
      let s = stores.get(remote.bucket);
      if (!s) {
        s = createMemoryObjectStore(`memory:${remote.bucket}/`);
        stores.set(remote.bucket, s);
      }
      return s;
    },
  };
}

async function config(extra: Record<string, unknown>): Promise<string> {
  n++;
  const path = join(tmp.path, `restore-${n}.json`);
  await writeFile(
    path,
    JSON.stringify({
      bucket: `rb${n}`,
      endpoint: 'http://127.0.0.1:9',
      provider: 'Ceph',
      ...extra,
    }),
  );
  return path;
}

const json = (stdout: string): Record<string, unknown> =>
  JSON.parse(stdout) as Record<string, unknown>;

describe('restore', () => {
  it('restored (0), then already_local (0) with no object-store request: idempotent', async () => {
    const m = memory();
    const cfg = await config({ start_from_checkpoint: 'latest' });
    const deps = { createStore: m.factory };
    expect(
      (
        await runCli(['push', '--config', cfg, '--storage', storage.dir, '--pipeline', 'p'], {
          deps,
        })
      ).code,
    ).toBe(0);
    const target = join(tmp.path, `target-${n}`);
    const first = await runCli(['restore', '--config', cfg, '--storage', target, '--json'], {
      deps,
    });
    expect(first.code, first.stderr).toBe(0);
    expect(json(first.stdout)).toMatchObject({
      operation: 'restore',
      outcome: 'restored',
      source: 'bucket',
      checkpoint_uuid: storage.checkpoints.at(-1)!.uuid,
    });
    const files = (await readdir(target)).sort();
    const store = m.stores.get(`rb${n}`)!;
    const calls = { ...store.calls };
    const second = await runCli(['restore', '--config', cfg, '--storage', target, '--json'], {
      deps,
    });
    expect(second.code, second.stderr).toBe(0);
    expect(json(second.stdout)).toMatchObject({ outcome: 'already_local', bytes: 0 });
    expect(store.calls).toEqual(calls);
    expect((await readdir(target)).sort()).toEqual(files);
  });

  it('empty (0) when nothing is found and fail_if_no_checkpoint is off; 5 when it is on', async () => {
    const m = memory();
    const deps = { createStore: m.factory };
    const lax = await config({ start_from_checkpoint: 'latest' });
    const target = join(tmp.path, `empty-${n}`);
    const r = await runCli(['restore', '--config', lax, '--storage', target, '--json'], { deps });
    expect(r.code, r.stderr).toBe(0);
    expect(json(r.stdout)).toMatchObject({ outcome: 'empty', checkpoint_uuid: null });
    const strict = await config({ start_from_checkpoint: 'latest', fail_if_no_checkpoint: true });
    const s = await runCli(['restore', '--config', strict, '--storage', target], { deps });
    expect(s.code).toBe(5);
    expect(s.stderr).toContain('[ERR_SYNC_NO_CHECKPOINT]');
  });

  it('empty state for a UUID found nowhere moves a root state.json naming another checkpoint away', async () => {
    const m = memory();
    const cfg = await config({ start_from_checkpoint: '01900000-0000-7000-8000-000000000000' });
    const target = join(tmp.path, `uuid-${n}`);
    await generateStorageDir(target, { seed: 3, checkpoints: 1, startMs: Date.now() - 60_000 });
    const r = await runCli(['restore', '--config', cfg, '--storage', target, '--json'], {
      deps: { createStore: m.factory },
    });
    expect(r.code, r.stderr).toBe(0);
    expect(json(r.stdout)).toMatchObject({ outcome: 'empty', removed_root_state: true });
    expect(await readdir(target)).not.toContain('state.json');
    await rm(target, { recursive: true, force: true });
  });

  it('not_configured (0) without start_from_checkpoint, touching nothing', async () => {
    const m = memory();
    const cfg = await config({});
    const target = join(tmp.path, `none-${n}`);
    const r = await runCli(['restore', '--config', cfg, '--storage', target, '--json'], {
      deps: { createStore: m.factory },
    });
    expect(r.code, r.stderr).toBe(0);
    expect(json(r.stdout)).toMatchObject({ outcome: 'not_configured' });
    expect(m.stores.get(`rb${n}`)?.calls.getSmall ?? 0).toBe(0);
  });

  it('errors exit with their code: refused credentials 4, an unreachable store 7', async () => {
    const failing = (code: string): StoreFactory => {
      const fail = (): Promise<never> => Promise.reject(new SyncError(code, `store says ${code}`));
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
    };
    const cfg = await config({ start_from_checkpoint: 'latest', fail_if_no_checkpoint: false });
    const target = join(tmp.path, `err-${n}`);
    for (const [code, exit] of [
      [StoreErrorCodes.auth, 4],
      [StoreErrorCodes.network, 7],
    ] as const) {
      const r = await runCli(['restore', '--config', cfg, '--storage', target], {
        deps: { createStore: failing(code) },
      });
      expect(r.code, r.stderr).toBe(exit);
      expect(r.stderr).toContain(`[${code}]`);
    }
  });
});
