/** Optimal-string-alignment distance: Levenshtein plus adjacent transpositions, the commonest typo. */
export function editDistance(a: string, b: string): number {
  const rows = a.length + 1;
  const cols = b.length + 1;
  const d: number[][] = Array.from({ length: rows }, (_, i) =>
    Array.from({ length: cols }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)),
  );
  const at = (i: number, j: number): number => d[i]?.[j] ?? Number.POSITIVE_INFINITY;
  for (let i = 1; i < rows; i++) {
    for (let j = 1; j < cols; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let best = Math.min(at(i - 1, j) + 1, at(i, j - 1) + 1, at(i - 1, j - 1) + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) {
        best = Math.min(best, at(i - 2, j - 2) + 1);
      }
      (d[i] as number[])[j] = best;
    }
  }
  return at(rows - 1, cols - 1);
}

/**
 * The candidate closest to `input`, ignoring case, separators (`-`, `_`, space) and small typos;
 * undefined when nothing is close enough to be a plausible intent.
 */
export function didYouMean(input: string, candidates: readonly string[]): string | undefined {
  if (input.length === 0 || input.length > 100) return undefined;
  const fold = (s: string): string => s.toLowerCase().replace(/[-_\s]/g, '');
  const folded = fold(input);
  const exact = candidates.find((c) => fold(c) === folded);
  if (exact !== undefined) return exact;
  // Short names tolerate one edit, longer ones a third of their length: "gcp" -> "GCS", not "S3" -> "GCS".
  const limit = Math.max(1, Math.floor(folded.length / 3));
  let best: string | undefined;
  let bestDistance = Number.POSITIVE_INFINITY;
  for (const candidate of candidates) {
    const distance = editDistance(folded, fold(candidate));
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  return bestDistance <= limit ? best : undefined;
}
