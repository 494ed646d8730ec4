import { mkdir, readFile, readdir, stat, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { ERR_ABORTED, SyncError, isSyncError, throwIfAborted } from '@feldera-sync/errors';
import type { CatalogEntry } from './catalog.js';
import type { CheckpointDependencies } from './dependencies.js';
import { missingStateFiles, parseDependencies, serializeDependencies } from './dependencies.js';
import { ERR_CHECKPOINT_DEPENDENCIES_CORRUPT } from './errors.js';
import type { IoOptions } from './atomic-file.js';
import { fsyncDir, ioError, isNotFound, writeFileAtomic } from './atomic-file.js';
import { readLocalCatalog } from './local-catalog.js';
import {
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

/** A file outside the checkpoint directory that the checkpoint needs (a batch file at the root). */
export interface SharedFile {
  /** Its name at the storage root (the dependency lists hold bare names). */
  path: string;
  size: number;
}

/** Where a checkpoint's dependencies came from. */
export type DependenciesSource = 'dependencies.json' | 'pspine-batches';

/** What `inspectLocalCheckpoint` found. */
export interface LocalCheckpointInspection {
  uuid: string;
  /**
   * True with `<uuid>/state.json` present (Feldera writes it after the catalog entry, so an entry
   * without it is still being committed), every batch file present at the root, and every listed
   * state file present in `<uuid>/` (Feldera's `verify_checkpoint_intact`).
   */
  complete: boolean;
  /** Needed files that are absent, relative to the storage directory (`<uuid>/name` or a root name). */
  missing: string[];
  /** The regular files directly inside `<uuid>/` (no `*.mut`), as `<uuid>/<name>`, sorted. */
  files: string[];
  /** The dependencies: from `dependencies.json`, or Feldera's legacy `pspine-batches-*.dat` scan. */
  deps: CheckpointDependencies | null;
  depsSource: DependenciesSource | null;
  /** Present batch files the checkpoint needs, with sizes. */
  shared: SharedFile[];
}

/** The regular files and the directories directly inside `dir` (Feldera's checkpoint dirs are flat). */
async function listFlat(dir: string): Promise<{ files: string[]; dirs: string[] }> {
  const files: string[] = [];
  const dirs: string[] = [];
  for (const d of await readdir(dir, { withFileTypes: true })) {
    if (d.isDirectory()) dirs.push(d.name);
    else if (d.isFile() && !d.name.endsWith(MUT_SUFFIX)) files.push(d.name);
  }
  return { files: files.sort(), dirs };
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

/**
 * Feldera's fallback for checkpoints older than `dependencies.json` (storage `lib.rs`,
 * `gather_batches_for_checkpoint_uuid`): the union of `files` in every `pspine-batches*` file.
 */
async function legacyBatches(
  storageDir: string,
  uuid: string,
  names: readonly string[],
  options: IoOptions,
): Promise<string[]> {
  const out = new Set<string>();
  for (const name of names.filter((n) => n.startsWith('pspine-batches'))) {
    const path = join(storageDir, uuid, name);
    const text = (await readTextOrNull(path, options)) ?? '';
    let files: unknown;
    try {
      files = (JSON.parse(text) as { files?: unknown }).files;
    } catch (e) {
      throw new SyncError(ERR_CHECKPOINT_DEPENDENCIES_CORRUPT, `'${path}' is not JSON`, {
        cause: e,
        details: { file: path },
      });
    }
    const parsed = parseDependencies(JSON.stringify(files ?? null), path);
    for (const f of parsed.batches) out.add(f);
  }
  return [...out].sort();
}

/** Checks one checkpoint directory against its dependencies; throws on corrupt dependencies. */
export async function inspectLocalCheckpoint(
  storageDir: string,
  uuid: string,
  options: IoOptions = {},
): Promise<LocalCheckpointInspection> {
  const id = uuid.toLowerCase();
  const paths = checkpointPaths(storageDir, id);
  throwIfAborted(options.signal, `inspecting checkpoint ${id}`);
  let names: string[] = [];
  try {
    names = (await listFlat(paths.dir)).files;
  } catch (e) {
    if (!isNotFound(e)) throw ioError(e, 'list', paths.dir);
  }
  const present = new Set(names);
  const missing: string[] = [];
  if (!present.has(CHECKPOINT_STATE_FILE)) missing.push(`${id}/${CHECKPOINT_STATE_FILE}`);
  let deps: CheckpointDependencies | null = null;
  let depsSource: DependenciesSource | null = null;
  if (present.has(DEPENDENCIES_FILE)) {
    deps = await readDependencies(storageDir, id, options);
    depsSource = 'dependencies.json';
  } else if (names.length > 0) {
    deps = { batches: await legacyBatches(storageDir, id, names, options), state_files: [] };
    depsSource = 'pspine-batches';
  }
  const shared: SharedFile[] = [];
  if (deps) {
    for (const name of missingStateFiles(deps, names)) missing.push(`${id}/${name}`);
    for (const name of new Set(deps.batches)) {
      throwIfAborted(options.signal, `inspecting checkpoint ${id}`);
      const size = await fileSize(join(storageDir, name));
      if (size === null) missing.push(name);
      else shared.push({ path: name, size });
    }
  }
  return {
    uuid: id,
    complete: names.length > 0 && missing.length === 0,
    missing,
    files: names.map((n) => `${id}/${n}`),
    deps,
    depsSource,
    shared,
  };
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
      if (!isSyncError(e) || e.code === ERR_ABORTED) throw e;
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

/** Byte-wise order, as Rust sorts `String`s (`sort_unstable`), whatever the code points. */
function compareBytes(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a), Buffer.from(b));
}

/** What `commitCheckpointFiles` wrote. */
export interface CommittedCheckpointFiles {
  deps: CheckpointDependencies;
  /** Bytes of the files in `<uuid>/` after the commit, Feldera's `CheckpointMetadata.size`. */
  size: number;
}

/**
 * Feldera's `Checkpointer::commit` bookkeeping (dbsp `checkpointer.rs`) once the operators have
 * written their files into `<uuid>/`: the empty `CHECKPOINT` marker, then `dependencies.json` with
 * `batches` and `state_files` = the sorted listing of the directory's regular files without
 * `dependencies.json` (the marker included), a directory fsync, and the directory's size. The
 * caller then appends the catalog entry, and only after it writes `<uuid>/state.json` and the root
 * `state.json`, in that order, as Feldera's controller does.
 */
export async function commitCheckpointFiles(
  storageDir: string,
  uuid: string,
  batches: readonly string[],
  options: IoOptions = {},
): Promise<CommittedCheckpointFiles> {
  const paths = checkpointPaths(storageDir, uuid);
  throwIfAborted(options.signal, `committing checkpoint ${uuid}`);
  try {
    await mkdir(paths.dir, { recursive: true });
    await writeFileAtomic(paths.marker, '', options);
    const { files } = await listFlat(paths.dir);
    const deps: CheckpointDependencies = {
      batches: [...batches],
      state_files: files.filter((n) => n !== DEPENDENCIES_FILE).sort(compareBytes),
    };
    await writeFileAtomic(paths.dependencies, serializeDependencies(deps), options);
    let size = 0;
    for (const name of (await listFlat(paths.dir)).files)
      size += (await fileSize(join(paths.dir, name))) ?? 0;
    return { deps, size };
  } catch (e) {
    if (isSyncError(e)) throw e;
    throw ioError(e, 'commit', paths.dir);
  }
}
