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
  /** Batch files only those checkpoints needed. */
  deletedFiles: number;
}

/** Options of `collectLocalGarbage`. */
export interface LocalGcRunOptions {
  /** Newest complete checkpoints kept besides `keep` (default 2). */
  keepComplete?: number | undefined;
  /** Keep entries newer than every complete checkpoint (a commit in progress); default true. */
  protectNewer?: boolean | undefined;
  signal?: AbortSignal | undefined;
}

/**
 * Local collection by the checkpoint package's plan (Feldera's rules: a dropped checkpoint's
 * directory and the batch files no kept checkpoint names; never anything else). The catalog is
 * rewritten first, so it never names a checkpoint whose files are gone; a kill in between leaves only
 * unreferenced files, which Feldera's startup GC removes too.
 */
export async function collectLocalGarbage(
  storageDir: string,
  keep: Iterable<string>,
  options: LocalGcRunOptions = {},
): Promise<LocalGcReport> {
  const opts = options.signal ? { signal: options.signal } : {};
  const plan = planLocalGc(await listLocalCheckpoints(storageDir, opts), keep, {
    keepComplete: options.keepComplete,
    protectNewer: options.protectNewer,
  });
  if (plan.deleteDirs.length === 0 && plan.deleteFiles.length === 0)
    return { removed: [], deletedFiles: 0 };
  await writeLocalCatalog(storageDir, plan.catalog, opts);
  for (const dir of plan.deleteDirs)
    await rm(join(storageDir, dir), { recursive: true, force: true });
  for (const file of plan.deleteFiles) await rm(join(storageDir, file), { force: true });
  await fsyncDir(storageDir);
  return { removed: plan.deleteDirs, deletedFiles: plan.deleteFiles.length };
}
