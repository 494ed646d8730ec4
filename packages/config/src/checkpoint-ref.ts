/** Canonical 8-4-4-4-12 hexadecimal UUID, any version. */
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** True for a canonical UUID in either case. */
export function isUuid(text: string): boolean {
  return UUID.test(text);
}

/** `latest`, or the UUID in lowercase canonical form (catalog UUIDs are lowercase); undefined otherwise. */
export function normaliseCheckpointRef(text: string): string | undefined {
  if (text === 'latest') return 'latest';
  return isUuid(text) ? text.toLowerCase() : undefined;
}

/** JSON Schema pattern of `start_from_checkpoint` (the parser also lowercases the UUID). */
export const CHECKPOINT_REF_PATTERN =
  '^(latest|[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12})$';
