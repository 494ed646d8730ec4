import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import {
  fsyncDir,
  listLocalCheckpoints,
  planLocalGc,
  writeLocalCatalog,
} from '@feldera-sync/checkpoint';

/** What a local collection removed. */
export interface LocalGcReport {
  /** Checkpoints dropped from the local catalog, their directories deleted. */
  removed: string[];
  /** Shared files (batch files) only those checkpoints needed. */
  deletedFiles: number;
}

/**
 * Keeps a standby's storage bounded: the newest two complete checkpoints plus `keep` stay, the rest
 * goes (the checkpoint package's plan). The catalog is rewritten first, so it never names a
 * checkpoint whose files are gone; a kill in between leaves only unreferenced files behind.
 */
export async function collectLocalGarbage(
  storageDir: string,
  keep: Iterable<string>,
  signal?: AbortSignal,
): Promise<LocalGcReport> {
  const opts = signal ? { signal } : {};
  const plan = planLocalGc(await listLocalCheckpoints(storageDir, opts), keep);
  if (plan.deleteDirs.length === 0 && plan.deleteFiles.length === 0)
    return { removed: [], deletedFiles: 0 };
  await writeLocalCatalog(storageDir, plan.catalog, opts);
  for (const dir of plan.deleteDirs)
    await rm(join(storageDir, dir), { recursive: true, force: true });
  for (const file of plan.deleteFiles) await rm(join(storageDir, file), { force: true });
  await fsyncDir(storageDir);
  return { removed: plan.deleteDirs, deletedFiles: plan.deleteFiles.length };
}
