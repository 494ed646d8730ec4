import { randomFillSync } from 'node:crypto';

const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Supplies `size` random bytes; injected for deterministic UUIDs in tests. */
export type RandomBytes = (size: number) => Uint8Array;

const cryptoRandom: RandomBytes = (size) => randomFillSync(new Uint8Array(size));

/** True when `s` is a UUID in the canonical hyphenated form (any version, any case). */
export function isUuid(s: string): boolean {
  return UUID_RE.test(s);
}

/** The millisecond Unix timestamp of a version-7 UUID, or null when `uuid` is not a UUIDv7. */
export function uuidv7TimeMs(uuid: string): number | null {
  if (!isUuid(uuid) || uuid[14] !== '7') return null;
  return parseInt(uuid.slice(0, 8) + uuid.slice(9, 13), 16);
}

/** Orders UUIDv7s by time (then by their random bits); a total order usable with `Array.sort`. */
export function compareUuidv7(a: string, b: string): number {
  const x = a.toLowerCase();
  const y = b.toLowerCase();
  return x < y ? -1 : x > y ? 1 : 0;
}

function format(ms: number, randA: number, rest: Uint8Array): string {
  const bytes = new Uint8Array(16);
  let t = ms;
  for (let k = 5; k >= 0; k--) {
    bytes[k] = t % 256;
    t = Math.floor(t / 256);
  }
  bytes[6] = 0x70 | ((randA >> 8) & 0x0f);
  bytes[7] = randA & 0xff;
  bytes.set(rest.subarray(0, 8), 8);
  bytes[8] = 0x80 | (bytes[8]! & 0x3f);
  const hex = Buffer.from(bytes).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** Makes a UUIDv7 generator whose results strictly increase within a millisecond and across clock steps back (RFC 9562 method 1). */
export function createUuidv7Generator(
  random: RandomBytes = cryptoRandom,
): (nowMs?: number) => string {
  let lastMs = -1;
  let lastRequested = -1;
  let counter = 0;
  return (nowMs?: number) => {
    const rest = random(8);
    let ms = Math.max(0, Math.floor(nowMs ?? Date.now()));
    const requested = ms;
    // The clock may step back a little: keep order. An explicit earlier time is honoured as given.
    const continues = nowMs === undefined ? ms <= lastMs : ms === lastRequested || ms === lastMs;
    lastRequested = requested;
    if (continues) {
      ms = lastMs;
      counter++;
      if (counter > 0xfff) {
        ms = lastMs + 1;
        counter = random(2).reduce((acc, b) => acc * 256 + b, 0) & 0x3ff;
      }
    } else {
      counter = random(2).reduce((acc, b) => acc * 256 + b, 0) & 0x3ff;
    }
    lastMs = ms;
    return format(ms, counter, rest);
  };
}

const defaultGenerator = createUuidv7Generator();

/**
 * A new UUIDv7 for time `nowMs`. Without `random` it comes from a process-wide monotonic generator;
 * with `random` it is a pure function of its arguments (for deterministic tests).
 */
export function uuidv7(nowMs?: number, random?: RandomBytes): string {
  if (!random) return defaultGenerator(nowMs);
  const bytes = random(10);
  const randA = ((bytes[0] ?? 0) << 8) | (bytes[1] ?? 0);
  return format(Math.max(0, Math.floor(nowMs ?? Date.now())), randA & 0xfff, bytes.subarray(2));
}
