import { createHash } from 'node:crypto';

/**
 * Content hash of a table: hex SHA-256 over its (canonical row, weight) pairs in key order, one
 * `<weight> <row>\n` line each. Independent of insertion order, so equal states hash equally.
 */
export function hashTable(set: ReadonlyMap<string, number>): string {
  const keys = [...set.keys()].sort();
  const hash = createHash('sha256');
  // Feed the hash in large pieces: one update per row is several times slower.
  let chunk = '';
  for (const key of keys) {
    chunk += `${String(set.get(key))} ${key}\n`;
    if (chunk.length > 65_536) {
      hash.update(chunk);
      chunk = '';
    }
  }
  hash.update(chunk);
  return hash.digest('hex');
}
