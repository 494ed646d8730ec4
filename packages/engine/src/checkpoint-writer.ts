import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { CatalogEntry } from '@feldera-sync/checkpoint';
import {
  CATALOG_FILE,
  appendToLocalCatalog,
  commitCheckpointFiles,
  fsyncDir,
  writeCheckpointState,
  writeFileAtomic,
  writeLocalCatalog,
  writeRootState,
} from '@feldera-sync/checkpoint';
import type { JsonValue } from './canonical-json.js';
import { dict } from './dict.js';
import { exists } from './engine-io.js';
import type { EngineState } from './engine-state.js';
import { ENGINE_STATE_FORMAT, serializeEngineState } from './engine-state.js';
import { serializeSpine, spineFileName } from './spine-file.js';
import type { TableRuntime } from './table-runtime.js';
import { tableHashes } from './table-runtime.js';

/** The engine state a checkpoint captures. */
export interface CheckpointInput {
  uuid: string;
  tables: ReadonlyMap<string, TableRuntime>;
  step: number;
  processedRecords: number;
  offsets: Record<string, JsonValue>;
  /** Circuit fingerprint recorded in the catalog entry. */
  fingerprint: bigint;
  signal?: AbortSignal | undefined;
}

/** What a written checkpoint holds. */
export interface WrittenCheckpoint {
  size: number;
  hashes: Record<string, string>;
  /** Batch files the checkpoint needs, sorted. */
  batches: string[];
}

/**
 * Writes checkpoint `<uuid>` of `input` in Feldera's order and commits it: when this returns, the
 * root `state.json` names it. A crash at any point leaves a directory that reopens to this
 * checkpoint or to the previous one.
 */
export async function writeCheckpointFiles(
  dir: string,
  input: CheckpointInput,
): Promise<WrittenCheckpoint> {
  const { uuid, signal } = input;
  const cpDir = join(dir, uuid);
  // Feldera's order (dbsp `dbsp_handle.rs` prepare/commit, `checkpointer.rs` commit, adapters
  // `controller.rs`): an empty catalog exists before the first checkpoint directory, so no
  // reader ever sees a directory without one; the operators' files; the CHECKPOINT marker and
  // dependencies.json from a listing of the directory; the catalog entry; then <uuid>/state.json
  // and the root state.json. Until state.json is written the entry is incomplete and unused.
  if (!(await exists(join(dir, CATALOG_FILE)))) await writeLocalCatalog(dir, [], { signal });
  // Batch files were fsynced when written; this makes their renames durable too.
  await fsyncDir(dir);
  await mkdir(cpDir, { recursive: true });
  const tables = [...input.tables.keys()].sort();
  const batches = new Set<string>();
  for (const table of tables) {
    const spine = input.tables.get(table)?.spine ?? [];
    const text = serializeSpine({ table, batches: spine });
    await writeFileAtomic(join(cpDir, spineFileName(table)), text, { signal });
    for (const batch of spine) batches.add(batch.file);
  }
  const batchList = [...batches].sort();
  const { size } = await commitCheckpointFiles(dir, uuid, batchList, { signal });
  const hashes = tableHashes(input.tables);
  const entries = dict<number>();
  for (const table of tables) entries[table] = input.tables.get(table)?.rows.size ?? 0;
  const state: EngineState = {
    engine: ENGINE_STATE_FORMAT,
    uuid,
    step: input.step,
    processed_records: input.processedRecords,
    input_offsets: dict(input.offsets),
    table_hashes: hashes,
    table_entries: entries,
  };
  const stateText = serializeEngineState(state);
  const entry: CatalogEntry = {
    uuid,
    identifier: null,
    fingerprint: input.fingerprint,
    size,
    steps: input.step,
    processed_records: input.processedRecords,
  };
  await appendToLocalCatalog(dir, entry, { signal });
  await writeCheckpointState(dir, uuid, stateText, { signal });
  // The commit point for restarts.
  await writeRootState(dir, stateText, { signal });
  return { size, hashes, batches: batchList };
}
