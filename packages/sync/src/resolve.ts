import type { CatalogEntry, ObjectStore, ResolveInput } from '@feldera-sync/checkpoint';
import {
  StoreErrorCodes,
  listLocalCheckpoints,
  readRemoteCatalog,
  resolveCheckpoint,
} from '@feldera-sync/checkpoint';
import { hasErrorCode } from '@feldera-sync/errors';
import type { SyncContext } from './context.js';
import { readingLocal, readingRemote } from './layout-errors.js';

/** `'latest'` or a checkpoint UUID. */
export type CheckpointSpec = 'latest' | (string & {});

/** Where a checkpoint was found. */
export type CheckpointSource = 'local' | 'bucket' | 'read_bucket' | 'none';

/** A resolved checkpoint. */
export type Resolution =
  | { source: 'local'; uuid: string }
  | {
      source: 'bucket' | 'read_bucket';
      uuid: string;
      store: ObjectStore;
      entry: CatalogEntry;
      /** The catalog the entry was found in. */
      catalog: readonly CatalogEntry[];
    }
  | { source: 'none'; uuid: null; searched: string[]; reason: string };

/** The complete local checkpoints, oldest first; makes no object-store request. */
export async function completeLocalCheckpoints(
  storageDir: string,
  signal?: AbortSignal,
): Promise<CatalogEntry[]> {
  const all = await readingLocal(listLocalCheckpoints(storageDir, { signal }));
  return all.filter((c) => c.complete).map((c) => c.entry);
}

/** Resolves `spec` in local storage only; makes no object-store request. */
export async function resolveLocal(
  storageDir: string,
  spec: CheckpointSpec,
  signal?: AbortSignal,
): Promise<string | null> {
  const local = await completeLocalCheckpoints(storageDir, signal);
  const r = resolveCheckpoint({ spec, local, bucket: null, readBucket: null });
  return r.kind === 'found' ? r.entry.uuid : null;
}

/**
 * Resolves `spec` local -> bucket -> read_bucket (local skipped unless `includeLocal`) with the
 * checkpoint package's resolver, reading a remote catalog only when it asks for one. A missing
 * bucket counts as "not found"; every other store error (auth, network) propagates.
 */
export async function locateCheckpoint(
  ctx: SyncContext,
  spec: CheckpointSpec,
  options: { includeLocal: boolean; signal?: AbortSignal | undefined },
): Promise<Resolution> {
  const stores = { bucket: ctx.store, read_bucket: ctx.readStore };
  const input: ResolveInput = {
    spec,
    local: options.includeLocal
      ? await completeLocalCheckpoints(ctx.storageDir, options.signal)
      : [],
    bucket: undefined,
    readBucket: ctx.readStore ? undefined : null,
  };
  for (;;) {
    const r = resolveCheckpoint(input);
    switch (r.kind) {
      case 'found':
        if (r.source === 'local') return { source: 'local', uuid: r.entry.uuid };
        return {
          source: r.source,
          uuid: r.entry.uuid,
          store: stores[r.source]!,
          entry: r.entry,
          catalog: (r.source === 'bucket' ? input.bucket : input.readBucket) ?? [],
        };
      case 'none': {
        const searched = r.looked
          .filter((l) => l.source !== 'local' || options.includeLocal)
          .map((l) =>
            l.source === 'local' ? 'local storage' : `${l.source} ${stores[l.source]!.description}`,
          );
        return { source: 'none', uuid: null, searched, reason: r.reason };
      }
      case 'pending': {
        const catalog = await readCatalogOrEmpty(ctx, r.need, stores[r.need]!, options.signal);
        if (r.need === 'bucket') input.bucket = catalog;
        else input.readBucket = catalog;
        break;
      }
    }
  }
}

async function readCatalogOrEmpty(
  ctx: SyncContext,
  source: 'bucket' | 'read_bucket',
  store: ObjectStore,
  signal: AbortSignal | undefined,
): Promise<CatalogEntry[]> {
  try {
    return await readingRemote(readRemoteCatalog(store, signal ? { signal } : {}));
  } catch (e) {
    if (!hasErrorCode(e, StoreErrorCodes.bucketNotFound)) throw e;
    ctx.logger.warn(`${source} does not exist; treating it as holding no checkpoint`, {
      store: store.description,
    });
    return [];
  }
}
