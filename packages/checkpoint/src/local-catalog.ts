import { readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { SyncError, throwIfAborted } from '@feldera-sync/errors';
import type { CatalogEntry } from './catalog.js';
import { insertCatalogEntry, parseCatalog, serializeCatalog } from './catalog.js';
import type { IoOptions } from './atomic-file.js';
import { ioError, isNotFound, writeFileAtomic } from './atomic-file.js';
import { ERR_CHECKPOINT_CATALOG_MISSING } from './errors.js';
import { CATALOG_FILE } from './local-paths.js';
import { isUuid } from './uuidv7.js';

/** The `<uuid>/` checkpoint directories present in `storageDir` (any, complete or not), sorted. */
export async function listCheckpointDirs(
  storageDir: string,
  options: IoOptions = {},
): Promise<string[]> {
  throwIfAborted(options.signal, 'listing checkpoint directories');
  try {
    const entries = await readdir(storageDir, { withFileTypes: true });
    return entries
      .filter((d) => d.isDirectory() && isUuid(d.name))
      .map((d) => d.name)
      .sort();
  } catch (e) {
    if (isNotFound(e)) return [];
    throw ioError(e, 'list', storageDir);
  }
}

async function readCatalogText(storageDir: string, options: IoOptions): Promise<string | null> {
  throwIfAborted(options.signal, 'reading the checkpoint catalog');
  const path = join(storageDir, CATALOG_FILE);
  try {
    return await readFile(path, { encoding: 'utf8', signal: options.signal });
  } catch (e) {
    if (isNotFound(e)) return null;
    throw ioError(e, 'read', path);
  }
}

function missingCatalog(storageDir: string, dirs: readonly string[]): SyncError {
  const path = join(storageDir, CATALOG_FILE);
  return new SyncError(
    ERR_CHECKPOINT_CATALOG_MISSING,
    `checkpoint catalog '${path}' is missing but ${dirs.length} checkpoint director${dirs.length === 1 ? 'y exists' : 'ies exist'} (${dirs.slice(0, 3).join(', ')}${dirs.length > 3 ? ', ...' : ''})`,
    {
      details: { file: path, checkpoints: dirs },
      hint: 'the storage directory is damaged; restore the catalog or clear the storage; it is never repaired automatically',
    },
  );
}

/**
 * The local catalog, oldest first. Missing with no checkpoint directories: `[]`. Missing while
 * `<uuid>/` directories exist: `ERR_CHECKPOINT_CATALOG_MISSING`. Never creates or rewrites the file.
 */
export async function readLocalCatalog(
  storageDir: string,
  options: IoOptions = {},
): Promise<CatalogEntry[]> {
  const text = await readCatalogText(storageDir, options);
  if (text !== null) return parseCatalog(text, join(storageDir, CATALOG_FILE));
  const dirs = await listCheckpointDirs(storageDir, options);
  if (dirs.length > 0) throw missingCatalog(storageDir, dirs);
  return [];
}

/** Replaces the local catalog atomically (`.mut`, fsync, rename, fsync dir). */
export async function writeLocalCatalog(
  storageDir: string,
  entries: readonly CatalogEntry[],
  options: IoOptions = {},
): Promise<void> {
  await writeFileAtomic(join(storageDir, CATALOG_FILE), serializeCatalog(entries), options);
}

/**
 * Adds `entry` to the local catalog in UUID order (replacing an entry with the same UUID) and
 * writes it atomically. A missing catalog is accepted only when no other checkpoint directory exists.
 */
export async function appendToLocalCatalog(
  storageDir: string,
  entry: CatalogEntry,
  options: IoOptions = {},
): Promise<CatalogEntry[]> {
  const text = await readCatalogText(storageDir, options);
  let entries: CatalogEntry[];
  if (text !== null) {
    entries = parseCatalog(text, join(storageDir, CATALOG_FILE));
  } else {
    const others = (await listCheckpointDirs(storageDir, options)).filter(
      (d) => d !== entry.uuid.toLowerCase(),
    );
    if (others.length > 0) throw missingCatalog(storageDir, others);
    entries = [];
  }
  const next = insertCatalogEntry(entries, entry);
  await writeLocalCatalog(storageDir, next, options);
  return next;
}
