import { resolve } from 'node:path';
import type { PushReport } from './push.js';

/** Serialises everything that changes one storage directory or its bucket, within this process. */
export interface StorageLane {
  tail: Promise<unknown>;
  /** Running or queued pushes by checkpoint, so requests for one checkpoint share one result. */
  pushes: Map<string, Promise<PushReport>>;
  running: string | null;
}

const lanes = new Map<string, StorageLane>();

/** The lane of a storage directory (one per resolved path per process). */
export function laneFor(storageDir: string): StorageLane {
  const key = resolve(storageDir);
  let lane = lanes.get(key);
  if (!lane) {
    lane = { tail: Promise.resolve(), pushes: new Map(), running: null };
    lanes.set(key, lane);
  }
  return lane;
}

/** Runs `fn` after everything queued before it in the lane. */
export function runExclusive<T>(lane: StorageLane, fn: () => Promise<T>): Promise<T> {
  const run = lane.tail.then(fn, fn);
  lane.tail = run.catch(() => undefined);
  return run;
}
