/** Outcome of a create-only PUT (`If-None-Match: *`). */
export type PutIfAbsentOutcome = 'created' | 'exists' | 'unknown';

/**
 * What a create-only PUT's status says: `created` on 2xx; `exists` on 412 (or 409, which some
 * stores answer for a concurrent create); `unknown` on a 5xx, which Ceph RGW answers for a losing
 * race (the caller then checks whether the key exists); null for any other answer, which the
 * client maps to its typed error.
 */
export function putIfAbsentOutcome(status: number): PutIfAbsentOutcome | null {
  if (status >= 200 && status < 300) return 'created';
  if (status === 412 || status === 409) return 'exists';
  if (status >= 500) return 'unknown';
  return null;
}
