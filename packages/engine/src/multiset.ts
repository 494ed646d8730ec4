/**
 * A table's contents: canonical row JSON -> signed weight. Zero weights are never stored.
 * Weights may go negative (a delete of an absent row), as in Feldera's Z-sets; reads expose only
 * rows with a positive weight, but hashes cover every stored weight so state compares exactly.
 */
export type Multiset = Map<string, number>;

/** A consolidated change set: canonical row JSON -> non-zero weight delta. */
export type Delta = Map<string, number>;

/** Adds `weight` to `key` in `target`, dropping the entry when it reaches zero. */
export function addWeight(target: Map<string, number>, key: string, weight: number): void {
  const next = (target.get(key) ?? 0) + weight;
  if (next === 0) target.delete(key);
  else target.set(key, next);
}

/** Adds every entry of `delta` into `target`. */
export function applyDelta(target: Multiset, delta: ReadonlyMap<string, number>): void {
  for (const [key, weight] of delta) addWeight(target, key, weight);
}

/** Entries of a multiset sorted by key (code-unit order), the stable order of files and reads. */
export function sortedEntries(set: ReadonlyMap<string, number>): [string, number][] {
  const keys = [...set.keys()].sort();
  return keys.map((key) => [key, set.get(key) ?? 0]);
}
