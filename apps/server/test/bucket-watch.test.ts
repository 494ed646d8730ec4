import { describe, expect, it } from 'vitest';
import { BucketWatch } from '../src/bucket-watch.js';
import type { BucketReading } from '../src/bucket-watch.js';

const reading = (uuid: string | null): BucketReading => ({
  newest: uuid ? { uuid, size: 1, steps: 1 } : null,
  count: uuid ? 1 : 0,
  owner: null,
});

function watch(now: { t: number }, concurrency = 2) {
  return new BucketWatch({
    staleMs: 1000,
    concurrency,
    readTimeoutMs: 5000,
    now: () => now.t,
    describe: (err) => ({ message: String((err as Error).message), error_code: 'E' }),
  });
}

describe('BucketWatch', () => {
  it('answers from the cache at once and reads again only once stale', async () => {
    const now = { t: 0 };
    const w = watch(now);
    let reads = 0;
    const read = () => {
      reads++;
      return Promise.resolve(reading(`u${reads}`));
    };
    expect(w.peek('b', read)).toEqual({ reading: null, checkedAtMs: null, error: null });
    await w.idle();
    expect(w.peek('b', read).reading?.newest?.uuid).toBe('u1');
    now.t = 500;
    w.peek('b', read);
    await w.idle();
    expect(reads).toBe(1);
    now.t = 1000;
    w.peek('b', read);
    await w.idle();
    expect(reads).toBe(2);
    expect(w.peek('b', read)).toMatchObject({ checkedAtMs: 1000 });
  });

  it('shares one reading between pipelines of one bucket, and one read at a time per bucket', async () => {
    const now = { t: 0 };
    const w = watch(now);
    let reads = 0;
    let release = (): void => undefined;
    const read = () => {
      reads++;
      return new Promise<BucketReading>((resolve) => (release = () => resolve(reading('x'))));
    };
    for (let i = 0; i < 20; i++) w.peek('shared', read);
    await new Promise((r) => setTimeout(r, 1));
    for (let i = 0; i < 20; i++) w.peek('shared', read);
    expect(reads).toBe(1);
    release();
    await w.idle();
    expect(w.peek('shared', read).reading?.newest?.uuid).toBe('x');
  });

  it('reads at most `concurrency` buckets at once', async () => {
    const now = { t: 0 };
    const w = watch(now, 2);
    let running = 0;
    let peak = 0;
    const read = async () => {
      running++;
      peak = Math.max(peak, running);
      await new Promise((r) => setTimeout(r, 5));
      running--;
      return reading('y');
    };
    for (let i = 0; i < 8; i++) w.peek(`b${i}`, read);
    await w.idle();
    expect(peak).toBe(2);
    for (let i = 0; i < 8; i++) expect(w.peek(`b${i}`, read).reading).not.toBeNull();
  });

  it('keeps the last reading and reports the error when a read fails', async () => {
    const now = { t: 0 };
    const w = watch(now);
    w.peek('b', () => Promise.resolve(reading('good')));
    await w.idle();
    now.t = 2000;
    w.peek('b', () => Promise.reject(new Error('connection refused')));
    await w.idle();
    expect(w.peek('b', () => Promise.resolve(reading('z')))).toMatchObject({
      reading: { newest: { uuid: 'good' } },
      error: { message: 'connection refused' },
      checkedAtMs: 2000,
    });
  });

  it('learns a pushed checkpoint without reading, and never goes back in time', async () => {
    const now = { t: 0 };
    const w = watch(now);
    const read = () => Promise.resolve(reading('0002'));
    w.peek('b', read);
    await w.idle();
    w.notePushed('b', '0001', null);
    expect(w.peek('b', read).reading?.newest?.uuid).toBe('0002');
    w.notePushed('b', '0003', {
      pipeline_name: 'p',
      given_name: 'g',
      format_version: 1,
      created_at: null,
    });
    expect(w.peek('b', read).reading).toMatchObject({
      newest: { uuid: '0003' },
      owner: { given_name: 'g' },
    });
  });

  it('reads again after invalidate, however fresh, and keeps a real time', async () => {
    const now = { t: 0 };
    const w = watch(now);
    let reads = 0;
    const read = () => Promise.resolve(reading(`u${++reads}`));
    w.peek('b', read);
    await w.idle();
    now.t = 10;
    w.invalidate('b');
    // The entry answered before the read ends still has a real time (an ISO string can be made).
    expect(new Date(w.peek('b', read).checkedAtMs!).toISOString()).toBe(new Date(0).toISOString());
    await w.idle();
    expect(w.peek('b', read)).toMatchObject({
      reading: { newest: { uuid: 'u2' } },
      checkedAtMs: 10,
    });
    expect(reads).toBe(2);
  });

  it('cancels running reads when closed', async () => {
    const now = { t: 0 };
    const w = watch(now);
    let aborted = false;
    w.peek(
      'b',
      (signal) =>
        new Promise<BucketReading>((_resolve, reject) => {
          signal.addEventListener('abort', () => {
            aborted = true;
            reject(new Error('aborted'));
          });
        }),
    );
    await new Promise((r) => setTimeout(r, 1));
    w.close();
    await w.idle();
    expect(aborted).toBe(true);
  });
});
