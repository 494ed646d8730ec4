import type { CatalogEntry } from './catalog.js';
import { remoteKeys } from './remote-layout.js';
import type { ManifestLookup } from './remote-store.js';
import { compareUuidv7, uuidv7TimeMs } from './uuidv7.js';

const DAY_MS = 86_400_000;

/** Retention settings (docs/sync.md, "Remote retention"). */
export interface RetentionOptions {
  /** Keep at least this many newest entries (`retention_min_count`, at least 1). */
  minCount: number;
  /** Keep every entry younger than this many days (`retention_min_age`). */
  minAgeDays: number;
  /** The checkpoint just pushed: never removed. */
  justPushed?: string | null | undefined;
}

/** One step of applying retention, in order. */
export type RetentionStep =
  | { type: 'put-catalog'; entries: CatalogEntry[] }
  | { type: 'delete'; what: 'checkpoints' | 'shared'; keys: string[] };

/** What retention will remove, or why it refuses to remove anything. */
export type RetentionPlan =
  | {
      ok: true;
      keep: CatalogEntry[];
      drop: CatalogEntry[];
      /** The remote catalog after retention, in its original order. */
      catalog: CatalogEntry[];
      /** Zips and manifests of the dropped checkpoints. */
      deleteCheckpointObjects: string[];
      /** Shared files no kept manifest references. */
      deleteShared: string[];
      /** Dropped checkpoints whose manifest could not be read: their shared files are left in place. */
      unknownDropped: string[];
      steps: RetentionStep[];
    }
  | { ok: false; reason: string; unreadable: string[]; keep: CatalogEntry[]; drop: CatalogEntry[] };

/** Splits a catalog into kept and dropped entries by count, age (UUIDv7 time) and the just-pushed one. */
export function selectRetained<E extends Pick<CatalogEntry, 'uuid'>>(
  catalog: readonly E[],
  nowMs: number,
  options: RetentionOptions,
): { keep: E[]; drop: E[] } {
  const newest = [...catalog].sort((a, b) => compareUuidv7(b.uuid, a.uuid));
  const keepIds = new Set(
    newest.slice(0, Math.max(1, options.minCount)).map((e) => e.uuid.toLowerCase()),
  );
  const maxAge = Math.max(0, options.minAgeDays) * DAY_MS;
  for (const e of catalog) {
    const t = uuidv7TimeMs(e.uuid);
    // An entry whose age cannot be told is kept: retention only removes what it can date.
    if (t === null || nowMs - t < maxAge) keepIds.add(e.uuid.toLowerCase());
  }
  if (options.justPushed) keepIds.add(options.justPushed.toLowerCase());
  const keep: E[] = [];
  const drop: E[] = [];
  for (const e of catalog) (keepIds.has(e.uuid.toLowerCase()) ? keep : drop).push(e);
  return { keep, drop };
}

/**
 * Plans remote retention: catalog first, then the dropped zips and manifests, then shared files no
 * remaining manifest references. Refuses (deletes nothing) when a kept manifest is missing or unreadable.
 */
export function planRetention(
  catalog: readonly CatalogEntry[],
  manifests: ReadonlyMap<string, ManifestLookup>,
  nowMs: number,
  options: RetentionOptions,
): RetentionPlan {
  const { keep, drop } = selectRetained(catalog, nowMs, options);
  const empty = { deleteCheckpointObjects: [], deleteShared: [], unknownDropped: [] };
  if (drop.length === 0)
    return { ok: true, keep, drop, catalog: [...catalog], ...empty, steps: [] };

  const referenced = new Set<string>();
  const unreadable: string[] = [];
  const reasons: string[] = [];
  for (const e of keep) {
    const id = e.uuid.toLowerCase();
    const found = manifests.get(id);
    if (found?.status === 'ok') {
      for (const o of found.manifest.objects) referenced.add(o.key);
    } else {
      unreadable.push(id);
      reasons.push(
        found === undefined
          ? `${id}: not read`
          : found.status === 'missing'
            ? `${id}: manifest missing`
            : `${id}: ${found.error.message}`,
      );
    }
  }
  if (unreadable.length > 0) {
    return {
      ok: false,
      reason: `retention skipped, nothing deleted: ${unreadable.length} kept checkpoint manifest(s) cannot be read (${reasons.join('; ')})`,
      unreadable,
      keep,
      drop,
    };
  }

  const deleteCheckpointObjects: string[] = [];
  const shared = new Set<string>();
  const unknownDropped: string[] = [];
  for (const e of drop) {
    const id = e.uuid.toLowerCase();
    const zip = remoteKeys.zip(id);
    for (const key of [zip, remoteKeys.manifest(id)])
      if (!referenced.has(key)) deleteCheckpointObjects.push(key);
    const found = manifests.get(id);
    if (found?.status === 'ok') {
      for (const o of found.manifest.objects)
        if (o.key !== zip && !referenced.has(o.key)) shared.add(o.key);
    } else {
      unknownDropped.push(id);
    }
  }
  const deleteShared = [...shared].sort();
  const steps: RetentionStep[] = [{ type: 'put-catalog', entries: keep }];
  if (deleteCheckpointObjects.length > 0)
    steps.push({ type: 'delete', what: 'checkpoints', keys: deleteCheckpointObjects });
  if (deleteShared.length > 0) steps.push({ type: 'delete', what: 'shared', keys: deleteShared });
  return {
    ok: true,
    keep,
    drop,
    catalog: keep,
    deleteCheckpointObjects,
    deleteShared,
    unknownDropped,
    steps,
  };
}
