import { readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { ROOT_STATE_FILE, missingStateFiles, readDependencies } from '@feldera-sync/checkpoint';
import { readBatchFile } from './batch-file.js';
import type { JsonValue } from './canonical-json.js';
import { dict } from './dict.js';
import { parseEngineState } from './engine-state.js';
import { EngineErrorCodes, engineError } from './errors.js';
import type { Multiset } from './multiset.js';
import { addWeight } from './multiset.js';
import { parseSpine, spineFileName } from './spine-file.js';
import type { TableRuntime } from './table-runtime.js';
import { tableHashOf } from './table-runtime.js';

/** What an engine resumes from: the checkpoint the root `state.json` names, read back in full. */
export interface RestoredState {
  tables: Map<string, TableRuntime>;
  step: number;
  processedRecords: number;
  offsets: Record<string, JsonValue>;
  checkpoint: { uuid: string; step: number };
  /** Batch files the checkpoint needs. */
  batches: Set<string>;
}

/**
 * Reads the checkpoint the root `state.json` names, or returns null when there is none (a fresh
 * directory). Every spine and batch file is read and each table checked against `table_entries`
 * and (with `verify`) `table_hashes`, so a damaged or replaced file fails with a typed error
 * naming it instead of producing a wrong state.
 */
export async function restoreFromCheckpoint(
  dir: string,
  options: { verify: boolean; signal?: AbortSignal | undefined },
): Promise<RestoredState | null> {
  const { signal } = options;
  let text: string;
  try {
    text = await readFile(join(dir, ROOT_STATE_FILE), { encoding: 'utf8', signal });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
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
  const tables = new Map<string, TableRuntime>();
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
    if (
      rows.size !== state.table_entries[table] ||
      (options.verify && tableHashOf(runtime) !== expectedHash)
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
    if (!options.verify) runtime.hash = expectedHash;
    tables.set(table, runtime);
  }
  return {
    tables,
    step: state.step,
    processedRecords: state.processed_records,
    offsets: dict(state.input_offsets),
    checkpoint: { uuid: state.uuid, step: state.step },
    batches,
  };
}
