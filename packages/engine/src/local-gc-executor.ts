import { readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import {
  CATALOG_FILE,
  DEPENDENCIES_FILE,
  isBatchFileName,
  isUuid,
  listLocalCheckpoints,
  planLocalGc,
  readDependencies,
  writeLocalCatalog,
} from '@feldera-sync/checkpoint';
import { throwIfAborted } from '@feldera-sync/errors';
import { exists } from './engine-io.js';
import { EngineErrorCodes, engineError } from './errors.js';

/** Batch files each known checkpoint needs, read from or written to its `dependencies.json`. */
export class DependencyCache {
  readonly #known = new Map<string, ReadonlySet<string>>();

  set(uuid: string, files: ReadonlySet<string>): void {
    this.#known.set(uuid, files);
  }

  delete(uuid: string): void {
    this.#known.delete(uuid);
  }

  clear(): void {
    this.#known.clear();
  }

  /** Checkpoints whose dependencies are known. */
  uuids(): string[] {
    return [...this.#known.keys()];
  }

  /** What checkpoint `uuid` needs; a checkpoint that is not here needs nothing. */
  async of(dir: string, uuid: string): Promise<ReadonlySet<string>> {
    const cached = this.#known.get(uuid);
    if (cached !== undefined) return cached;
    const deps = await readDependencies(dir, uuid);
    if (deps === null) {
      // A pinned checkpoint that is not here needs nothing; a directory without its list stops deletion.
      if (!(await exists(join(dir, uuid)))) return new Set();
      throw engineError(
        EngineErrorCodes.MISSING_FILE,
        `checkpoint ${uuid} has no ${DEPENDENCIES_FILE}`,
        {
          hint: 'local GC deletes no batch file until it knows what every kept checkpoint needs',
          details: { file: `${uuid}/${DEPENDENCIES_FILE}` },
        },
      );
    }
    const set = new Set(deps.batches);
    this.#known.set(uuid, set);
    return set;
  }
}

/** Inputs of `runLocalGc`. */
export interface LocalGcRun {
  /** Checkpoints kept whatever their age: pinned ones and the one the engine is at. */
  pinned: ReadonlySet<string>;
  /** Batch files the engine's live spines name. */
  live: ReadonlySet<string>;
  /** How many of the newest complete checkpoints to keep. */
  keepComplete: number;
  deps: DependencyCache;
  signal?: AbortSignal | undefined;
}

/**
 * Local GC by the checkpoint package's plan (Feldera's `gc_checkpoint`: the newest complete
 * checkpoints, pinned ones, the current one and any entry still inside the commit window stay;
 * a dropped checkpoint's directory and the batch files only it named go), then Feldera's
 * `gc_startup` sweep: checkpoint directories the catalog does not name and batch files nothing needs.
 */
export async function runLocalGc(dir: string, run: LocalGcRun): Promise<void> {
  const { signal, deps } = run;
  throwIfAborted(signal, 'local garbage collection');
  const catalogExists = await exists(join(dir, CATALOG_FILE));
  const plan = planLocalGc(await listLocalCheckpoints(dir, { signal }), run.pinned, {
    keepComplete: run.keepComplete,
    live: run.live,
  });
  if (plan.drop.length > 0) {
    // The catalog first: it never names a checkpoint whose files are gone.
    await writeLocalCatalog(dir, plan.catalog, { signal });
    for (const uuid of plan.deleteDirs) {
      deps.delete(uuid);
      await rm(join(dir, uuid), { recursive: true, force: true });
    }
    for (const file of plan.deleteFiles) await rm(join(dir, file), { force: true });
  }
  const keep = new Set([...plan.keep.map((entry) => entry.uuid.toLowerCase()), ...run.pinned]);
  const names = await readdir(dir);
  if (catalogExists || plan.keep.length > 0) {
    // Without a catalog, checkpoint directories are a damaged layout, not debris: leave them.
    for (const name of names) {
      if (isUuid(name) && !keep.has(name.toLowerCase()))
        await rm(join(dir, name), { recursive: true, force: true });
    }
  }
  const candidates = names.filter((name) => isBatchFileName(name.replace(/\.mut$/, '')));
  await deleteUnreferencedBatches(dir, candidates, run.live, keep, deps);
}

/** Deletes each of `candidates` that neither a live spine nor one of `checkpoints` needs. */
export async function deleteUnreferencedBatches(
  dir: string,
  candidates: readonly string[],
  live: ReadonlySet<string>,
  checkpoints: Iterable<string>,
  deps: DependencyCache,
): Promise<void> {
  const needed = new Set(live);
  for (const uuid of checkpoints) for (const file of await deps.of(dir, uuid)) needed.add(file);
  for (const name of candidates) {
    if (!needed.has(name)) await rm(join(dir, name), { force: true });
  }
}
