import { mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { EngineClock } from '../src/clock.js';

/** A fresh temporary directory and its cleanup. */
export async function tempDir(
  prefix = 'engine-',
): Promise<{ path: string; cleanup: () => Promise<void> }> {
  const path = await mkdtemp(join(tmpdir(), prefix));
  return { path, cleanup: () => rm(path, { recursive: true, force: true }) };
}

/** Names at the root of a directory, sorted. */
export async function listRoot(dir: string): Promise<string[]> {
  return (await readdir(dir)).sort();
}

/** Size of a file. */
export async function fileSize(path: string): Promise<number> {
  return (await stat(path)).size;
}

/** A manual clock: timers fire only inside `advance`. */
export interface ManualClock extends EngineClock {
  advance(ms: number): void;
  pending(): number;
}

/** Creates a manual clock starting at a realistic epoch so UUIDv7 timestamps look normal. */
export function createManualClock(start = Date.UTC(2025, 0, 1)): ManualClock {
  let now = start;
  let nextId = 1;
  const timers = new Map<number, { at: number; callback: () => void }>();
  return {
    now: () => now,
    setTimeout: (callback, ms) => {
      const id = nextId++;
      timers.set(id, { at: now + ms, callback });
      return id;
    },
    clearTimeout: (handle) => {
      timers.delete(handle as number);
    },
    advance: (ms) => {
      const until = now + ms;
      for (let guard = 0; guard < 10_000; guard += 1) {
        const due = [...timers.entries()]
          .filter(([, t]) => t.at <= until)
          .sort(([, a], [, b]) => a.at - b.at)[0];
        if (due === undefined) break;
        timers.delete(due[0]);
        now = due[1].at;
        due[1].callback();
      }
      now = until;
    },
    pending: () => timers.size,
  };
}
