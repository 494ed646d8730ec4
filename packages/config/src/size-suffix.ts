/** A byte size the way rclone's `--multi-thread-cutoff` takes it: a number with an optional k, M, G or T suffix. */
export const SIZE_SUFFIX_PATTERN = /^(\d+(?:\.\d+)?)([kKmMgGtT])?$/;

const MULTIPLIERS: ReadonlyMap<string, number> = new Map([
  ['k', 2 ** 10],
  ['m', 2 ** 20],
  ['g', 2 ** 30],
  ['t', 2 ** 40],
]);

/** Canonical spelling (`k`, `M`, `G`, `T`, as rclone prints them) or undefined when `text` is not a size. */
export function normaliseSizeSuffix(text: string): string | undefined {
  const match = SIZE_SUFFIX_PATTERN.exec(text);
  if (!match) return undefined;
  const unit = match[2];
  if (unit === undefined) return match[1];
  return `${match[1]}${unit.toLowerCase() === 'k' ? 'k' : unit.toUpperCase()}`;
}

/**
 * Bytes meant by a size suffix, with rclone's binary units. A bare number is KiB, because that is
 * what rclone makes of it (`--multi-thread-cutoff 100` is 100 KiB); undefined when not a size.
 */
export function parseSizeSuffix(text: string): number | undefined {
  const match = SIZE_SUFFIX_PATTERN.exec(text);
  if (!match) return undefined;
  const unit = (match[2] ?? 'k').toLowerCase();
  return Math.round(Number(match[1]) * (MULTIPLIERS.get(unit) ?? 1));
}
