import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { earlyWriteback, syncFiles, writebackDue } from './durable-files.js';

describe('writebackDue', () => {
  it.each([
    [0, 0, false, 64, false],
    [63, 0, false, 64, false],
    [64, 0, false, 64, true],
    [64, 0, true, 64, false],
    [200, 128, false, 64, true],
    [191, 128, false, 64, false],
  ])('bytes %i, last flush at %i, in flight %s, every %i: %s', (done, last, busy, every, want) => {
    expect(writebackDue(done, last, busy, every)).toBe(want);
  });
});

describe('earlyWriteback', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'fsync-wb-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('starts one flush per `every` bytes, never two at once, none after stop, and stop waits', async () => {
    const started: string[] = [];
    let release: () => void = () => {};
    const flush = (d: string): Promise<void> => {
      started.push(d);
      return new Promise<void>((r) => (release = r));
    };
    const wb = earlyWriteback(dir, 100, flush);
    wb.progress(50);
    expect(started).toEqual([]);
    wb.progress(100);
    wb.progress(250); // the first is still in flight
    expect(started).toEqual([dir]);
    release();
    await new Promise((r) => setImmediate(r));
    wb.progress(250);
    expect(started).toHaveLength(2);
    let stopped = false;
    const stopping = wb.stop().then(() => (stopped = true));
    await new Promise((r) => setImmediate(r));
    expect(stopped).toBe(false);
    release();
    await stopping;
    wb.progress(10_000);
    expect(started).toHaveLength(2);
  });

  it('ignores a failing early flush (the final one reports), and the real one runs', async () => {
    const wb = earlyWriteback(dir, 1, () => Promise.reject(new Error('EIO')));
    wb.progress(5);
    await expect(wb.stop()).resolves.toBeUndefined();
    const real = earlyWriteback(dir, 1);
    await writeFile(join(dir, 'a'), 'x'.repeat(4096));
    real.progress(4096);
    await expect(real.stop()).resolves.toBeUndefined();
    await expect(syncFiles(dir, ['a'])).resolves.toBeUndefined();
  });
});
