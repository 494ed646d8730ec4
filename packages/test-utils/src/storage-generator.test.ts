import { createHash } from 'node:crypto';
import { mkdtemp, readFile, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
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
    expect(JSON.parse(await readFile(join(d, 'state.json'), 'utf8'))).toEqual(c3!.state);
    expect(await readdir(join(d, c1!.uuid))).toEqual(
      expect.arrayContaining(['CHECKPOINT', 'dependencies.json', 'state.json', 'pspine-0.dat']),
    );
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
