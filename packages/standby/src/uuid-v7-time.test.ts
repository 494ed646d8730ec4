import { describe, expect, it } from 'vitest';
import { uuidV7TimeMs } from './uuid-v7-time.js';

describe('uuidV7TimeMs', () => {
  it('reads the first 48 bits as milliseconds', () => {
    // From the Feldera docs: 019779b4-8760-75f2-... was created on 2025-06-16.
    expect(uuidV7TimeMs('019779b4-8760-75f2-bdf0-71b825e63610')).toBe(0x019779b48760);
    expect(new Date(uuidV7TimeMs('019779b4-8760-75f2-bdf0-71b825e63610')!).toISOString()).toMatch(
      /^2025-06-16/,
    );
    expect(uuidV7TimeMs('FFFFFFFF-FFFF-7FFF-BFFF-FFFFFFFFFFFF')).toBe(2 ** 48 - 1);
  });

  it('returns null for anything that is not a UUIDv7', () => {
    expect(uuidV7TimeMs('6ba7b810-9dad-41d1-80b4-00c04fd430c8')).toBeNull();
    expect(uuidV7TimeMs('latest')).toBeNull();
    expect(uuidV7TimeMs('019779b4-8760-75f2-bdf0-71b825e6361')).toBeNull();
  });
});
