import { mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A fresh temporary directory and its cleanup. */
export async function tempDir(
  prefix = 'engine-',
): Promise<{ path: string; cleanup: () => Promise<void> }> {
  const path = await mkdtemp(join(tmpdir(), prefix));
  return { path, cleanup: () => rm(path, { recursive: true, force: true }) };
}

/** Names at the root of a directory, sorted. */
export async function listRoot(dir: string): Promise<string[]> {
  return (await readdir(dir)).sort();
}

/** Size of a file. */
export async function fileSize(path: string): Promise<number> {
  return (await stat(path)).size;
}
