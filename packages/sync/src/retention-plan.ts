import type { CatalogEntry } from '@feldera-sync/checkpoint';
import { selectRetained } from '@feldera-sync/checkpoint';

/** SPEC section 4 parameters. */
export interface RetentionPolicy {
  /** Keep at least this many newest catalog entries (>= 1). */
  minCount: number;
  /** Keep every entry younger than this many days. */
  minAgeDays: number;
}

/** Which catalog entries stay and which go. */
export interface RetentionPlan<E extends Pick<CatalogEntry, 'uuid'> = CatalogEntry> {
  keep: E[];
  remove: E[];
}

/**
 * Which catalog entries retention keeps and which the next push removes: the checkpoint package's
 * `selectRetained` (newest `minCount`, everything younger than `minAgeDays` or of unknown age, and
 * `justPushed`) in the shape this package has always exported. The objects to delete, and the refusal
 * when a kept manifest cannot be read, come from the checkpoint package's `planRetention`.
 */
export function planRetention<E extends Pick<CatalogEntry, 'uuid'>>(
  catalog: readonly E[],
  nowMs: number,
  policy: RetentionPolicy,
  justPushed?: string,
): RetentionPlan<E> {
  const { keep, drop } = selectRetained(catalog, nowMs, { ...policy, justPushed });
  return { keep, remove: drop };
}
