import type { JsonValue } from './canonical-json.js';

/** Cancellation for one engine call. */
export interface EngineCallOptions {
  signal?: AbortSignal | undefined;
}

/** Changes to one table in one step: rows to insert and rows to delete (each one occurrence). */
export interface TableChanges {
  insert?: readonly unknown[] | undefined;
  delete?: readonly unknown[] | undefined;
}

/** One input step: changes per table, plus the offsets the inputs reached (recorded in checkpoints). */
export interface IngestInput {
  tables: Readonly<Record<string, TableChanges>>;
  /** Offset per input name; a checkpoint records the latest offset of every input. */
  offsets?: Readonly<Record<string, JsonValue>> | undefined;
}

/** What one step did. */
export interface StepResult {
  /** Number of the step just taken (1 for the first step of an empty pipeline). */
  step: number;
  /** Records (inserts plus deletes) in this step. */
  records: number;
  /** Records processed since the pipeline started empty. */
  processed_records: number;
}

/** A committed checkpoint. */
export interface CheckpointResult {
  uuid: string;
  step: number;
  processed_records: number;
  table_hashes: Record<string, string>;
  /** Bytes of batch files and checkpoint-directory files the checkpoint needs. */
  size: number;
  /** Root batch files the checkpoint references. */
  batches: string[];
}

/** A table's contents as read back. */
export interface TableSnapshot {
  table: string;
  /** Rows with a positive weight, each repeated weight times, in canonical-JSON order. */
  rows: JsonValue[];
  /** Content hash over every stored (row, weight) pair, see `hashTable`. */
  hash: string;
}

/** Lifecycle state of an engine. */
export type EngineLifecycle = 'closed' | 'opening' | 'open' | 'closing';

/** A snapshot of what an engine is doing. */
export interface EngineStatus {
  state: EngineLifecycle;
  storageDir: string | null;
  step: number;
  processed_records: number;
  /** The checkpoint the engine resumed from or wrote last. */
  lastCheckpoint: { uuid: string; step: number } | null;
  tables: string[];
  /** Steps taken since the last checkpoint. */
  uncheckpointedSteps: number;
  /** Checkpoints currently pinned against local GC. */
  pinned: string[];
  /** The last error of background work (periodic checkpoint, merge, GC), if any. */
  lastBackgroundError: { code: string; message: string } | null;
}

/**
 * The engine port the server programs against: a stateful pipeline whose storage directory holds
 * Feldera-layout checkpoints. The reference engine implements it in-process; another engine (an
 * external process) can implement it later.
 */
export interface Engine {
  /** Resumes from `storageDir`'s root `state.json`, or starts empty when there is none. */
  open(storageDir: string, options?: EngineCallOptions): Promise<EngineStatus>;
  /** Applies one input step. */
  ingest(input: IngestInput, options?: EngineCallOptions): Promise<StepResult>;
  /** Writes and commits a checkpoint, then collects local garbage. */
  checkpoint(options?: EngineCallOptions): Promise<CheckpointResult>;
  /** Stops timers, waits for work in flight and releases the storage directory. No checkpoint is taken. */
  close(options?: EngineCallOptions): Promise<void>;
  /** Current status; cheap and synchronous. */
  status(): EngineStatus;
  /** A table's rows in stable order with its content hash. */
  readTable(table: string, options?: EngineCallOptions): Promise<TableSnapshot>;
  /** Content hash of every table. */
  tableHashes(options?: EngineCallOptions): Promise<Record<string, string>>;
  /** Protects a checkpoint's files from local GC until the matching `unpin` (counted). */
  pin(uuid: string): void;
  /** Releases one `pin`. */
  unpin(uuid: string): void;
}
