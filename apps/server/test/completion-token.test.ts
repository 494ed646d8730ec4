import { describe, expect, it } from 'vitest';
import { decodeCompletionToken, encodeCompletionToken } from '../src/completion-token.js';

describe('completion tokens', () => {
  it('round-trip the incarnation and step', () => {
    const data = { incarnation: '0190a1b2-0000-4000-8000-000000000000', step: 42 };
    expect(decodeCompletionToken(encodeCompletionToken(data))).toEqual(data);
  });

  it.each([
    '',
    'fs1',
    'fs1.not-a-uuid.1',
    'fs2.0190a1b2-0000-4000-8000-000000000000.1',
    'fs1.0190a1b2-0000-4000-8000-000000000000.-1',
    'fs1.0190a1b2-0000-4000-8000-000000000000.1.2',
    'fs1.0190a1b2-0000-4000-8000-000000000000.1e3',
    `fs1.0190a1b2-0000-4000-8000-000000000000.${'9'.repeat(200)}`,
  ])('refuse %j', (token) => {
    expect(decodeCompletionToken(token)).toBeNull();
  });
});
