import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { SyncError } from '@feldera-sync/errors';
import { SyncErrorCodes } from '../errors.js';
import { parseLossless, stringifyLossless } from '../lossless-json.js';
import { writeFileAtomic } from './fs-atomic.js';

/** The catalog file, local and remote. */
export const CATALOG_FILE = 'checkpoints.feldera';
/** The root copy of the newest checkpoint's state. */
export const STATE_FILE = 'state.json';
/** Empty marker inside every checkpoint directory. */
export const CHECKPOINT_MARKER = 'CHECKPOINT';
/** The checkpoint's dependency list inside its directory. */
export const DEPENDENCIES_FILE = 'dependencies.json';

/** One catalog entry. Unknown fields are kept; `fingerprint` stays exact through `parseLossless`. */
export interface CatalogEntry {
  uuid: string;
  [field: string]: unknown;
}

/** A checkpoint's dependencies: batch files and state files (both relative to the storage root). */
export interface Dependencies {
  batches: string[];
  stateFiles: string[];
}

const SAFE_NAME = /^(?!\.{1,2}$)[A-Za-z0-9._-]+$/;

/** True for a single safe path segment (no separators, not `.` or `..`). */
export function isSafeName(name: string): boolean {
  return SAFE_NAME.test(name);
}

/** Parses catalog text (a JSON array of entries, oldest first). */
export function parseCatalog(text: string, where: string): CatalogEntry[] {
  let value: unknown;
  try {
    value = parseLossless(text);
  } catch (e) {
    throw new SyncError(SyncErrorCodes.invalidLocal, `${where} is not valid JSON`, { cause: e });
  }
  if (!Array.isArray(value)) throw new SyncError(SyncErrorCodes.invalidLocal, `${where} is not a JSON array`);
  return value.map((entry: unknown, i) => {
    if (typeof entry !== 'object' || entry === null || typeof (entry as { uuid?: unknown }).uuid !== 'string') {
      throw new SyncError(SyncErrorCodes.invalidLocal, `${where}[${i}] has no uuid`);
    }
    if (!isSafeName((entry as { uuid: string }).uuid)) {
      throw new SyncError(SyncErrorCodes.invalidLocal, `${where}[${i}] has an unsafe uuid`);
    }
    return entry as CatalogEntry;
  });
}

/** Serialises a catalog, keeping big integers exact. */
export function serializeCatalog(entries: readonly CatalogEntry[]): string {
  return stringifyLossless(entries, 2);
}

/** Inserts or replaces `entry`, keeping UUIDv7 (time) order. */
export function withCatalogEntry(entries: readonly CatalogEntry[], entry: CatalogEntry): CatalogEntry[] {
  const out = entries.filter((e) => e.uuid !== entry.uuid);
  out.push(entry);
  out.sort((a, b) => (a.uuid < b.uuid ? -1 : a.uuid > b.uuid ? 1 : 0));
  return out;
}

async function readIfExists(path: string): Promise<string | null> {
  try {
    return await readFile(path, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw e;
  }
}

/** The local catalog; a missing file is an empty catalog (read paths never create it). */
export async function readLocalCatalog(storageDir: string): Promise<CatalogEntry[]> {
  const text = await readIfExists(join(storageDir, CATALOG_FILE));
  return text === null ? [] : parseCatalog(text, join(storageDir, CATALOG_FILE));
}

/** Replaces the local catalog atomically. */
export async function writeLocalCatalog(storageDir: string, entries: readonly CatalogEntry[]): Promise<void> {
  await writeFileAtomic(join(storageDir, CATALOG_FILE), serializeCatalog(entries));
}

/** Parses `dependencies.json`: `{batches, state_files}` or the legacy bare array of batches. */
export function parseDependencies(text: string, where: string): Dependencies {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    throw new SyncError(SyncErrorCodes.invalidLocal, `${where} is not valid JSON`, { cause: e });
  }
  const strings = (v: unknown, field: string): string[] => {
    if (v === undefined) return [];
    if (!Array.isArray(v) || !v.every((x) => typeof x === 'string')) {
      throw new SyncError(SyncErrorCodes.invalidLocal, `${where}: ${field} must be an array of strings`);
    }
    for (const p of v) {
      if (!p.split('/').every(isSafeName)) {
        throw new SyncError(SyncErrorCodes.invalidLocal, `${where}: unsafe path ${JSON.stringify(p)}`);
      }
    }
    return v;
  };
  if (Array.isArray(value)) return { batches: strings(value, 'batches'), stateFiles: [] };
  if (typeof value !== 'object' || value === null) {
    throw new SyncError(SyncErrorCodes.invalidLocal, `${where} must be an object or an array`);
  }
  const obj = value as { batches?: unknown; state_files?: unknown };
  return { batches: strings(obj.batches, 'batches'), stateFiles: strings(obj.state_files, 'state_files') };
}

/** What the storage directory holds of one checkpoint. */
export interface LocalCheckpoint {
  uuid: string;
  /** Catalogued, marker and `state.json` present, every dependency present. */
  complete: boolean;
  /** The catalog entry, when catalogued. */
  entry: CatalogEntry | undefined;
  dependencies: Dependencies;
  /** Dependencies that live outside the checkpoint directory (root-relative paths). */
  rootFiles: string[];
  /** What is missing, for messages. */
  missing: string[];
}

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw e;
  }
}

/** Inspects one checkpoint of the storage directory without changing anything. */
export async function inspectLocalCheckpoint(
  storageDir: string,
  uuid: string,
  catalog?: readonly CatalogEntry[],
): Promise<LocalCheckpoint> {
  const entries = catalog ?? (await readLocalCatalog(storageDir));
  const entry = entries.find((e) => e.uuid === uuid);
  const missing: string[] = [];
  if (!entry) missing.push(`${CATALOG_FILE} entry`);
  const dir = join(storageDir, uuid);
  for (const f of [CHECKPOINT_MARKER, STATE_FILE]) if (!(await exists(join(dir, f)))) missing.push(`${uuid}/${f}`);
  let dependencies: Dependencies = { batches: [], stateFiles: [] };
  const depsText = isSafeName(uuid) ? await readIfExists(join(dir, DEPENDENCIES_FILE)) : null;
  if (depsText === null) missing.push(`${uuid}/${DEPENDENCIES_FILE}`);
  else dependencies = parseDependencies(depsText, join(dir, DEPENDENCIES_FILE));
  const rootFiles = [...new Set([...dependencies.batches, ...dependencies.stateFiles])].filter(
    (p) => !p.startsWith(`${uuid}/`),
  );
  for (const f of rootFiles) if (!(await exists(join(storageDir, f)))) missing.push(f);
  return { uuid, complete: missing.length === 0, entry, dependencies, rootFiles, missing };
}

/** The newest catalogued checkpoint that is complete on disk, or null. */
export async function latestCompleteCheckpoint(storageDir: string): Promise<LocalCheckpoint | null> {
  const catalog = await readLocalCatalog(storageDir);
  for (let i = catalog.length - 1; i >= 0; i--) {
    const found = await inspectLocalCheckpoint(storageDir, catalog[i]!.uuid, catalog);
    if (found.complete) return found;
  }
  return null;
}
