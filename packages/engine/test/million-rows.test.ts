import { cp, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_MERGE_POLICY, openReferenceEngine } from '../src/index.js';
import type { CheckpointResult, Engine } from '../src/index.js';
import { tempDir } from './helpers.js';

const ROWS = 1_000_000;
const STEP_ROWS = 20_000;

function row(i: number): unknown {
  return { id: i, name: `user-${i}`, score: i % 997, tags: ['a', i % 2 === 0 ? 'even' : 'odd'] };
}

async function batchBytes(dir: string, files: readonly string[]): Promise<Map<string, number>> {
  const sizes = new Map<string, number>();
  for (const file of files) sizes.set(file, (await stat(join(dir, file))).size);
  return sizes;
}

let dir: string;
let cleanup: () => Promise<void>;
let engine: Engine | undefined;

beforeAll(async () => {
  ({ path: dir, cleanup } = await tempDir('engine-1m-'));
});

afterAll(async () => {
  await engine?.close();
  await cleanup();
});

describe('one million rows', () => {
  let first: CheckpointResult;

  it('ingests in steps, checkpoints, closes and reopens with identical table hashes', async () => {
    engine = await openReferenceEngine(dir);
    for (let done = 0; done < ROWS; done += STEP_ROWS) {
      const insert: unknown[] = [];
      for (let i = done; i < done + STEP_ROWS; i += 1) insert.push(row(i));
      // A second, small table so restores cover several spines.
      await engine.ingest({
        tables: { users: { insert }, batches: { insert: [done] } },
        offsets: { gen: done + STEP_ROWS },
      });
    }
    first = await engine.checkpoint();
    expect(engine.status().processed_records).toBe(ROWS + ROWS / STEP_ROWS);
    await engine.close();
    engine = undefined;

    const started = performance.now();
    engine = await openReferenceEngine(dir);
    const reopenMs = performance.now() - started;
    expect(await engine.tableHashes()).toEqual(first.table_hashes);
    expect(engine.status()).toMatchObject({
      step: ROWS / STEP_ROWS,
      processed_records: ROWS + ROWS / STEP_ROWS,
    });
    const users = await engine.readTable('users');
    expect(users.rows).toHaveLength(ROWS);
    console.info(
      `1M rows: reopen ${Math.round(reopenMs)} ms, checkpoint ${(first.size / 2 ** 20).toFixed(1)} MiB in ${first.batches.length} batch files`,
    );
  }, 180_000);

  it("consecutive checkpoints after small steps share at least 90% of the earlier one's bytes", async () => {
    expect(engine).toBeDefined();
    let previous = first;
    let worst = 1;
    for (let round = 0; round < 15; round += 1) {
      const base = ROWS + round * 500;
      const insert: unknown[] = [];
      for (let i = base; i < base + 500; i += 1) insert.push(row(i));
      await engine!.ingest({ tables: { users: { insert, delete: [row(round)] } } });
      const next = await engine!.checkpoint();
      const sizes = await batchBytes(
        dir,
        previous.batches.filter((b) => next.batches.includes(b)),
      );
      const shared = [...sizes.values()].reduce((a, b) => a + b, 0);
      const ratio = shared / previous.size;
      worst = Math.min(worst, ratio);
      expect(ratio, `round ${round}`).toBeGreaterThanOrEqual(0.9);
      expect(next.batches.length).toBeLessThanOrEqual(2 * DEFAULT_MERGE_POLICY.maxBatches);
      previous = next;
    }
    console.info(
      `shared bytes between consecutive checkpoints: worst ${(worst * 100).toFixed(2)}% over 15 small steps`,
    );
  }, 120_000);

  it('copying only the files the checkpoint names into an empty directory reopens identically', async () => {
    await engine!.close();
    engine = undefined;
    const state = JSON.parse(await readFile(join(dir, 'state.json'), 'utf8')) as {
      uuid: string;
      table_hashes: Record<string, string>;
    };
    const deps = JSON.parse(await readFile(join(dir, state.uuid, 'dependencies.json'), 'utf8')) as {
      batches: string[];
    };
    const copy = await tempDir('engine-1m-copy-');
    try {
      for (const file of deps.batches) await cp(join(dir, file), join(copy.path, file));
      await cp(join(dir, state.uuid), join(copy.path, state.uuid), { recursive: true });
      await cp(join(dir, 'checkpoints.feldera'), join(copy.path, 'checkpoints.feldera'));
      await cp(join(dir, 'state.json'), join(copy.path, 'state.json'));
      engine = await openReferenceEngine(copy.path);
      expect(await engine.tableHashes()).toEqual(state.table_hashes);
      await engine.close();
      engine = undefined;
    } finally {
      await copy.cleanup();
    }
  }, 120_000);
});
