/**
 * What the pipelines' buckets hold (newest checkpoint, owner), read in the background and cached,
 * so the recovery routes answer at once and a console polling 50 pipelines every second reads each
 * bucket at most once per `staleMs`, a few at a time. Pipelines that share a bucket (a primary and
 * its standby) share one reading.
 */
import type { CatalogEntry, OwnerInfo } from '@feldera-sync/checkpoint';

/** One reading of a bucket. */
export interface BucketReading {
  newest: Pick<CatalogEntry, 'uuid' | 'size' | 'steps'> | null;
  count: number;
  owner: OwnerInfo | null;
}

/** The cached state of a bucket. */
export interface BucketEntry {
  reading: BucketReading | null;
  /** When the last read ended (successful or not); null before the first one did. */
  checkedAtMs: number | null;
  error: { message: string; error_code: string } | null;
}

/** Reads a bucket; must honour `signal`. */
export type BucketReader = (signal: AbortSignal) => Promise<BucketReading>;

/** Turns a read failure into the text shown (never a secret: errors are redacted at the source). */
export type ErrorDescriber = (err: unknown) => { message: string; error_code: string };

interface Slot extends BucketEntry {
  refreshing: Promise<void> | null;
  lastPeekMs: number;
  /** Read again on the next peek, however fresh. */
  invalidated: boolean;
}

/** Options of `BucketWatch`. */
export interface BucketWatchOptions {
  /** A reading older than this is refreshed on the next `peek`. */
  staleMs: number;
  /** Reads running at once. */
  concurrency: number;
  /** Longest a single read may take. */
  readTimeoutMs: number;
  now: () => number;
  describe: ErrorDescriber;
}

/** The cache of bucket readings. */
export class BucketWatch {
  private readonly slots = new Map<string, Slot>();
  private running = 0;
  private readonly queue: (() => void)[] = [];
  private readonly aborter = new AbortController();

  constructor(private readonly options: BucketWatchOptions) {}

  /** The cached entry of `key`; starts a background read when it is stale and none runs. */
  peek(key: string, read: BucketReader): BucketEntry {
    const now = this.options.now();
    let slot = this.slots.get(key);
    if (!slot) {
      slot = {
        reading: null,
        checkedAtMs: null,
        error: null,
        refreshing: null,
        lastPeekMs: now,
        invalidated: false,
      };
      this.slots.set(key, slot);
    }
    slot.lastPeekMs = now;
    const stale =
      slot.invalidated ||
      slot.checkedAtMs === null ||
      now - slot.checkedAtMs >= this.options.staleMs;
    if (stale && !slot.refreshing && !this.aborter.signal.aborted) {
      const current = slot;
      current.invalidated = false;
      current.refreshing = this.refresh(current, read).finally(() => {
        current.refreshing = null;
      });
    }
    return { reading: slot.reading, checkedAtMs: slot.checkedAtMs, error: slot.error };
  }

  /**
   * A push of `uuid` to the bucket just succeeded: its newest checkpoint is at least that one, known
   * without reading (UUIDv7s order by time).
   */
  notePushed(key: string, uuid: string, owner: OwnerInfo | null): void {
    const slot = this.slots.get(key);
    if (!slot?.reading) return;
    const newest = slot.reading.newest;
    if (newest === null || newest.uuid < uuid) {
      slot.reading = {
        ...slot.reading,
        newest: { uuid, size: null, steps: null },
        count: slot.reading.count + 1,
        owner: owner ?? slot.reading.owner,
      };
    }
  }

  /** Forces the next `peek` of `key` to read the bucket again. */
  invalidate(key: string): void {
    const slot = this.slots.get(key);
    if (slot) slot.invalidated = true;
  }

  /** Resolves once no read runs (tests). */
  async idle(): Promise<void> {
    for (;;) {
      const pending = [...this.slots.values()].map((s) => s.refreshing).filter((p) => p !== null);
      if (pending.length === 0) return;
      await Promise.all(pending);
    }
  }

  /** Cancels running reads; later peeks answer what is cached. */
  close(): void {
    this.aborter.abort(new Error('bucket watch closed'));
    for (const next of this.queue.splice(0)) next();
  }

  private async refresh(slot: Slot, read: BucketReader): Promise<void> {
    await this.acquire();
    try {
      if (this.aborter.signal.aborted) return;
      const signal = AbortSignal.any([
        this.aborter.signal,
        AbortSignal.timeout(this.options.readTimeoutMs),
      ]);
      try {
        slot.reading = await read(signal);
        slot.error = null;
      } catch (err) {
        slot.error = this.options.describe(err);
      }
      slot.checkedAtMs = this.options.now();
    } finally {
      this.release();
    }
  }

  private acquire(): Promise<void> {
    if (this.running < this.options.concurrency) {
      this.running++;
      return Promise.resolve();
    }
    return new Promise((resolve) =>
      this.queue.push(() => {
        this.running++;
        resolve();
      }),
    );
  }

  private release(): void {
    this.running--;
    this.queue.shift()?.();
  }
}
