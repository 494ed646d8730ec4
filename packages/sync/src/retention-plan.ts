/** Remote retention parameters (docs/sync.md, "Remote retention"). */
export interface RetentionPolicy {
  /** Keep at least this many newest catalog entries (>= 1). */
  minCount: number;
  /** Keep every entry younger than this many days. */
  minAgeDays: number;
}
