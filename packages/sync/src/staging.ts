import { copyFile, link, mkdir, readdir, rm, rmdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { STAGING_DIR } from '@feldera-sync/checkpoint';

/** `<storage>/.sync-staging/<kind>-<uuid>`: where pushes pin and pulls stage (the engine's local GC ignores it). */
export function stagingPath(
  storageDir: string,
  kind: 'push' | 'pull' | 'verify',
  uuid: string,
): string {
  return join(storageDir, STAGING_DIR, `${kind}-${uuid}`);
}

/** Names of leftover staging directories (from a crash or kill), by kind. */
export async function listStaging(
  storageDir: string,
): Promise<{ push: string[]; pull: string[]; other: string[] }> {
  const out = { push: [] as string[], pull: [] as string[], other: [] as string[] };
  let names: string[];
  try {
    names = await readdir(join(storageDir, STAGING_DIR));
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return out;
    throw e;
  }
  for (const n of names) {
    if (n.startsWith('push-')) out.push.push(n.slice(5));
    else if (n.startsWith('pull-')) out.pull.push(n.slice(5));
    else out.other.push(n);
  }
  return out;
}

/** Removes one staging directory. */
export async function removeStaging(dir: string): Promise<void> {
  await rm(dir, { recursive: true, force: true });
}

/**
 * Removes `<storage>/.sync-staging/` itself once it is empty, so a finished operation leaves nothing
 * behind in the storage directory (Feldera's startup GC would delete a leftover directory anyway).
 * Another operation's staging keeps it in place.
 */
export async function removeStagingRootIfEmpty(storageDir: string): Promise<void> {
  try {
    await rmdir(join(storageDir, STAGING_DIR));
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code !== 'ENOENT' && code !== 'ENOTEMPTY' && code !== 'EEXIST') throw e;
  }
}

/** Links `source` at `target`, copying when the filesystem refuses hard links. */
async function linkOnce(source: string, target: string): Promise<void> {
  try {
    await link(source, target);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'EXDEV' || code === 'EPERM' || code === 'ENOTSUP' || code === 'EMLINK')
      await copyFile(source, target);
    else throw e;
  }
}

/**
 * Hard-links `source` at `target` (copying when the filesystem refuses links); replaces an existing
 * target. The link is tried first: a push pins every batch file this way, and for 10,000 files the
 * directory creation and removal a first link never needs were three of its four calls.
 */
export async function linkOrCopy(source: string, target: string): Promise<void> {
  try {
    await linkOnce(source, target);
    return;
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') await mkdir(dirname(target), { recursive: true });
    else if (code === 'EEXIST') await rm(target, { force: true });
    else throw e;
  }
  await linkOnce(source, target);
}

/** Hard-links the named files of `sourceDir` into `targetDir` (a Feldera checkpoint directory is flat). */
export async function linkFiles(
  sourceDir: string,
  names: readonly string[],
  targetDir: string,
): Promise<void> {
  await mkdir(targetDir, { recursive: true });
  for (const name of names) await linkOrCopy(join(sourceDir, name), join(targetDir, name));
}
