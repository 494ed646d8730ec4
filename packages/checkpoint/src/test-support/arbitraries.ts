import fc from 'fast-check';
import type { CatalogEntry, Manifest } from '../index.js';
import { buildManifest, uuidv7 } from '../index.js';

const DAY = 86_400_000;
/** A fixed "now" for property tests. */
export const NOW = Date.UTC(2025, 5, 1);

/** A UUIDv7 within the last `days` days of NOW, from fast-check randomness. */
export const uuidv7Arb = (days = 120): fc.Arbitrary<string> =>
  fc
    .tuple(fc.integer({ min: 0, max: days * DAY }), fc.uint8Array({ minLength: 10, maxLength: 10 }))
    .map(([ago, bytes]) => uuidv7(NOW - ago, () => bytes));

/** A catalog entry for `uuid`. */
export function entryFor(uuid: string, fingerprint = 7n): CatalogEntry {
  return { uuid, identifier: null, fingerprint, size: 1, steps: 1, processed_records: 1 };
}

const hex = (n: number): string => n.toString(16).padStart(64, '0');

/** A manifest whose shared objects are `batches` (names with sizes). */
export function manifestFor(
  uuid: string,
  batches: readonly { path: string; size: number }[],
): Manifest {
  return buildManifest({
    entry: entryFor(uuid),
    batches: batches.map((b) => b.path),
    state_files: ['CHECKPOINT', 'spine.dat'],
    shared: batches.map((b) => ({ key: b.path, size: b.size, sha256: hex(b.size) })),
    zip: { size: 100, sha256: hex(100) },
    zipFiles: [
      { path: `${uuid}/CHECKPOINT`, size: 0, sha256: hex(0) },
      { path: `${uuid}/spine.dat`, size: 5, sha256: hex(5) },
      { path: `${uuid}/state.json`, size: 7, sha256: hex(7) },
    ],
    createdAt: new Date(NOW).toISOString(),
  });
}

/** Batch file names from a small pool so checkpoints share some. */
export const batchPool = Array.from(
  { length: 12 },
  (_, i) => `w0-${uuidv7(NOW - 1000 * DAY + i, () => new Uint8Array(10).fill(i))}.feldera`,
);

/** A set of batches (with stable sizes) drawn from the pool. */
export const batchesArb: fc.Arbitrary<{ path: string; size: number }[]> = fc
  .subarray(batchPool)
  .map((names) => names.map((path) => ({ path, size: 1000 + batchPool.indexOf(path) })));
