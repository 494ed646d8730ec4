import { dict } from './dict.js';
import type { SpineBatch } from './merge-policy.js';
import type { Multiset } from './multiset.js';
import { hashTable } from './table-hash.js';

/** One table in memory: its rows, the batch files that hold them, and their cached hash. */
export interface TableRuntime {
  rows: Multiset;
  spine: SpineBatch[];
  /** Cached content hash; null after a change. */
  hash: string | null;
}

/** The table's content hash, computed once per change. */
export function tableHashOf(runtime: TableRuntime): string {
  runtime.hash ??= hashTable(runtime.rows);
  return runtime.hash;
}

/** Every batch file the live spines of `tables` name. */
export function liveBatchFiles(tables: Iterable<TableRuntime>): Set<string> {
  const files = new Set<string>();
  for (const runtime of tables) for (const batch of runtime.spine) files.add(batch.file);
  return files;
}

/** Content hash of every table, by table name in sorted order. */
export function tableHashes(tables: ReadonlyMap<string, TableRuntime>): Record<string, string> {
  const hashes = dict<string>();
  for (const name of [...tables.keys()].sort()) {
    const runtime = tables.get(name);
    if (runtime !== undefined) hashes[name] = tableHashOf(runtime);
  }
  return hashes;
}
