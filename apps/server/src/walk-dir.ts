import type { Dirent } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * Every entry under `dir`, depth first, with its path; directories are descended into (not through
 * symbolic links: a `Dirent` of a link is not a directory). A missing or unreadable directory yields
 * nothing. Callers bound the walk by stopping their loop.
 */
export async function* walkDir(dir: string): AsyncGenerator<{ path: string; entry: Dirent }> {
  const pending = [dir];
  while (pending.length > 0) {
    const current = pending.pop()!;
    let entries: Dirent[];
    try {
      entries = await readdir(current, { withFileTypes: true });
    } catch {
      continue;
    }
    for (const entry of entries) {
      const path = join(current, entry.name);
      if (entry.isDirectory()) pending.push(path);
      yield { path, entry };
    }
  }
}
