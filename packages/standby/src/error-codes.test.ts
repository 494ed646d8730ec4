import { describe, expect, it } from 'vitest';
import * as standby from './index.js';
import { StandbyErrorCodes } from './index.js';

describe('StandbyErrorCodes', () => {
  it('is the one catalog: every loose ERR_STANDBY_* export is one of its codes', () => {
    const loose = Object.entries(standby).filter(([name]) => name.startsWith('ERR_'));
    for (const [name, value] of loose) expect(name).toBe(value);
    const codes = new Set<string>(Object.values(StandbyErrorCodes));
    expect(loose.filter(([, v]) => !codes.has(v as string))).toEqual([]);
    // Every catalog code but the recorded-only ERR_PULL has its loose export.
    expect(loose.length).toBe(codes.size - 1);
    expect(StandbyErrorCodes.uncodedPullFailure).toBe('ERR_PULL');
  });
});
