import { describe, expect, it } from 'vitest';
import {
  formatProgressBar,
  formatProgressLine,
  progressEta,
  progressFraction,
} from './progress-format.js';
import type { ProgressSnapshot } from './progress-format.js';
import { createProgressReporter, progressModeFor } from './progress-reporter.js';

const half: ProgressSnapshot = {
  bytesDone: 1024 * 1024,
  bytesTotal: 2 * 1024 * 1024,
  objectsDone: 1,
  objectsTotal: 2,
  speed: 512 * 1024,
  phase: 'uploading',
};

describe('progress formatting', () => {
  it('computes fraction and eta', () => {
    expect(progressFraction(half)).toBe(0.5);
    expect(progressEta(half)).toBe(2);
    expect(progressEta({ ...half, speed: 0 })).toBeNull();
    expect(progressEta({ ...half, etaSeconds: 7 })).toBe(7);
    expect(
      progressFraction({ bytesDone: 0, bytesTotal: 0, objectsDone: 0, objectsTotal: 0, speed: 0 }),
    ).toBe(1);
  });
  it('draws a bar with bytes, speed, eta and objects that fits the terminal', () => {
    const bar = formatProgressBar('push', half, 100);
    expect(bar).toMatch(
      /^push \[#+-+\] {2}50% 1\.00 MiB\/2\.00 MiB {2}512 KiB\/s {2}eta 2\.0s {2}1\/2 objects$/,
    );
    expect(bar.length).toBeLessThanOrEqual(100);
    expect(formatProgressBar('push', half, 40).length).toBeLessThanOrEqual(40);
  });
  it('prints plain lines with the phase', () => {
    expect(formatProgressLine('pull', half)).toBe(
      'pull uploading: 50% 1.00 MiB/2.00 MiB, 512 KiB/s, eta 2.0s, 1/2 objects',
    );
  });
});

describe('progress reporter', () => {
  it('chooses a bar on a TTY, lines elsewhere, nothing when quiet off a TTY', () => {
    expect(progressModeFor({ write: () => 0, isTTY: true }, true)).toBe('bar');
    expect(progressModeFor({ write: () => 0 }, false)).toBe('lines');
    expect(progressModeFor({ write: () => 0 }, true)).toBe('none');
  });
  it('throttles plain lines and always prints the final state', () => {
    let out = '';
    let now = 0;
    const r = createProgressReporter({
      label: 'push',
      stream: { write: (t: string) => (out += t) },
      mode: 'lines',
      now: () => now,
      intervalMs: 5000,
    });
    r.update(half);
    now = 1000;
    r.update({ ...half, bytesDone: 1.5 * 1024 * 1024 });
    now = 6000;
    r.update({ ...half, bytesDone: 1.75 * 1024 * 1024 });
    r.finish({ ...half, bytesDone: half.bytesTotal, objectsDone: 2, phase: 'done' });
    const lines = out.trimEnd().split('\n');
    expect(lines).toHaveLength(3);
    expect(lines[2]).toContain('100%');
  });
  it('redraws one line on a TTY and ends it on finish', () => {
    let out = '';
    const r = createProgressReporter({
      label: 'push',
      stream: { write: (t: string) => (out += t), isTTY: true, columns: 120 },
      mode: 'bar',
      now: () => 0,
      intervalMs: 0,
    });
    r.update(half);
    r.finish({ ...half, bytesDone: half.bytesTotal });
    r.finish();
    expect(out.split('\r\u001b[2K')).toHaveLength(3);
    expect(out.endsWith('\n')).toBe(true);
    expect(out).toContain('100% 2.00 MiB/2.00 MiB');
  });
  it('prints nothing in mode none', () => {
    let out = '';
    const r = createProgressReporter({
      label: 'x',
      stream: { write: (t: string) => (out += t) },
      mode: 'none',
      now: () => 0,
    });
    r.update(half);
    r.finish();
    expect(out).toBe('');
  });
});

describe('progress reporter speed', () => {
  it('shows the average speed when an event carries none', () => {
    let out = '';
    let now = 0;
    const r = createProgressReporter({
      label: 'pull',
      stream: { write: (t: string) => (out += t) },
      mode: 'lines',
      now: () => now,
      intervalMs: 0,
    });
    r.update({ ...half, bytesDone: 0, speed: 0 });
    now = 2000;
    r.update({ ...half, speed: 0 });
    expect(out.trimEnd().split('\n')[1]).toContain('512 KiB/s');
  });
});
