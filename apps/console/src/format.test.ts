import { describe, expect, it } from 'vitest';
import {
  ageSecs,
  formatAge,
  formatBytes,
  formatDuration,
  formatSpeed,
  shortUuid,
} from './format.js';

describe('format', () => {
  it('sizes in powers of 1024', () => {
    expect(formatBytes(0)).toBe('0 B');
    expect(formatBytes(1023)).toBe('1023 B');
    expect(formatBytes(1536)).toBe('1.50 KB');
    expect(formatBytes(15 * 1024 * 1024)).toBe('15.0 MB');
    expect(formatBytes(300 * 1024 ** 3)).toBe('300 GB');
    expect(formatBytes(-1)).toBe('?');
    expect(formatSpeed(2048)).toBe('2.00 KB/s');
  });

  it('durations from tenths of a second to days', () => {
    expect(formatDuration(0.42)).toBe('0.4 s');
    expect(formatDuration(3.25)).toBe('3.3 s');
    expect(formatDuration(42)).toBe('42 s');
    expect(formatDuration(185)).toBe('3 min 5 s');
    expect(formatDuration(180)).toBe('3 min');
    expect(formatDuration(2 * 3600 + 600)).toBe('2 h 10 min');
    expect(formatDuration(3 * 86_400 + 4 * 3600)).toBe('3 d 4 h');
    expect(formatDuration(Number.NaN)).toBe('?');
  });

  it('ages', () => {
    expect(formatAge(null)).toBe('age unknown');
    expect(formatAge(0.2)).toBe('just now');
    expect(formatAge(75)).toBe('1 min 15 s ago');
    expect(ageSecs('2026-01-01T00:00:10.000Z', Date.parse('2026-01-01T00:00:40.000Z'))).toBe(30);
    expect(ageSecs('2026-01-01T00:01:00.000Z', Date.parse('2026-01-01T00:00:00.000Z'))).toBe(0);
    expect(ageSecs('not a date', 0)).toBeNull();
    expect(shortUuid('01a231a5-2fc0-7248-a7ed-f08476ac64c1')).toBe('…76ac64c1');
  });
});
