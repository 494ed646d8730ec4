import { mkdir, readFile, readdir, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { SyncError } from '@feldera-sync/errors';
import { isSyncError, localDiskError, throwIfAborted } from '@feldera-sync/errors';
import type { CatalogEntry } from '@feldera-sync/checkpoint';
import {
  CATALOG_FILE,
  DEPENDENCIES_FILE,
  ROOT_STATE_FILE,
  appendToLocalCatalog,
  commitCheckpointFiles,
  fsyncDir,
  isBatchFileName,
  isUuid,
  listLocalCheckpoints,
  planLocalGc,
  readDependencies,
  missingStateFiles,
  uuidv7,
  writeCheckpointState,
  writeFileAtomic,
  writeLocalCatalog,
  writeRootState,
} from '@feldera-sync/checkpoint';
import { readBatchFile, writeBatchFile } from './batch-file.js';
import type { JsonValue } from './canonical-json.js';
import { canonicalJson } from './canonical-json.js';
import type { Clock } from '@feldera-sync/clock';
import { systemClock } from '@feldera-sync/clock';
import type {
  CheckpointResult,
  Engine,
  EngineCallOptions,
  EngineLifecycle,
  EngineStatus,
  IngestInput,
  StepResult,
  TableSnapshot,
} from './engine.js';
import type { EngineState } from './engine-state.js';
import { ENGINE_STATE_FORMAT, parseEngineState, serializeEngineState } from './engine-state.js';
import { EngineErrorCodes, engineError } from './errors.js';
import type { MergePolicy, SpineBatch } from './merge-policy.js';
import { DEFAULT_MERGE_POLICY, mergeBudget, planMerge } from './merge-policy.js';
import type { Delta, Multiset } from './multiset.js';
import { addWeight, applyDelta, sortedEntries } from './multiset.js';
import { parseSpine, serializeSpine, spineFileName } from './spine-file.js';

import { dict } from './dict.js';
import { hashTable } from './table-hash.js';
import { assertTableName } from './table-name.js';

/** Options of the reference engine. */
export interface ReferenceEngineOptions {
  /** Take a checkpoint this often while there are uncheckpointed steps (`fault_tolerance.checkpoint_interval_secs` x 1000). */
  checkpointIntervalMs?: number | undefined;
  /** Time source and timers; the system clock by default. */
  clock?: Clock | undefined;
  /** Overrides of the size-tiered merge policy. */
  mergePolicy?: Partial<MergePolicy> | undefined;
  /** How many of the newest checkpoints local GC keeps (default 2). */
  keepCheckpoints?: number | undefined;
  /** Checkpoints to protect from local GC besides `pin`ned ones, asked at every GC (e.g. the synchroniser's running push). */
  pins?: (() => Iterable<string>) | undefined;
  /** Tables that exist even before any row arrives. */
  tables?: readonly string[] | undefined;
  /** Circuit fingerprint recorded in catalog entries (default 0). */
  fingerprint?: bigint | undefined;
  /** Recompute table hashes on open and compare them with `state.json` (default true). */
  verifyOnOpen?: boolean | undefined;
  /** Told about failures of background work: periodic checkpoints, merges, GC. */
  onBackgroundError?: ((error: SyncError) => void) | undefined;
}

interface TableRuntime {
  rows: Multiset;
  spine: SpineBatch[];
  /** Cached content hash; null after a change. */
  hash: string | null;
}

/** Creates a reference engine; call `open` before anything else. */
export function createReferenceEngine(options: ReferenceEngineOptions = {}): Engine {
  return new ReferenceEngine(options);
}

/** Creates a reference engine and opens it on `storageDir`. */
export async function openReferenceEngine(
  storageDir: string,
  options: ReferenceEngineOptions & EngineCallOptions = {},
): Promise<Engine> {
  const engine = createReferenceEngine(options);
  await engine.open(storageDir, { signal: options.signal });
  return engine;
}

class ReferenceEngine implements Engine {
  private readonly clock: Clock;
  private readonly policy: MergePolicy;
  private readonly keepNewest: number;
  private lifecycle: EngineLifecycle = 'closed';
  private dir: string | null = null;
  private tables = new Map<string, TableRuntime>();
  private step = 0;
  private processedRecords = 0;
  private offsets: Record<string, JsonValue> = dict();
  private current: { uuid: string; step: number } | null = null;
  private readonly pins = new Map<string, number>();
  /** Batch files each known checkpoint needs, read from or written to `dependencies.json`. */
  private readonly depsCache = new Map<string, ReadonlySet<string>>();
  private queue: Promise<unknown> = Promise.resolve();
  private timer: unknown = null;
  private lastBackgroundError: SyncError | null = null;
  /** Bumped on every reset, so a timer from an earlier open never reschedules itself. */
  private generation = 0;

  constructor(private readonly options: ReferenceEngineOptions) {
    this.clock = options.clock ?? systemClock;
    this.policy = { ...DEFAULT_MERGE_POLICY, ...options.mergePolicy };
    this.keepNewest = Math.max(1, options.keepCheckpoints ?? 2);
  }

  open(storageDir: string, options: EngineCallOptions = {}): Promise<EngineStatus> {
    return this.serial(async () => {
      if (this.lifecycle !== 'closed') {
        throw engineError(
          EngineErrorCodes.ALREADY_OPEN,
          `engine is already open on ${this.dir ?? '?'}`,
          {
            hint: 'close it first, or create another engine',
          },
        );
      }
      this.lifecycle = 'opening';
      try {
        await mkdir(storageDir, { recursive: true });
        this.dir = storageDir;
        await this.restore(storageDir, options.signal);
        for (const table of this.options.tables ?? []) {
          assertTableName(table);
          if (!this.tables.has(table))
            this.tables.set(table, { rows: new Map(), spine: [], hash: null });
        }
        this.lifecycle = 'open';
      } catch (error) {
        this.reset();
        throw wrapIo(error, `open storage directory ${storageDir}`);
      }
      await this.backgroundGc(options.signal);
      this.schedule();
      return this.status();
    });
  }

  ingest(input: IngestInput, options: EngineCallOptions = {}): Promise<StepResult> {
    return this.serial(async () => {
      const dir = this.requireOpen();
      throwIfAborted(options.signal, 'ingest');
      // Validate and consolidate everything before touching state, so a bad row rejects the whole step.
      const deltas: [string, Delta][] = [];
      let records = 0;
      for (const table of Object.keys(input.tables).sort()) {
        assertTableName(table);
        const changes = input.tables[table];
        const delta: Delta = new Map();
        for (const row of changes?.insert ?? []) addWeight(delta, canonicalJson(row), 1);
        for (const row of changes?.delete ?? []) addWeight(delta, canonicalJson(row), -1);
        records += (changes?.insert?.length ?? 0) + (changes?.delete?.length ?? 0);
        deltas.push([table, delta]);
      }
      const offsets = dict<JsonValue>();
      for (const [name, offset] of Object.entries(input.offsets ?? {})) {
        offsets[name] = JSON.parse(canonicalJson(offset)) as JsonValue;
      }
      const written: [string, Delta, SpineBatch | null][] = [];
      for (const [table, delta] of deltas) {
        if (delta.size === 0) {
          written.push([table, delta, null]);
          continue;
        }
        const file = this.newBatchName();
        const result = await writeBatchFile(join(dir, file), table, sortedEntries(delta), options);
        written.push([table, delta, { file, entries: result.entries, bytes: result.bytes }]);
      }
      for (const [table, delta, batch] of written) {
        const runtime = this.table(table);
        if (batch === null) continue;
        applyDelta(runtime.rows, delta);
        runtime.spine.push(batch);
        runtime.hash = null;
      }
      this.step += 1;
      this.processedRecords += records;
      Object.assign(this.offsets, offsets);
      const retired: string[] = [];
      try {
        for (const [table, , batch] of written) {
          if (batch !== null)
            retired.push(...(await this.merge(dir, table, batch.bytes, options.signal)));
        }
        if (retired.length > 0) await this.deleteUnreferencedBatches(dir, retired);
      } catch (error) {
        // The step itself is applied; merging is maintenance and is retried at the next step.
        this.recordBackgroundError(error);
      }
      return { step: this.step, records, processed_records: this.processedRecords };
    });
  }

  checkpoint(options: EngineCallOptions = {}): Promise<CheckpointResult> {
    return this.serial(() => this.writeCheckpoint(options.signal));
  }

  close(): Promise<void> {
    if (this.timer !== null) this.clock.clearTimeout(this.timer);
    this.timer = null;
    if (this.lifecycle === 'open') this.lifecycle = 'closing';
    return this.serial(() => {
      this.reset();
      return Promise.resolve();
    });
  }

  status(): EngineStatus {
    const error = this.lastBackgroundError;
    return {
      state: this.lifecycle,
      storageDir: this.dir,
      step: this.step,
      processed_records: this.processedRecords,
      lastCheckpoint: this.current === null ? null : { ...this.current },
      tables: [...this.tables.keys()].sort(),
      uncheckpointedSteps: this.step - (this.current?.step ?? 0),
      pinned: [...this.pinnedSet()].sort(),
      lastBackgroundError: error === null ? null : { code: error.code, message: error.message },
    };
  }

  readTable(table: string, options: EngineCallOptions = {}): Promise<TableSnapshot> {
    return this.serial(() => {
      this.requireOpen();
      throwIfAborted(options.signal, 'reading a table');
      const runtime = this.tables.get(table);
      if (runtime === undefined) {
        throw engineError(EngineErrorCodes.UNKNOWN_TABLE, `table '${table}' does not exist`, {
          hint: 'tables exist once declared at open or once a row was ingested into them',
          details: { table },
        });
      }
      const rows: JsonValue[] = [];
      for (const [key, weight] of sortedEntries(runtime.rows)) {
        if (weight <= 0) continue;
        const row = JSON.parse(key) as JsonValue;
        for (let i = 0; i < weight; i += 1) rows.push(row);
      }
      return Promise.resolve({ table, rows, hash: this.hashOf(runtime) });
    });
  }

  tableHashes(options: EngineCallOptions = {}): Promise<Record<string, string>> {
    return this.serial(() => {
      this.requireOpen();
      throwIfAborted(options.signal, 'hashing tables');
      return Promise.resolve(this.currentHashes());
    });
  }

  pin(uuid: string): void {
    const key = uuid.toLowerCase();
    this.pins.set(key, (this.pins.get(key) ?? 0) + 1);
  }

  unpin(uuid: string): void {
    const key = uuid.toLowerCase();
    const count = this.pins.get(key) ?? 0;
    if (count <= 1) this.pins.delete(key);
    else this.pins.set(key, count - 1);
  }

  private serial<T>(work: () => Promise<T>): Promise<T> {
    const run = this.queue.then(work, work);
    this.queue = run.catch(() => undefined);
    return run;
  }

  private requireOpen(): string {
    if (this.lifecycle !== 'open' || this.dir === null) {
      throw engineError(EngineErrorCodes.NOT_OPEN, `engine is ${this.lifecycle}`, {
        hint: 'open the engine on a storage directory first',
      });
    }
    return this.dir;
  }

  private reset(): void {
    this.generation += 1;
    this.lifecycle = 'closed';
    this.dir = null;
    this.tables = new Map();
    this.step = 0;
    this.processedRecords = 0;
    this.offsets = dict();
    this.current = null;
    this.depsCache.clear();
  }

  private table(name: string): TableRuntime {
    let runtime = this.tables.get(name);
    if (runtime === undefined) {
      runtime = { rows: new Map(), spine: [], hash: null };
      this.tables.set(name, runtime);
    }
    return runtime;
  }

  private hashOf(runtime: TableRuntime): string {
    runtime.hash ??= hashTable(runtime.rows);
    return runtime.hash;
  }

  private currentHashes(): Record<string, string> {
    const hashes = dict<string>();
    for (const name of [...this.tables.keys()].sort()) {
      const runtime = this.tables.get(name);
      if (runtime !== undefined) hashes[name] = this.hashOf(runtime);
    }
    return hashes;
  }

  private newBatchName(): string {
    return `w0-${uuidv7(this.clock.now())}.feldera`;
  }

  private pinnedSet(): Set<string> {
    const pinned = new Set(this.pins.keys());
    for (const uuid of this.options.pins?.() ?? []) pinned.add(uuid.toLowerCase());
    return pinned;
  }

  private async restore(dir: string, signal: AbortSignal | undefined): Promise<void> {
    let text: string;
    try {
      text = await readFile(join(dir, ROOT_STATE_FILE), { encoding: 'utf8', signal });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
      throw error;
    }
    const state = parseEngineState(text, ROOT_STATE_FILE);
    // Feldera's `verify_checkpoint_intact`: a state file the checkpoint listed at commit is gone.
    const deps = await readDependencies(dir, state.uuid, { signal });
    let present: string[] = [];
    try {
      present = await readdir(join(dir, state.uuid));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
    const lost = missingStateFiles(deps, present);
    if (lost.length > 0) {
      throw engineError(
        EngineErrorCodes.MISSING_FILE,
        `checkpoint state files missing from checkpoint dir ${state.uuid}: ${lost.join(', ')}`,
        {
          hint: `${ROOT_STATE_FILE} names checkpoint ${state.uuid}, whose directory is incomplete; restore it from the object store`,
          details: { file: `${state.uuid}/${lost[0]!}`, checkpoint: state.uuid, missing: lost },
        },
      );
    }
    const batches = new Set<string>();
    for (const [table, expectedHash] of Object.entries(state.table_hashes)) {
      const spinePath = `${state.uuid}/${spineFileName(table)}`;
      let spineText: string;
      try {
        spineText = await readFile(join(dir, spinePath), { encoding: 'utf8', signal });
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
        throw engineError(EngineErrorCodes.MISSING_FILE, `spine file ${spinePath} is missing`, {
          hint: `${ROOT_STATE_FILE} names checkpoint ${state.uuid}, whose directory is incomplete; restore it from the object store`,
          details: { file: spinePath },
          cause: error,
        });
      }
      const spine = parseSpine(spineText, spinePath, table);
      const rows: Multiset = new Map();
      for (const batch of spine.batches) {
        await readBatchFile(
          join(dir, batch.file),
          table,
          (key, weight) => addWeight(rows, key, weight),
          { signal },
        );
        batches.add(batch.file);
      }
      const runtime: TableRuntime = { rows, spine: spine.batches, hash: null };
      const verify = this.options.verifyOnOpen ?? true;
      if (
        rows.size !== state.table_entries[table] ||
        (verify && this.hashOf(runtime) !== expectedHash)
      ) {
        throw engineError(
          EngineErrorCodes.HASH_MISMATCH,
          `table ${table} restored from checkpoint ${state.uuid} does not match the hash in ${ROOT_STATE_FILE}`,
          {
            hint: 'a batch file was replaced or damaged; restore the checkpoint from the object store',
            details: { table, checkpoint: state.uuid, file: spinePath },
          },
        );
      }
      if (!verify) runtime.hash = expectedHash;
      this.tables.set(table, runtime);
    }
    this.step = state.step;
    this.processedRecords = state.processed_records;
    this.offsets = dict(state.input_offsets);
    this.current = { uuid: state.uuid, step: state.step };
    this.depsCache.set(state.uuid, batches);
  }

  /** Runs the merge policy on one table after a step that added `newBytes` to it; returns the retired files. */
  private async merge(
    dir: string,
    table: string,
    newBytes: number,
    signal: AbortSignal | undefined,
  ): Promise<string[]> {
    const runtime = this.table(table);
    // The budget is a share of what the previous checkpoint could have had, not of the new batch.
    const total = runtime.spine.reduce((sum, batch) => sum + batch.bytes, 0);
    let budget = mergeBudget(total - newBytes, this.policy);
    const retired: string[] = [];
    for (let round = runtime.spine.length; round > 0; round -= 1) {
      const group = planMerge(runtime.spine, budget, this.policy);
      if (group === null) break;
      const merged: Multiset = new Map();
      for (const batch of group) {
        await readBatchFile(
          join(dir, batch.file),
          table,
          (key, weight) => addWeight(merged, key, weight),
          { signal },
        );
      }
      const members = new Set(group.map((batch) => batch.file));
      const kept = runtime.spine.filter((batch) => !members.has(batch.file));
      if (merged.size > 0) {
        const file = this.newBatchName();
        const result = await writeBatchFile(join(dir, file), table, sortedEntries(merged), {
          signal,
        });
        kept.push({ file, entries: result.entries, bytes: result.bytes });
      }
      runtime.spine = kept;
      retired.push(...members);
      budget -= group.reduce((sum, batch) => sum + batch.bytes, 0);
    }
    return retired;
  }

  private async writeCheckpoint(signal: AbortSignal | undefined): Promise<CheckpointResult> {
    const dir = this.requireOpen();
    throwIfAborted(signal, 'checkpoint');
    const uuid = uuidv7(this.clock.now());
    const cpDir = join(dir, uuid);
    try {
      // Feldera's order (dbsp `dbsp_handle.rs` prepare/commit, `checkpointer.rs` commit, adapters
      // `controller.rs`): an empty catalog exists before the first checkpoint directory, so no
      // reader ever sees a directory without one; the operators' files; the CHECKPOINT marker and
      // dependencies.json from a listing of the directory; the catalog entry; then <uuid>/state.json
      // and the root state.json. Until state.json is written the entry is incomplete and unused.
      if (!(await exists(join(dir, CATALOG_FILE)))) await writeLocalCatalog(dir, [], { signal });
      // Batch files were fsynced when written; this makes their renames durable too.
      await fsyncDir(dir);
      await mkdir(cpDir, { recursive: true });
      const tables = [...this.tables.keys()].sort();
      const batches = new Set<string>();
      for (const table of tables) {
        const runtime = this.table(table);
        const text = serializeSpine({ table, batches: runtime.spine });
        await writeFileAtomic(join(cpDir, spineFileName(table)), text, { signal });
        for (const batch of runtime.spine) batches.add(batch.file);
      }
      const batchList = [...batches].sort();
      const { size } = await commitCheckpointFiles(dir, uuid, batchList, { signal });
      const hashes = this.currentHashes();
      const entries = dict<number>();
      for (const table of tables) entries[table] = this.table(table).rows.size;
      const state: EngineState = {
        engine: ENGINE_STATE_FORMAT,
        uuid,
        step: this.step,
        processed_records: this.processedRecords,
        input_offsets: dict(this.offsets),
        table_hashes: hashes,
        table_entries: entries,
      };
      const stateText = serializeEngineState(state);
      const entry: CatalogEntry = {
        uuid,
        identifier: null,
        fingerprint: this.options.fingerprint ?? 0n,
        size,
        steps: this.step,
        processed_records: this.processedRecords,
      };
      await appendToLocalCatalog(dir, entry, { signal });
      await writeCheckpointState(dir, uuid, stateText, { signal });
      // The commit point for restarts.
      await writeRootState(dir, stateText, { signal });
      this.current = { uuid, step: this.step };
      this.depsCache.set(uuid, batches);
      await this.backgroundGc(signal);
      return {
        uuid,
        step: this.step,
        processed_records: this.processedRecords,
        table_hashes: hashes,
        size,
        batches: batchList,
      };
    } catch (error) {
      throw wrapIo(error, `write checkpoint ${uuid}`);
    }
  }

  private async backgroundGc(signal: AbortSignal | undefined): Promise<void> {
    try {
      await this.collectGarbage(signal);
    } catch (error) {
      this.recordBackgroundError(error);
    }
  }

  /**
   * Local GC by the checkpoint package's plan (Feldera's `gc_checkpoint`: the newest complete
   * checkpoints, pinned ones, the current one and any entry still inside the commit window stay;
   * a dropped checkpoint's directory and the batch files only it named go), then Feldera's
   * `gc_startup` sweep: checkpoint directories the catalog does not name and batch files nothing needs.
   */
  private async collectGarbage(signal: AbortSignal | undefined): Promise<void> {
    const dir = this.requireOpen();
    throwIfAborted(signal, 'local garbage collection');
    const catalogExists = await exists(join(dir, CATALOG_FILE));
    const pinned = this.pinnedSet();
    if (this.current !== null) pinned.add(this.current.uuid);
    const live = new Set<string>();
    for (const runtime of this.tables.values())
      for (const batch of runtime.spine) live.add(batch.file);
    const plan = planLocalGc(await listLocalCheckpoints(dir, { signal }), pinned, {
      keepComplete: this.keepNewest,
      live,
    });
    if (plan.drop.length > 0) {
      // The catalog first: it never names a checkpoint whose files are gone.
      await writeLocalCatalog(dir, plan.catalog, { signal });
      for (const uuid of plan.deleteDirs) {
        this.depsCache.delete(uuid);
        await rm(join(dir, uuid), { recursive: true, force: true });
      }
      for (const file of plan.deleteFiles) await rm(join(dir, file), { force: true });
    }
    const keep = new Set([...plan.keep.map((entry) => entry.uuid.toLowerCase()), ...pinned]);
    const names = await readdir(dir);
    if (catalogExists || plan.keep.length > 0) {
      // Without a catalog, checkpoint directories are a damaged layout, not debris: leave them.
      for (const name of names) {
        if (isUuid(name) && !keep.has(name.toLowerCase()))
          await rm(join(dir, name), { recursive: true, force: true });
      }
    }
    const candidates = names.filter((name) => isBatchFileName(name.replace(/\.mut$/, '')));
    await this.deleteUnreferencedBatches(dir, candidates, keep);
  }

  private async deleteUnreferencedBatches(
    dir: string,
    candidates: readonly string[],
    keep?: ReadonlySet<string>,
  ): Promise<void> {
    const needed = new Set<string>();
    for (const runtime of this.tables.values())
      for (const batch of runtime.spine) needed.add(batch.file);
    const checkpoints = keep ?? new Set([...this.depsCache.keys(), ...this.pinnedSet()]);
    for (const uuid of checkpoints) {
      for (const file of await this.dependenciesOf(dir, uuid)) needed.add(file);
    }
    for (const name of candidates) {
      if (!needed.has(name)) await rm(join(dir, name), { force: true });
    }
  }

  private async dependenciesOf(dir: string, uuid: string): Promise<ReadonlySet<string>> {
    const cached = this.depsCache.get(uuid);
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
    this.depsCache.set(uuid, set);
    return set;
  }

  private schedule(): void {
    const interval = this.options.checkpointIntervalMs;
    if (interval === undefined || interval <= 0 || this.lifecycle !== 'open') return;
    const generation = this.generation;
    this.timer = this.clock.setTimeout(() => {
      this.timer = null;
      void this.serial(async () => {
        if (this.lifecycle !== 'open' || generation !== this.generation) return;
        if (this.step > (this.current?.step ?? 0)) {
          try {
            await this.writeCheckpoint(undefined);
          } catch (error) {
            this.recordBackgroundError(error);
          }
        }
        this.schedule();
      });
    }, interval);
  }

  private recordBackgroundError(error: unknown): void {
    const wrapped = wrapIo(error, 'background work');
    this.lastBackgroundError = wrapped;
    this.options.onBackgroundError?.(wrapped);
  }
}

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch {
    return false;
  }
}

function wrapIo(error: unknown, action: string): SyncError {
  if (isSyncError(error)) return error;
  const disk = localDiskError(error, action, 'the storage directory');
  if (isSyncError(disk)) return disk;
  const code = (error as NodeJS.ErrnoException | null)?.code;
  return engineError(
    EngineErrorCodes.IO,
    `cannot ${action}${code === undefined ? '' : ` (${code})`}`,
    {
      cause: error,
      details: code === undefined ? {} : { errno: code },
    },
  );
}
