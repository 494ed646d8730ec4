import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  FELDERA_FIXTURE,
  copyFelderaFixture,
  felderaRestoreCheck,
  generateStorageDir,
} from '@feldera-sync/test-utils';
import {
  hashFile,
  inspectLocalCheckpoint,
  fsyncDir,
  latestCompleteCheckpoint,
  listLocalCheckpoints,
  planLocalGc,
  readActivationMarker,
  readLocalCatalog,
  readRootState,
  writeActivationMarker,
  writeLocalCatalog,
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

describe("against the hand-written fixture of Feldera's layout", () => {
  it('reads every form: V1, V2 without state_files, complete V2, and the commit window', async () => {
    await copyFelderaFixture(dir);
    const list = await listLocalCheckpoints(dir);
    expect(list.map((c) => [c.entry.uuid, c.complete, c.problem])).toEqual([
      [FELDERA_FIXTURE.v1, true, null],
      [FELDERA_FIXTURE.v2NoStateFiles, true, null],
      [FELDERA_FIXTURE.complete, true, null],
      [FELDERA_FIXTURE.commitWindow, false, null],
    ]);
    expect(list[3]!.missing).toEqual([`${FELDERA_FIXTURE.commitWindow}/state.json`]);
    expect(list.every((c) => c.entry.fingerprint === FELDERA_FIXTURE.fingerprint)).toBe(true);
    expect((await latestCompleteCheckpoint(dir))?.uuid).toBe(FELDERA_FIXTURE.complete);
    const c = await inspectLocalCheckpoint(dir, FELDERA_FIXTURE.complete);
    expect(c.deps).toEqual({
      batches: [
        'w0-01937f85-b790-7e03-8c30-333333333333.feldera',
        'w1-01937f84-cd30-7e02-8b20-222222222222.feldera',
      ],
      state_files: ['CHECKPOINT', 'pspine-0.dat', 'z1-1.dat'],
    });
    expect(c.files).toEqual(
      ['CHECKPOINT', 'dependencies.json', 'pspine-0.dat', 'state.json', 'z1-1.dat'].map(
        (n) => `${FELDERA_FIXTURE.complete}/${n}`,
      ),
    );
    expect((await inspectLocalCheckpoint(dir, FELDERA_FIXTURE.v1)).deps?.state_files).toEqual([]);
  });

  it("local GC keeps Feldera's root entries and the commit-window entry; Feldera still accepts the result", async () => {
    await copyFelderaFixture(dir);
    const plan = planLocalGc(await listLocalCheckpoints(dir), []);
    expect(plan.keep.map((e) => e.uuid)).toEqual([
      FELDERA_FIXTURE.v2NoStateFiles,
      FELDERA_FIXTURE.complete,
      FELDERA_FIXTURE.commitWindow,
    ]);
    expect(plan.deleteDirs).toEqual([FELDERA_FIXTURE.v1]);
    // w0-…1111 is shared with B, which stays.
    expect(plan.deleteFiles).toEqual([]);
    await writeLocalCatalog(dir, plan.catalog);
    for (const d of plan.deleteDirs) await rm(join(dir, d), { recursive: true });
    await fsyncDir(dir);
    expect(await felderaRestoreCheck(dir)).toMatchObject({
      ok: true,
      resumesFrom: FELDERA_FIXTURE.complete,
      wouldRemove: [],
    });
  });

  it("an activation marker written here is Feldera's form", async () => {
    await copyFelderaFixture(dir);
    const entry = (await readLocalCatalog(dir))[2]!;
    await writeActivationMarker(dir, entry);
    expect((await readActivationMarker(dir))?.entry).toEqual(entry);
    expect(await felderaRestoreCheck(dir)).toMatchObject({ ok: true, problems: [] });
  });
});
