// Builds Feldera-layout storage directories for tests (private to this package's tests).
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { createHash } from 'node:crypto';
import { afterEach } from 'vitest';

let lastMs = 0;
/** A UUIDv7 for `ms` (default now), strictly increasing across calls. */
export function testUuidv7(ms?: number): string {
  const t = Math.max(ms ?? Date.now(), lastMs + 1);
  lastMs = t;
  const hex = t.toString(16).padStart(12, '0') + '7' + randomBytes(10).toString('hex').slice(0, 19);
  const v = hex.split('');
  v[16] = ((parseInt(v[16]!, 16) & 0x3) | 0x8).toString(16);
  const s = v.join('');
  return `${s.slice(0, 8)}-${s.slice(8, 12)}-${s.slice(12, 16)}-${s.slice(16, 20)}-${s.slice(20, 32)}`;
}

/** A fresh temporary directory. */
export async function tempDir(prefix = 'sync-test-'): Promise<string> {
  return mkdtemp(join(tmpdir(), prefix));
}

/** Writes batch files and checkpoints the way the engine does, in commit order. */
export class StorageBuilder {
  constructor(readonly dir: string) {}

  /** Writes one immutable batch file of `size` random bytes; returns its name. */
  async batch(size: number): Promise<string> {
    await mkdir(this.dir, { recursive: true });
    const name = `w0-${testUuidv7()}.feldera`;
    await writeFile(join(this.dir, name), randomBytes(size));
    return name;
  }

  /**
   * Writes a complete checkpoint needing `batches` in Feldera's order (dbsp `checkpointer.rs`
   * commit, adapters `controller.rs`): operator file, `CHECKPOINT`, `dependencies.json` listing the
   * directory (bare names), the compact catalog, then `<uuid>/state.json` and the root `state.json`.
   */
  async checkpoint(
    batches: string[],
    options: { uuid?: string; operatorBytes?: number; step?: number } = {},
  ): Promise<string> {
    const uuid = options.uuid ?? testUuidv7();
    const dir = join(this.dir, uuid);
    await mkdir(dir, { recursive: true });
    await writeFile(join(dir, 'pspine-0.dat'), randomBytes(options.operatorBytes ?? 4096));
    await writeFile(join(dir, 'CHECKPOINT'), '');
    const deps = JSON.stringify({ batches, state_files: ['CHECKPOINT', 'pspine-0.dat'] });
    await writeFile(join(dir, 'dependencies.json'), deps);
    const size = (options.operatorBytes ?? 4096) + Buffer.byteLength(deps);
    const catalogPath = join(this.dir, 'checkpoints.feldera');
    const text = await readFile(catalogPath, 'utf8').catch(() => '[]');
    const entry =
      `{"uuid":"${uuid}","identifier":null,"fingerprint":18446744073709551557,` +
      `"size":${size},"steps":${options.step ?? 1},"processed_records":10}`;
    const body = text.trim().slice(1, -1).trim();
    await writeFile(catalogPath, `[${body === '' ? '' : body + ','}${entry}]`);
    const state = JSON.stringify({ uuid, step: options.step ?? 1, processed_records: 10 });
    await writeFile(join(dir, 'state.json'), state);
    await writeFile(join(this.dir, 'state.json'), state);
    return uuid;
  }
}

/** This project's own root files: the lock (held until `close()`) and the persisted hash cache. */
const KEPT_OUT = new Set(['.feldera-sync.lock', '.feldera-sync.hashes']);

/**
 * SHA-256 of every file under `dir` (relative path -> hex); an empty directory shows as `<path>/`.
 * The storage lock and the hash cache (`KEPT_OUT`) are left out, checked by tests of their own.
 */
export async function snapshotTree(dir: string, root = dir): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  let names;
  try {
    names = await readdir(dir, { withFileTypes: true });
  } catch {
    return out;
  }
  for (const d of names) {
    const p = join(dir, d.name);
    if (dir === root && KEPT_OUT.has(d.name)) continue;
    if (d.isDirectory()) {
      const inner = await snapshotTree(p, root);
      Object.assign(out, Object.keys(inner).length > 0 ? inner : { [relative(root, p) + '/']: '' });
    } else
      out[relative(root, p)] = createHash('sha256')
        .update(await readFile(p))
        .digest('hex');
  }
  return out;
}

/** Removes a directory tree. */
export async function removeDir(dir: string): Promise<void> {
  await rm(dir, { recursive: true, force: true });
}

/** For a test file: a function making a fresh storage directory per call, all removed after each test. */
export function storagePerTest(): () => Promise<StorageBuilder> {
  const dirs: string[] = [];
  afterEach(async () => {
    for (const d of dirs.splice(0)) await removeDir(d);
  });
  return async () => {
    const dir = await tempDir();
    dirs.push(dir);
    return new StorageBuilder(dir);
  };
}
