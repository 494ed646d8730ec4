import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { generateStorageDir } from '@feldera-sync/test-utils';
import {
  hashFile,
  inspectLocalCheckpoint,
  latestCompleteCheckpoint,
  listLocalCheckpoints,
  planLocalGc,
  readLocalCatalog,
  readRootState,
} from './index.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ckpt-gen-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('against the independent storage generator', () => {
  it('reads a generated storage directory exactly as it was described', async () => {
    const g = await generateStorageDir(dir, {
      seed: 11,
      checkpoints: 4,
      batchSize: { min: 4096, max: 64 * 1024 },
    });
    const catalog = await readLocalCatalog(dir);
    expect(catalog.map((e) => [e.uuid, e.fingerprint, e.steps, e.size])).toEqual(
      g.checkpoints.map((c) => [c.uuid, c.fingerprint, c.steps, c.size]),
    );
    for (const c of g.checkpoints) {
      const found = await inspectLocalCheckpoint(dir, c.uuid);
      expect(found.complete).toBe(true);
      expect(found.files).toEqual(c.files.map((f) => f.path));
      expect(found.deps).toEqual({ batches: c.batches, state_files: c.stateFiles });
      expect(found.shared.map((s) => s.path)).toEqual(c.batches);
    }
    expect((await latestCompleteCheckpoint(dir))?.uuid).toBe(g.checkpoints.at(-1)!.uuid);
    expect(await readRootState(dir)).toEqual(g.checkpoints.at(-1)!.state);
    const batch = g.batchFiles[0]!;
    expect(await hashFile(join(dir, batch.path))).toEqual({
      size: batch.size,
      sha256: batch.sha256,
    });
  });

  it('local GC of a generated directory keeps the newest two and everything they need', async () => {
    const g = await generateStorageDir(dir, { seed: 5, checkpoints: 5, retiredPerCheckpoint: 1 });
    const plan = planLocalGc(await listLocalCheckpoints(dir), []);
    expect(plan.keep.map((e) => e.uuid)).toEqual(g.checkpoints.slice(-2).map((c) => c.uuid));
    const needed = new Set(g.checkpoints.slice(-2).flatMap((c) => c.batches));
    for (const f of plan.deleteFiles) expect(needed.has(f)).toBe(false);
    expect(plan.deleteFiles.length).toBeGreaterThan(0);
  });

  it('an unfinished last checkpoint is neither listed nor the latest; legacy dependencies are read', async () => {
    const g = await generateStorageDir(dir, {
      seed: 9,
      checkpoints: 3,
      incompleteLast: true,
      legacyDependencies: true,
    });
    expect((await readLocalCatalog(dir)).length).toBe(2);
    expect((await latestCompleteCheckpoint(dir))?.uuid).toBe(g.checkpoints[1]!.uuid);
    const last = await inspectLocalCheckpoint(dir, g.checkpoints[2]!.uuid);
    expect(last).toMatchObject({
      complete: false,
      missing: [`${g.checkpoints[2]!.uuid}/state.json`],
    });
    expect(last.deps).toEqual({ batches: g.checkpoints[2]!.batches, state_files: [] });
  });
});
