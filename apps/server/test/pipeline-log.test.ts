import { describe, expect, it } from 'vitest';
import { LOG_LINE_MAX_CHARS, PipelineLog, formatLogLine } from '../src/pipeline-log.js';

const at = (): number => Date.parse('2026-01-01T00:00:00.000Z');

describe('formatLogLine', () => {
  it('writes time, level, message and fields on one line, without the pipeline field', () => {
    expect(
      formatLogLine(at(), 'info', 'checkpoint pulled successfully', {
        pipeline: 'p',
        checkpoint: '0190a1b2-0000-7000-8000-000000000000',
        bytes: 12,
        note: 'two words',
      }),
    ).toBe(
      '2026-01-01T00:00:00.000Z  INFO checkpoint pulled successfully checkpoint=0190a1b2-0000-7000-8000-000000000000 bytes=12 note="two words"',
    );
  });

  it('escapes control characters so a line cannot split or drive a terminal', () => {
    const line = formatLogLine(at(), 'error', 'bad\nname\u001b[31m', { key: 'a\u0007b' });
    // eslint-disable-next-line no-control-regex
    expect(line).not.toMatch(/[\u0000-\u001f]/);
    expect(line).toContain('bad\\u000aname\\u001b[31m');
    expect(line).toContain('key="a\\u0007b"');
  });

  it('cuts very long lines', () => {
    const line = formatLogLine(at(), 'info', 'x'.repeat(LOG_LINE_MAX_CHARS * 2));
    expect(line.length).toBe(LOG_LINE_MAX_CHARS + 3);
  });
});

describe('PipelineLog', () => {
  it('gives a new follower the backlog, then new lines, then null when the log ends', () => {
    const log = new PipelineLog(undefined, at);
    log.append('info', 'one');
    log.append('debug', 'not kept');
    const seen: (string | null)[] = [];
    const { backlog, unsubscribe } = log.follow((line) => seen.push(line));
    expect(backlog.map((l) => l.split(' ').pop())).toEqual(['one']);
    log.append('warn', 'two');
    expect(seen).toHaveLength(1);
    expect(seen[0]).toContain(' WARN two');
    log.end();
    expect(seen[1]).toBeNull();
    expect(log.followers).toBe(0);
    unsubscribe();
    log.append('info', 'after end');
    expect(log.backlog()).toHaveLength(2);
  });

  it('stops sending to an unsubscribed follower', () => {
    const log = new PipelineLog(undefined, at);
    const seen: (string | null)[] = [];
    const { unsubscribe } = log.follow((line) => seen.push(line));
    unsubscribe();
    log.append('info', 'x');
    expect(seen).toEqual([]);
    expect(log.followers).toBe(0);
  });

  it('keeps at most its line and byte limits and says how many lines it discarded', () => {
    const byLines = new PipelineLog({ lines: 3, bytes: 1_000_000 }, at);
    for (let i = 0; i < 10; i++) byLines.append('info', `line ${i}`);
    const backlog = byLines.backlog();
    expect(backlog).toHaveLength(4);
    expect(backlog[0]).toContain('... 7 prior log lines were discarded');
    expect(backlog.slice(1).map((l) => l.slice(-6))).toEqual(['line 7', 'line 8', 'line 9']);

    const byBytes = new PipelineLog({ lines: 1000, bytes: 200 }, at);
    for (let i = 0; i < 50; i++) byBytes.append('info', `message number ${i}`);
    const kept = byBytes.backlog().slice(1);
    expect(kept.reduce((n, l) => n + l.length + 1, 0)).toBeLessThanOrEqual(200);
    expect(kept.at(-1)).toContain('message number 49');
  });

  it('ends a follow started after the end at once', async () => {
    const log = new PipelineLog(undefined, at);
    log.end();
    const seen: (string | null)[] = [];
    log.follow((line) => seen.push(line));
    await Promise.resolve();
    expect(seen).toEqual([null]);
  });
});
