import { MAX_TIMER_DELAY_MS } from './timer-delay.js';
import { SyncError, ERR_ABORTED } from '@feldera-sync/errors';
import type { Clock, TimerHandle } from './clock.js';

interface Timer {
  readonly due: number;
  readonly seq: number;
  readonly callback: () => void;
}

/** Lets pending promise callbacks run: one macrotask turn drains every chained microtask. */
function settle(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/** A clock that only moves when told to; `advance(ms)` fires due timers in order and lets promises settle. */
export class SimulatedClock implements Clock {
  #now: number;
  #seq = 0;
  readonly #timers = new Map<number, Timer>();

  constructor(startMs = 0) {
    this.#now = startMs;
  }

  /** Current simulated time. */
  now(): number {
    return this.#now;
  }

  /**
   * Registers a timer due `delayMs` from now (negative delays count as 0). Like Node's timers, a
   * delay above 2^31-1 ms or NaN fires after 1 ms, so tests see what such a delay really does.
   */
  setTimeout(callback: () => void, delayMs: number): TimerHandle {
    const seq = ++this.#seq;
    const delay = Number.isNaN(delayMs) || delayMs > MAX_TIMER_DELAY_MS ? 1 : Math.max(0, delayMs);
    this.#timers.set(seq, { due: this.#now + delay, seq, callback });
    return seq;
  }

  /** Removes a pending timer. */
  clearTimeout(handle: TimerHandle): void {
    if (typeof handle === 'number') this.#timers.delete(handle);
  }

  /** Number of timers not yet fired or cleared. */
  get pendingTimers(): number {
    return this.#timers.size;
  }

  /** How far from now each pending timer is due, soonest first. */
  pendingDelays(): number[] {
    return [...this.#timers.values()]
      .sort((a, b) => a.due - b.due || a.seq - b.seq)
      .map((t) => t.due - this.#now);
  }

  /**
   * Lets real work (file I/O, child processes) run, without moving simulated time, until `done()`
   * holds; throws after `timeoutMs` of real time. It yields with `setImmediate`, never a fixed sleep,
   * so it returns as soon as the work is done.
   */
  async runUntil(done: () => boolean, timeoutMs = 10_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!done()) {
      if (Date.now() > deadline)
        throw new Error(`SimulatedClock.runUntil: condition not met within ${timeoutMs} ms`);
      await settle();
    }
  }

  /** Resolves after `ms` of simulated time; rejects with `ERR_ABORTED` when `signal` fires first. */
  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    return new Promise((resolve, reject) => {
      if (signal?.aborted) {
        reject(new SyncError(ERR_ABORTED, 'sleep was cancelled', { cause: signal.reason }));
        return;
      }
      const onAbort = (): void => {
        this.clearTimeout(handle);
        reject(new SyncError(ERR_ABORTED, 'sleep was cancelled', { cause: signal?.reason }));
      };
      const handle = this.setTimeout(() => {
        signal?.removeEventListener('abort', onAbort);
        resolve();
      }, ms);
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  /** Lets promise callbacks run without moving time. */
  async flush(): Promise<void> {
    await settle();
  }

  /**
   * Moves time forward by `ms`, firing each due timer at its own time and settling promises after
   * each; `afterEachTimer` (e.g. a `runUntil` for the work a timer starts) runs after every firing.
   */
  async advance(
    ms: number,
    options: { afterEachTimer?: (() => Promise<void>) | undefined } = {},
  ): Promise<void> {
    const target = this.#now + Math.max(0, ms);
    await settle();
    for (;;) {
      const next = this.#nextDue(target);
      if (next === undefined) break;
      this.#timers.delete(next.seq);
      this.#now = next.due;
      next.callback();
      await settle();
      await options.afterEachTimer?.();
    }
    this.#now = target;
    await settle();
  }

  #nextDue(limit: number): Timer | undefined {
    let best: Timer | undefined;
    for (const t of this.#timers.values()) {
      if (
        t.due <= limit &&
        (best === undefined || t.due < best.due || (t.due === best.due && t.seq < best.seq))
      )
        best = t;
    }
    return best;
  }
}
