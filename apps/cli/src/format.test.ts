import { describe, expect, it } from 'vitest';
import {
  escapeUntrusted,
  formatBytes,
  formatDuration,
  formatJson,
  formatSpeed,
  formatTable,
  formatTimestamp,
} from './format.js';
import { formatCatalogTable } from './catalog-table.js';

describe('formatBytes', () => {
  it.each([
    [0, '0 B'],
    [999, '999 B'],
    [1024, '1.00 KiB'],
    [1536, '1.50 KiB'],
    [10 * 1024 * 1024 + 300 * 1024, '10.3 MiB'],
    [150 * 1024 ** 3, '150 GiB'],
    [-1, '?'],
    [Number.NaN, '?'],
  ])('%d -> %s', (n, text) => expect(formatBytes(n)).toBe(text));
  it('speed appends /s', () => expect(formatSpeed(2048)).toBe('2.00 KiB/s'));
});

describe('formatDuration', () => {
  it.each([
    [0.44, '0.4s'],
    [9.96, '10.0s'],
    [12.4, '12s'],
    [185, '3m05s'],
    [7260, '2h01m'],
    [null, '?'],
    [Number.POSITIVE_INFINITY, '?'],
  ])('%s -> %s', (s, text) => expect(formatDuration(s)).toBe(text));
});

describe('formatTimestamp', () => {
  it('prints UTC to the second', () =>
    expect(formatTimestamp(Date.UTC(2025, 0, 2, 3, 4, 5, 678))).toBe('2025-01-02 03:04:05Z'));
  it('prints - when unknown', () => expect(formatTimestamp(null)).toBe('-'));
});

describe('formatTable', () => {
  it('pads columns and aligns right where asked', () => {
    expect(
      formatTable(
        ['A', 'NUM'],
        [
          ['x', '1'],
          ['long', '100'],
        ],
        ['left', 'right'],
      ),
    ).toBe('A     NUM\n----  ---\nx       1\nlong  100\n');
  });
});

describe('formatJson', () => {
  it('prints bigints as exact integers', () => {
    expect(formatJson({ fingerprint: 18446744073709551615n, name: 'x' })).toBe(
      '{\n  "fingerprint": 18446744073709551615,\n  "name": "x"\n}\n',
    );
  });
});

describe('formatCatalogTable', () => {
  it('shows uuid, time from the UUIDv7, size, steps and processed records', () => {
    const text = formatCatalogTable([
      {
        uuid: '01941f29-7c00-7000-8000-000000000001',
        identifier: null,
        fingerprint: 1n,
        size: 4096,
        steps: 1234,
        processed_records: 1_000_000,
      },
      {
        uuid: '01941f29-7c00-7000-8000-000000000002',
        identifier: null,
        fingerprint: 1n,
        size: null,
        steps: null,
        processed_records: null,
      },
    ]);
    const lines = text.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^UUID\s+TIME \(UTC\)\s+SIZE\s+STEPS\s+PROCESSED RECORDS$/);
    expect(lines[2]).toContain('2025-01-01 00:00:00Z');
    expect(lines[2]).toMatch(/4\.00 KiB\s+1,234\s+1,000,000$/);
    expect(lines[3]).toMatch(/-\s+-\s+-$/);
  });
  it('says so when empty', () => expect(formatCatalogTable([])).toBe('(no checkpoints)\n'));
});

describe('escapeUntrusted', () => {
  it('shows every control character as \\xHH and leaves printable text alone', () => {
    expect(escapeUntrusted('w0-\u001b[2Jx\u0007\nnext\r\u009bé')).toBe(
      'w0-\\x1b[2Jx\\x07\\x0anext\\x0d\\x9bé',
    );
    expect(escapeUntrusted('plain/key-1.zip')).toBe('plain/key-1.zip');
  });
});
