// Catalog fingerprints are u64: JSON.parse would round them. Integers too long for a double are
// carried through as sentinel strings and written back as bare digits.
const SENTINEL = '\u0000int:';
const TOKEN = /"(?:[^"\\]|\\.)*"|-?\d{16,}(?![.eE\d])/g;

/** `JSON.parse` that keeps integers of 16+ digits exact (as sentinel strings). */
export function parseLossless(text: string): unknown {
  return JSON.parse(text.replace(TOKEN, (m) => (m.startsWith('"') ? m : `"\\u0000int:${m}"`)));
}

/** `JSON.stringify` that writes sentinel strings from `parseLossless` back as bare integers. */
export function stringifyLossless(value: unknown, space?: number): string {
  return JSON.stringify(value, null, space).replace(/"\\u0000int:(-?\d+)"/g, '$1');
}

/** The exact decimal text of an integer field read by `parseLossless`, or undefined. */
export function losslessIntegerText(value: unknown): string | undefined {
  if (typeof value === 'number' && Number.isInteger(value)) return String(value);
  if (typeof value === 'string' && value.startsWith(SENTINEL)) return value.slice(SENTINEL.length);
  return undefined;
}
