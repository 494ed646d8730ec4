import type { CatalogEntry } from './local/local-layout.js';
import { uuidv7TimeMs } from './uuid-time.js';

/** SPEC section 4 parameters. */
export interface RetentionPolicy {
  /** Keep at least this many newest catalog entries (>= 1). */
  minCount: number;
  /** Keep every entry younger than this many days. */
  minAgeDays: number;
}

/** Which catalog entries stay and which go. */
export interface RetentionPlan {
  keep: CatalogEntry[];
  remove: CatalogEntry[];
}

const DAY_MS = 86_400_000;

/**
 * Keeps the newest `minCount` entries, every entry younger than `minAgeDays` (age from the
 * UUIDv7 timestamp; entries without one count as old) and `justPushed`; removes the rest.
 */
export function planRetention(
  catalog: readonly CatalogEntry[],
  nowMs: number,
  policy: RetentionPolicy,
  justPushed?: string,
): RetentionPlan {
  const minCount = Math.max(1, Math.floor(policy.minCount));
  const sorted = [...catalog].sort((a, b) => (a.uuid < b.uuid ? -1 : a.uuid > b.uuid ? 1 : 0));
  const keep: CatalogEntry[] = [];
  const remove: CatalogEntry[] = [];
  sorted.forEach((entry, i) => {
    const newest = i >= sorted.length - minCount;
    const t = uuidv7TimeMs(entry.uuid);
    const young = t !== null && nowMs - t < policy.minAgeDays * DAY_MS;
    if (newest || young || entry.uuid === justPushed) keep.push(entry);
    else remove.push(entry);
  });
  return { keep, remove };
}
