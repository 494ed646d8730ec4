/** Milliseconds since the epoch encoded in a UUIDv7, or null for other UUID versions. */
export function uuidv7TimeMs(uuid: string): number | null {
  const hex = uuid.replace(/-/g, '');
  if (!/^[0-9a-fA-F]{32}$/.test(hex) || hex[12] !== '7') return null;
  return parseInt(hex.slice(0, 12), 16);
}
