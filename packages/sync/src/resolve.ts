import type { ObjectStore } from '@feldera-sync/checkpoint';
import { StoreErrorCodes } from '@feldera-sync/checkpoint';
import { hasErrorCode } from '@feldera-sync/errors';
import type { SyncContext } from './context.js';
import type { CatalogEntry } from './local/local-layout.js';
import { inspectLocalCheckpoint, latestCompleteCheckpoint } from './local/local-layout.js';
import { readRemoteCatalog } from './remote/remote-layout.js';

/** `'latest'` or a checkpoint UUID. */
export type CheckpointSpec = 'latest' | (string & {});

/** Where a checkpoint was found. */
export type CheckpointSource = 'local' | 'bucket' | 'read_bucket' | 'none';

/** A resolved checkpoint. */
export type Resolution =
  | { source: 'local'; uuid: string }
  | { source: 'bucket' | 'read_bucket'; uuid: string; store: ObjectStore; entry: CatalogEntry }
  | { source: 'none'; uuid: null; searched: string[] };

/** Picks `spec` from a catalog: its last entry for `latest`, else the entry with that UUID. */
export function pickFromCatalog(catalog: readonly CatalogEntry[], spec: CheckpointSpec): CatalogEntry | undefined {
  return spec === 'latest' ? catalog[catalog.length - 1] : catalog.find((e) => e.uuid === spec);
}

/** Resolves `spec` in local storage only; makes no object-store request. */
export async function resolveLocal(storageDir: string, spec: CheckpointSpec): Promise<string | null> {
  if (spec === 'latest') return (await latestCompleteCheckpoint(storageDir))?.uuid ?? null;
  const found = await inspectLocalCheckpoint(storageDir, spec);
  return found.complete ? spec : null;
}

/**
 * Resolves `spec` local -> bucket -> read_bucket (local skipped unless `includeLocal`). A missing
 * bucket counts as "not found"; every other store error (auth, network) propagates.
 */
export async function resolveCheckpoint(
  ctx: SyncContext,
  spec: CheckpointSpec,
  options: { includeLocal: boolean; signal?: AbortSignal | undefined },
): Promise<Resolution> {
  const searched: string[] = [];
  if (options.includeLocal) {
    searched.push('local storage');
    const uuid = await resolveLocal(ctx.storageDir, spec);
    if (uuid) return { source: 'local', uuid };
  }
  const remotes: ['bucket' | 'read_bucket', ObjectStore | undefined][] = [
    ['bucket', ctx.store],
    ['read_bucket', ctx.readStore],
  ];
  for (const [source, store] of remotes) {
    if (!store) continue;
    searched.push(`${source} ${store.description}`);
    let catalog: CatalogEntry[];
    try {
      catalog = await readRemoteCatalog(store, options.signal ? { signal: options.signal } : {});
    } catch (e) {
      if (!hasErrorCode(e, StoreErrorCodes.bucketNotFound)) throw e;
      ctx.logger.warn(`${source} does not exist; treating it as holding no checkpoint`, { store: store.description });
      continue;
    }
    const entry = pickFromCatalog(catalog, spec);
    if (entry) return { source, uuid: entry.uuid, store, entry };
  }
  return { source: 'none', uuid: null, searched };
}
