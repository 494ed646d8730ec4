import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readFile, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { felderaRestoreCheck } from './feldera-restore-check.js';
import { generateStorageDir } from './storage-generator.js';

const dirs: string[] = [];
async function tmp(): Promise<string> {
  const d = await mkdtemp(join(tmpdir(), 'gen-'));
  dirs.push(d);
  return d;
}
afterEach(async () => {
  await Promise.all(dirs.splice(0).map((d) => rm(d, { recursive: true, force: true })));
});

describe('generateStorageDir', () => {
  it('is deterministic from the seed and describes exactly what it wrote', async () => {
    const [a, b] = [await tmp(), await tmp()];
    const opts = { seed: 42, checkpoints: 3, batchSize: { min: 4096, max: 20_000 } };
    const ga = await generateStorageDir(a, opts);
    const gb = await generateStorageDir(b, opts);
    expect(ga.files).toEqual(gb.files);
    expect(ga.checkpoints.map((c) => c.uuid)).toEqual(gb.checkpoints.map((c) => c.uuid));
    for (const f of ga.files) {
      const body = await readFile(join(a, f.path));
      expect(body.byteLength).toBe(f.size);
      expect(createHash('sha256').update(body).digest('hex')).toBe(f.sha256);
    }
    const other = await generateStorageDir(await tmp(), { ...opts, seed: 43 });
    expect(other.checkpoints[0]!.uuid).not.toBe(ga.checkpoints[0]!.uuid);
  });

  it('writes the Feldera layout with batches shared by consecutive checkpoints', async () => {
    const d = await tmp();
    const g = await generateStorageDir(d, { seed: 1, checkpoints: 3 });
    const [c1, c2, c3] = g.checkpoints;
    expect(c2!.batches.some((b) => c1!.batches.includes(b))).toBe(true);
    expect(c3!.batches.some((b) => c2!.batches.includes(b))).toBe(true);
    const catalogText = await readFile(join(d, 'checkpoints.feldera'), 'utf8');
    expect(catalogText).toContain('"fingerprint":18446744073709551615');
    const root = (await readdir(d)).sort();
    expect(root).toContain('state.json');
    const rootText = await readFile(join(d, 'state.json'), 'utf8');
    expect(rootText).toBe(await readFile(join(d, c3!.uuid, 'state.json'), 'utf8'));
    expect(rootText).toContain(`"circuit":{"uuid":"${c3!.uuid}"`);
    expect(rootText).toContain('"fingerprint":18446744073709551615,');
    expect((await readdir(join(d, c1!.uuid))).sort()).toEqual([
      'CHECKPOINT',
      'dependencies.json',
      'pspine-0.dat',
      'pspine-1.dat',
      'state.json',
    ]);
    // Feldera's own form: bare names, the marker included, dependencies.json and state.json not.
    expect(await readFile(join(d, c1!.uuid, 'dependencies.json'), 'utf8')).toBe(
      JSON.stringify({
        batches: c1!.batches,
        state_files: ['CHECKPOINT', 'pspine-0.dat', 'pspine-1.dat'],
      }),
    );
    expect(await felderaRestoreCheck(d)).toEqual({
      ok: true,
      problems: [],
      resumesFrom: c3!.uuid,
      wouldRemove: [],
    });
  });

  it("can stop the last checkpoint in Feldera's commit window: catalogued, no state.json yet", async () => {
    const d = await tmp();
    const g = await generateStorageDir(d, {
      seed: 9,
      checkpoints: 2,
      commitWindowLast: true,
      felderaRootEntries: true,
    });
    const [c1, c2] = g.checkpoints;
    expect(c2).toMatchObject({ catalogued: true, complete: false, state: null });
    expect(await readFile(join(d, 'checkpoints.feldera'), 'utf8')).toContain(c2!.uuid);
    expect(await readdir(join(d, c2!.uuid))).not.toContain('state.json');
    const check = await felderaRestoreCheck(d);
    expect(check).toMatchObject({ ok: true, resumesFrom: c1!.uuid, wouldRemove: [] });
  });

  it('the restore check fails when a listed state file or a batch is missing, and names leftovers', async () => {
    const d = await tmp();
    const g = await generateStorageDir(d, { seed: 11, checkpoints: 2, omitStateFiles: false });
    const c2 = g.checkpoints[1]!;
    await rm(join(d, c2.uuid, 'pspine-1.dat'));
    const own = c2.batches.at(-1)!;
    expect(g.checkpoints[0]!.batches).not.toContain(own);
    await rm(join(d, own));
    await mkdir(join(d, '.sync-staging'));
    const check = await felderaRestoreCheck(d);
    expect(check.ok).toBe(false);
    expect(check.problems).toEqual([
      `checkpoint ${c2.uuid} needs missing file: ${own}`,
      `checkpoint state files missing from checkpoint dir: ${c2.uuid}: pspine-1.dat`,
    ]);
    expect(check.wouldRemove).toEqual(['.sync-staging']);
  });

  it('writes V2 without state_files when asked', async () => {
    const d = await tmp();
    const g = await generateStorageDir(d, { seed: 12, checkpoints: 1, omitStateFiles: true });
    const c = g.checkpoints[0]!;
    expect(JSON.parse(await readFile(join(d, c.uuid, 'dependencies.json'), 'utf8'))).toEqual({
      batches: c.batches,
    });
  });

  it('writes large files in chunks', async () => {
    const d = await tmp();
    const g = await generateStorageDir(d, {
      seed: 7,
      checkpoints: 1,
      batchesPerCheckpoint: 1,
      batchSize: 3 * 1024 * 1024 + 5,
    });
    expect((await stat(join(d, g.batchFiles[0]!.path))).size).toBe(3 * 1024 * 1024 + 5);
  });

  it('can leave the last checkpoint incomplete and out of the catalog', async () => {
    const d = await tmp();
    const g = await generateStorageDir(d, {
      seed: 3,
      checkpoints: 2,
      incompleteLast: true,
      legacyDependencies: true,
    });
    const last = g.checkpoints[1]!;
    expect(last.complete).toBe(false);
    expect(await readFile(join(d, 'checkpoints.feldera'), 'utf8')).not.toContain(last.uuid);
    expect(JSON.parse(await readFile(join(d, last.uuid, 'dependencies.json'), 'utf8'))).toEqual(
      last.batches,
    );
  });
});
