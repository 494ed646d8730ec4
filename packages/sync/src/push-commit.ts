import type { CatalogEntry, Manifest } from '@feldera-sync/checkpoint';
import {
  insertCatalogEntry,
  readRemoteCatalog,
  serializeCatalog,
  serializeManifest,
  writeManifest,
  writeRemoteCatalog,
} from '@feldera-sync/checkpoint';
import { throwIfAborted } from '@feldera-sync/errors';
import type { SyncContext } from './context.js';
import { readingRemote } from './layout-errors.js';
import { assertStillOwner } from './ownership.js';

/** Writes a checkpoint's manifest once its objects are in place; returns the bytes written. */
export async function publishManifest(
  ctx: SyncContext,
  manifest: Manifest,
  signal: AbortSignal | undefined,
): Promise<number> {
  throwIfAborted(signal, 'push');
  await writeManifest(ctx.store, manifest, signal ? { signal } : {});
  ctx.manifests.put(ctx.store, manifest);
  return Buffer.byteLength(serializeManifest(manifest));
}

/**
 * Publishes a checkpoint by adding its entry to the remote catalog, last and with the ownership
 * checked again; the catalog is read afresh, since it may have moved on since the plan (another
 * process of this pipeline).
 */
export async function publishCatalogEntry(
  ctx: SyncContext,
  entry: CatalogEntry,
  signal: AbortSignal | undefined,
): Promise<{ committed: readonly CatalogEntry[]; bytes: number }> {
  const opts = signal ? { signal } : {};
  throwIfAborted(signal, 'push');
  await assertStillOwner(ctx.store, ctx.pipeline, signal);
  const fresh = await readingRemote(readRemoteCatalog(ctx.store, opts));
  const committed = insertCatalogEntry(fresh, entry);
  await writeRemoteCatalog(ctx.store, committed, opts);
  return { committed, bytes: Buffer.byteLength(serializeCatalog(committed)) };
}
