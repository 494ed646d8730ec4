import { mkdir, readFile, readdir, stat, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { isSyncError, throwIfAborted } from '@feldera-sync/errors';
import type { CatalogEntry } from './catalog.js';
import type { CheckpointDependencies } from './dependencies.js';
import { parseDependencies, serializeDependencies } from './dependencies.js';
import type { IoOptions } from './atomic-file.js';
import { fsyncDir, ioError, isNotFound, writeFileAtomic } from './atomic-file.js';
import { readLocalCatalog } from './local-catalog.js';
import {
  CHECKPOINT_MARKER,
  CHECKPOINT_STATE_FILE,
  DEPENDENCIES_FILE,
  MUT_SUFFIX,
  ROOT_STATE_FILE,
  checkpointPaths,
} from './local-paths.js';
import { parseStateFile, stateFileBytes } from './state-file.js';

async function readTextOrNull(path: string, options: IoOptions): Promise<string | null> {
  throwIfAborted(options.signal, `reading ${path}`);
  try {
    return await readFile(path, { encoding: 'utf8', signal: options.signal });
  } catch (e) {
    if (isNotFound(e)) return null;
    throw ioError(e, 'read', path);
  }
}

/** Creates `<uuid>/` with its empty `CHECKPOINT` marker (the engine then adds its files). */
export async function createCheckpointDir(
  storageDir: string,
  uuid: string,
  options: IoOptions = {},
): Promise<string> {
  const paths = checkpointPaths(storageDir, uuid);
  throwIfAborted(options.signal, `creating ${paths.dir}`);
  try {
    await mkdir(paths.dir, { recursive: true });
    await writeFile(paths.marker, '');
  } catch (e) {
    throw ioError(e, 'create', paths.dir);
  }
  return paths.dir;
}

/** The checkpoint's `dependencies.json` (legacy array form accepted), or null when absent. */
export async function readDependencies(
  storageDir: string,
  uuid: string,
  options: IoOptions = {},
): Promise<CheckpointDependencies | null> {
  const path = checkpointPaths(storageDir, uuid).dependencies;
  const text = await readTextOrNull(path, options);
  return text === null ? null : parseDependencies(text, path);
}

/** Writes `<uuid>/dependencies.json` atomically in the object form. */
export async function writeDependencies(
  storageDir: string,
  uuid: string,
  deps: CheckpointDependencies,
  options: IoOptions = {},
): Promise<void> {
  await writeFileAtomic(
    checkpointPaths(storageDir, uuid).dependencies,
    serializeDependencies(deps),
    options,
  );
}

/** The checkpoint's `state.json` as an opaque object, or null when absent (not yet complete). */
export async function readCheckpointState(
  storageDir: string,
  uuid: string,
  options: IoOptions = {},
): Promise<Record<string, unknown> | null> {
  const path = checkpointPaths(storageDir, uuid).state;
  const text = await readTextOrNull(path, options);
  return text === null ? null : parseStateFile(text, path);
}

/** Writes `<uuid>/state.json` atomically; it is the last file of a checkpoint, so this completes it. */
export async function writeCheckpointState(
  storageDir: string,
  uuid: string,
  data: Uint8Array | string | Record<string, unknown>,
  options: IoOptions = {},
): Promise<void> {
  await writeFileAtomic(checkpointPaths(storageDir, uuid).state, stateFileBytes(data), options);
}

/** The root `state.json` (what a restart resumes from) as an opaque object, or null when absent. */
export async function readRootState(
  storageDir: string,
  options: IoOptions = {},
): Promise<Record<string, unknown> | null> {
  const path = join(storageDir, ROOT_STATE_FILE);
  const text = await readTextOrNull(path, options);
  return text === null ? null : parseStateFile(text, path);
}

/** Writes the root `state.json` atomically from bytes, text or an object. */
export async function writeRootState(
  storageDir: string,
  data: Uint8Array | string | Record<string, unknown>,
  options: IoOptions = {},
): Promise<void> {
  await writeFileAtomic(join(storageDir, ROOT_STATE_FILE), stateFileBytes(data), options);
}

/** A file outside the checkpoint directory that the checkpoint needs (a batch file, usually). */
export interface SharedFile {
  /** Path relative to the storage directory, `/`-separated. */
  path: string;
  size: number;
}

/** What `inspectLocalCheckpoint` found. */
export interface LocalCheckpointInspection {
  uuid: string;
  /** True only with `CHECKPOINT`, `dependencies.json`, `state.json` and every named file present. */
  complete: boolean;
  /** Needed files that are absent, relative to the storage directory. */
  missing: string[];
  /** Every committed file of `<uuid>/` (no `*.mut`), relative to the storage directory, sorted. */
  files: string[];
  /** The parsed dependencies, or null when `dependencies.json` is absent. */
  deps: CheckpointDependencies | null;
  /** Present files the checkpoint needs outside its directory (batch files), with sizes. */
  shared: SharedFile[];
}

async function listFilesRecursive(root: string, rel: string, out: string[]): Promise<void> {
  const entries = await readdir(join(root, rel), { withFileTypes: true });
  for (const d of entries) {
    const child = rel === '' ? d.name : `${rel}/${d.name}`;
    if (d.isDirectory()) await listFilesRecursive(root, child, out);
    else if (!d.name.endsWith(MUT_SUFFIX)) out.push(child);
  }
}

async function fileSize(path: string): Promise<number | null> {
  try {
    const s = await stat(path);
    return s.isFile() ? s.size : null;
  } catch (e) {
    if (isNotFound(e)) return null;
    throw ioError(e, 'stat', path);
  }
}

/** Checks one checkpoint directory against its dependencies; throws on a corrupt `dependencies.json`. */
export async function inspectLocalCheckpoint(
  storageDir: string,
  uuid: string,
  options: IoOptions = {},
): Promise<LocalCheckpointInspection> {
  const id = uuid.toLowerCase();
  checkpointPaths(storageDir, id);
  throwIfAborted(options.signal, `inspecting checkpoint ${id}`);
  const files: string[] = [];
  try {
    await listFilesRecursive(storageDir, id, files);
  } catch (e) {
    if (!isNotFound(e)) throw ioError(e, 'list', join(storageDir, id));
  }
  files.sort();
  const present = new Set(files);
  const missing: string[] = [];
  for (const name of [CHECKPOINT_MARKER, DEPENDENCIES_FILE, CHECKPOINT_STATE_FILE]) {
    if (!present.has(`${id}/${name}`)) missing.push(`${id}/${name}`);
  }
  const deps = present.has(`${id}/${DEPENDENCIES_FILE}`)
    ? await readDependencies(storageDir, id, options)
    : null;
  const shared: SharedFile[] = [];
  if (deps) {
    const seen = new Set<string>();
    for (const path of [...deps.batches, ...deps.state_files]) {
      if (seen.has(path)) continue;
      seen.add(path);
      if (path.startsWith(`${id}/`)) {
        if (!present.has(path)) missing.push(path);
        continue;
      }
      throwIfAborted(options.signal, `inspecting checkpoint ${id}`);
      const size = await fileSize(join(storageDir, path));
      if (size === null) missing.push(path);
      else shared.push({ path, size });
    }
  }
  return { uuid: id, complete: missing.length === 0, missing, files, deps, shared };
}

/** A catalog entry with what inspection found; `problem` explains a checkpoint that could not be inspected. */
export interface LocalCheckpointStatus {
  entry: CatalogEntry;
  complete: boolean;
  missing: string[];
  deps: CheckpointDependencies | null;
  problem: string | null;
}

/** The local catalog (oldest first), each entry annotated with completeness; a corrupt checkpoint is incomplete with a `problem`. */
export async function listLocalCheckpoints(
  storageDir: string,
  options: IoOptions = {},
): Promise<LocalCheckpointStatus[]> {
  const catalog = await readLocalCatalog(storageDir, options);
  const out: LocalCheckpointStatus[] = [];
  for (const entry of catalog) {
    try {
      const found = await inspectLocalCheckpoint(storageDir, entry.uuid, options);
      out.push({
        entry,
        complete: found.complete,
        missing: found.missing,
        deps: found.deps,
        problem: null,
      });
    } catch (e) {
      if (!isSyncError(e) || e.code === 'ERR_ABORTED') throw e;
      out.push({ entry, complete: false, missing: [], deps: null, problem: e.message });
    }
  }
  return out;
}

/** The newest (last in catalog order) complete local checkpoint, or null. */
export async function latestCompleteCheckpoint(
  storageDir: string,
  options: IoOptions = {},
): Promise<CatalogEntry | null> {
  const all = await listLocalCheckpoints(storageDir, options);
  for (let i = all.length - 1; i >= 0; i--) if (all[i]!.complete) return all[i]!.entry;
  return null;
}

/** Makes sure a directory and its parent's entry for it are on disk (after creating or filling it). */
export async function syncDirTree(dir: string): Promise<void> {
  await fsyncDir(dir);
  await fsyncDir(dirname(dir));
}
