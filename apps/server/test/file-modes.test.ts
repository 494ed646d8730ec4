// Issue 16: what the server writes under its data directory is readable by its owner only (files
// 0600, directories 0700), also when the data directory already existed with mode 0755.
import { chmod, lstat, mkdir, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeTempDir } from '@feldera-sync/test-utils';
import type { TempDir } from '@feldera-sync/test-utils';
import { client, startServerProcess } from './harness.js';
import type { ServerProcess } from './harness.js';

/** Every path under `dir` with its permission bits. */
async function walk(dir: string): Promise<{ path: string; dir: boolean; mode: number }[]> {
  const out: { path: string; dir: boolean; mode: number }[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    const st = await lstat(path);
    out.push({ path, dir: entry.isDirectory(), mode: st.mode & 0o777 });
    if (entry.isDirectory()) out.push(...(await walk(path)));
  }
  return out;
}

describe('file modes under the data directory', () => {
  let root: TempDir;
  let server: ServerProcess | undefined;
  beforeAll(async () => {
    root = await makeTempDir('feldera-sync-modes-');
  });
  afterAll(async () => {
    await server?.stop();
    await root.cleanup();
  });

  it('creates files 0600 and directories 0700 in a data directory that existed with 0755', async () => {
    const dataDir = join(root.path, 'data');
    await mkdir(dataDir);
    await chmod(dataDir, 0o755);
    server = await startServerProcess({ dataDir });
    const api = client(server.url);
    expect((await api.put('modes', { fault_tolerance: { model: 'none' } })).status).toBe(201);
    expect((await api.start('modes')).status).toBe(202);
    await api.waitForStatus('modes', 'Running');
    expect((await api.ingress('modes', 't', [{ insert: { id: 1 } }])).status).toBe(200);
    expect((await api.checkpoint('modes')).status).toBe(200);
    expect((await api.stop('modes')).status).toBe(202);
    await api.waitForStatus('modes', 'Stopped');

    const entries = await walk(dataDir);
    const files = entries.filter((e) => !e.dir);
    const dirs = entries.filter((e) => e.dir);
    // The registry, the catalog, batch files and a checkpoint's files at least.
    expect(files.length).toBeGreaterThan(4);
    expect(dirs.length).toBeGreaterThan(2);
    const open = entries.filter((e) => (e.mode & 0o077) !== 0);
    expect(
      open.map((e) => `${e.path.slice(dataDir.length)} ${e.mode.toString(8)}`),
      'group or other can read these',
    ).toEqual([]);
    // The data directory's own mode is the operator's choice and stays as it was.
    expect((await lstat(dataDir)).mode & 0o777).toBe(0o755);
  });
});
