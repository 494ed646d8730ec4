const UUID_V7 = /^([0-9a-f]{8})-([0-9a-f]{4})-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/i;

/** Milliseconds since the epoch held in a UUIDv7's first 48 bits, or null when `uuid` is not a UUIDv7. */
export function uuidV7TimeMs(uuid: string): number | null {
  const m = UUID_V7.exec(uuid);
  if (!m) return null;
  // 48 bits fit a double exactly; parse as hex of the first 12 digits.
  return Number.parseInt(`${m[1] ?? ''}${m[2] ?? ''}`, 16);
}
