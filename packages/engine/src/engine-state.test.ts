import { describe, expect, it } from 'vitest';
import { hasErrorCode } from '@feldera-sync/errors';
import type { EngineState } from './engine-state.js';
import { ENGINE_STATE_FORMAT, parseEngineState, serializeEngineState } from './engine-state.js';
import { EngineErrorCodes } from './errors.js';
import { parseSpine, serializeSpine } from './spine-file.js';

const state: EngineState = {
  engine: ENGINE_STATE_FORMAT,
  uuid: '01900000-0000-7000-8000-000000000001',
  step: 3,
  processed_records: 10,
  input_offsets: { kafka: { p0: 1 } },
  table_hashes: { t: 'a'.repeat(64) },
  table_entries: { t: 4 },
};

describe('state.json and spine files', () => {
  it('round-trip', () => {
    expect(parseEngineState(serializeEngineState(state), 'state.json')).toEqual(state);
    const spine = {
      table: 't',
      batches: [{ file: 'w0-01900000-0000-7000-8000-000000000002.feldera', entries: 1, bytes: 9 }],
    };
    expect(parseSpine(serializeSpine(spine), 'spine-t.json', 't')).toEqual(spine);
  });

  it.each([
    ['truncated JSON', serializeEngineState(state).slice(0, 20)],
    ['another engine', JSON.stringify({ ...state, engine: 'feldera' })],
    ['a bad step', JSON.stringify({ ...state, step: -1 })],
    ['a bad hash', JSON.stringify({ ...state, table_hashes: { t: 'xyz' } })],
    ['a bad table name', JSON.stringify({ ...state, table_hashes: { '../t': 'a'.repeat(64) } })],
  ])('reject %s, naming the file', (_what, text) => {
    expect(() => parseEngineState(text, 'state.json')).toThrow(
      expect.toSatisfy(
        (e: unknown) =>
          hasErrorCode(e, EngineErrorCodes.CORRUPT_FILE) &&
          (e as { details?: Record<string, unknown> }).details?.file === 'state.json',
      ),
    );
  });

  it('rejects a spine that points outside the storage root', () => {
    const text = JSON.stringify({
      table: 't',
      batches: [{ file: '../etc/passwd', entries: 1, bytes: 1 }],
    });
    expect(() => parseSpine(text, 'x/spine-t.json', 't')).toThrow(/batches\[0\]/);
  });
});
