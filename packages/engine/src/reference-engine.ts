import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { Clock } from '@feldera-sync/clock';
import { systemClock } from '@feldera-sync/clock';
import type { SyncError } from '@feldera-sync/errors';
import { throwIfAborted } from '@feldera-sync/errors';
import { uuidv7 } from '@feldera-sync/checkpoint';
import { writeBatchFile } from './batch-file.js';
import type { JsonValue } from './canonical-json.js';
import { canonicalJson } from './canonical-json.js';
import { writeCheckpointFiles } from './checkpoint-writer.js';
import { compactTable } from './compaction.js';
import { dict } from './dict.js';
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
import { wrapIo } from './engine-io.js';
import { EngineErrorCodes, engineError } from './errors.js';
import { DependencyCache, deleteUnreferencedBatches, runLocalGc } from './local-gc-executor.js';
import type { MergePolicy, SpineBatch } from './merge-policy.js';
import { DEFAULT_MERGE_POLICY } from './merge-policy.js';
import type { Delta } from './multiset.js';
import { addWeight, applyDelta, sortedEntries } from './multiset.js';
import { restoreFromCheckpoint } from './restore.js';
import type { TableRuntime } from './table-runtime.js';
import { liveBatchFiles, tableHashOf, tableHashes } from './table-runtime.js';
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
  private readonly deps = new DependencyCache();
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
          if (batch === null) continue;
          retired.push(
            ...(await compactTable(
              dir,
              table,
              this.table(table),
              batch.bytes,
              this.policy,
              () => this.newBatchName(),
              options.signal,
            )),
          );
        }
        if (retired.length > 0)
          await deleteUnreferencedBatches(
            dir,
            retired,
            liveBatchFiles(this.tables.values()),
            [...this.deps.uuids(), ...this.pinnedSet()],
            this.deps,
          );
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
      return Promise.resolve({ table, rows, hash: tableHashOf(runtime) });
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
    this.deps.clear();
  }

  private table(name: string): TableRuntime {
    let runtime = this.tables.get(name);
    if (runtime === undefined) {
      runtime = { rows: new Map(), spine: [], hash: null };
      this.tables.set(name, runtime);
    }
    return runtime;
  }

  private currentHashes(): Record<string, string> {
    return tableHashes(this.tables);
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
    const restored = await restoreFromCheckpoint(dir, {
      verify: this.options.verifyOnOpen ?? true,
      signal,
    });
    if (restored === null) return;
    for (const [table, runtime] of restored.tables) this.tables.set(table, runtime);
    this.step = restored.step;
    this.processedRecords = restored.processedRecords;
    this.offsets = restored.offsets;
    this.current = restored.checkpoint;
    this.deps.set(restored.checkpoint.uuid, restored.batches);
  }

  private async writeCheckpoint(signal: AbortSignal | undefined): Promise<CheckpointResult> {
    const dir = this.requireOpen();
    throwIfAborted(signal, 'checkpoint');
    const uuid = uuidv7(this.clock.now());
    try {
      const written = await writeCheckpointFiles(dir, {
        uuid,
        tables: this.tables,
        step: this.step,
        processedRecords: this.processedRecords,
        offsets: this.offsets,
        fingerprint: this.options.fingerprint ?? 0n,
        signal,
      });
      this.current = { uuid, step: this.step };
      this.deps.set(uuid, new Set(written.batches));
      await this.backgroundGc(signal);
      return {
        uuid,
        step: this.step,
        processed_records: this.processedRecords,
        table_hashes: written.hashes,
        size: written.size,
        batches: written.batches,
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

  private async collectGarbage(signal: AbortSignal | undefined): Promise<void> {
    const dir = this.requireOpen();
    const pinned = this.pinnedSet();
    if (this.current !== null) pinned.add(this.current.uuid);
    await runLocalGc(dir, {
      pinned,
      live: liveBatchFiles(this.tables.values()),
      keepComplete: this.keepNewest,
      deps: this.deps,
      signal,
    });
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
