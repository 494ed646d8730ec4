import { describe, expect, it } from 'vitest';
import * as checkpoint from './index.js';
import { CheckpointErrorCodes, StoreErrorCodes } from './index.js';

describe('CheckpointErrorCodes', () => {
  it('is the one catalog: every loose ERR_CHECKPOINT_* export is one of its codes, and each code has one', () => {
    const loose = Object.entries(checkpoint).filter(([name]) => name.startsWith('ERR_'));
    expect(loose.length).toBe(Object.keys(CheckpointErrorCodes).length);
    for (const [name, value] of loose) expect(name).toBe(value);
    expect(new Set(loose.map(([, v]) => v))).toEqual(new Set(Object.values(CheckpointErrorCodes)));
  });
  it('has no code twice, and none shared with the ObjectStore port', () => {
    const codes = [...Object.values(CheckpointErrorCodes), ...Object.values(StoreErrorCodes)];
    expect(new Set(codes).size).toBe(codes.length);
  });
});
