import type { CatalogEntry } from './catalog.js';
import { isUuid } from './uuidv7.js';

/** Where a checkpoint can come from, in the order they are consulted. */
export type CheckpointSource = 'local' | 'bucket' | 'read_bucket';

/** What the resolver looked at in one source. */
export interface ResolveLook {
  source: CheckpointSource;
  /** Entries the source held (local: complete checkpoints only). */
  entries: number;
  found: boolean;
}

/** Inputs of `resolveCheckpoint`: already-read catalogs. `undefined` = not read yet, `null` = not configured. */
export interface ResolveInput {
  /** `'latest'` or a checkpoint UUID. */
  spec: string;
  /** Complete local checkpoints, oldest first. */
  local: readonly CatalogEntry[];
  /** The `bucket` catalog, oldest first. */
  bucket?: readonly CatalogEntry[] | null | undefined;
  /** The `read_bucket` catalog, oldest first. */
  readBucket?: readonly CatalogEntry[] | null | undefined;
}

/** The resolver's answer: a hit, nothing anywhere, or the next catalog it needs read. */
export type ResolveResult =
  | {
      kind: 'found';
      source: CheckpointSource;
      entry: CatalogEntry;
      reason: string;
      looked: ResolveLook[];
    }
  | { kind: 'none'; reason: string; looked: ResolveLook[] }
  | { kind: 'pending'; need: Exclude<CheckpointSource, 'local'>; looked: ResolveLook[] };

/** Finds `spec` in one catalog: `'latest'` is the last entry, a UUID that entry. */
export function findInCatalog(spec: string, entries: readonly CatalogEntry[]): CatalogEntry | null {
  if (spec === 'latest') return entries[entries.length - 1] ?? null;
  const id = spec.toLowerCase();
  return entries.find((e) => e.uuid.toLowerCase() === id) ?? null;
}

/** True for a valid `start_from_checkpoint` value. */
export function isCheckpointSpec(spec: string): boolean {
  return spec === 'latest' || isUuid(spec);
}

/**
 * Resolves `start_from_checkpoint` in the documented order (docs/start-from-checkpoint.md), stopping at the first hit: local storage, then
 * `bucket`, then `read_bucket`. Pure: when it needs a catalog it was not given (`undefined`) it answers
 * `pending`, so the caller reads remote catalogs only when the local storage has no hit.
 */
export function resolveCheckpoint(input: ResolveInput): ResolveResult {
  const looked: ResolveLook[] = [];
  const what =
    input.spec === 'latest' ? 'the latest checkpoint' : `checkpoint ${input.spec.toLowerCase()}`;
  if (!isCheckpointSpec(input.spec)) {
    return { kind: 'none', reason: `'${input.spec}' is neither 'latest' nor a UUID`, looked };
  }
  const sources: [CheckpointSource, readonly CatalogEntry[] | null | undefined][] = [
    ['local', input.local],
    ['bucket', input.bucket],
    ['read_bucket', input.readBucket],
  ];
  for (const [source, entries] of sources) {
    if (entries === null) continue;
    if (entries === undefined) {
      if (source === 'local') continue;
      return { kind: 'pending', need: source, looked };
    }
    const entry = findInCatalog(input.spec, entries);
    looked.push({ source, entries: entries.length, found: entry !== null });
    if (entry) {
      const where = source === 'local' ? 'local storage' : source;
      return {
        kind: 'found',
        source,
        entry,
        reason: `${what} is ${entry.uuid}, found in ${where}`,
        looked,
      };
    }
  }
  const places = looked
    .map((l) => `${l.source === 'local' ? 'local storage' : l.source} (${l.entries} checkpoints)`)
    .join(', ');
  return { kind: 'none', reason: `${what} was not found in ${places}`, looked };
}
