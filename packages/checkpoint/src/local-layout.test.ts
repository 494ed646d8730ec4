import { mkdtemp, mkdir, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { hasErrorCode } from '@feldera-sync/errors';
import {
  ERR_CHECKPOINT_CATALOG_CORRUPT,
  ERR_CHECKPOINT_CATALOG_MISSING,
  ERR_CHECKPOINT_DEPENDENCIES_CORRUPT,
  ERR_CHECKPOINT_INVALID_UUID,
  appendToLocalCatalog,
  checkpointPaths,
  createCheckpointDir,
  inspectLocalCheckpoint,
  latestCompleteCheckpoint,
  listLocalCheckpoints,
  readActivationMarker,
  readCheckpointState,
  readDependencies,
  readLocalCatalog,
  readRootState,
  removeActivationMarker,
  uuidv7,
  writeActivationMarker,
  writeCheckpointState,
  writeDependencies,
  writeFileAtomic,
  writeLocalCatalog,
  writeRootState,
} from './index.js';
import type { CatalogEntry } from './index.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ckpt-local-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const entry = (uuid: string, fingerprint = 1n): CatalogEntry => ({
  uuid,
  identifier: null,
  fingerprint,
  size: 10,
  steps: 2,
  processed_records: 3,
});

async function expectCode(p: Promise<unknown>, code: string, mention?: string): Promise<void> {
  const err: unknown = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(hasErrorCode(err, code), `expected ${code}, got ${String(err)}`).toBe(true);
  if (mention) expect((err as Error).message).toContain(mention);
}

/** Writes a complete checkpoint the way the engine does. */
async function writeCheckpoint(uuid: string, batches: string[]): Promise<void> {
  await createCheckpointDir(dir, uuid);
  for (const b of batches) await writeFile(join(dir, b), 'batch ' + b);
  await writeFile(join(dir, uuid, 'spine-0.dat'), 'spine');
  await writeDependencies(dir, uuid, { batches, state_files: [`${uuid}/spine-0.dat`] });
  await writeCheckpointState(dir, uuid, { step: 1, big: 2n ** 60n });
  await appendToLocalCatalog(dir, entry(uuid));
  await writeRootState(dir, await readFile(checkpointPaths(dir, uuid).state));
}

describe('local catalog', () => {
  it('is empty when missing and no checkpoint directories exist, and is not created', async () => {
    expect(await readLocalCatalog(dir)).toEqual([]);
    expect(await readLocalCatalog(join(dir, 'nope'))).toEqual([]);
    expect(await readdir(dir)).toEqual([]);
  });

  it('refuses a missing catalog while checkpoint directories exist, naming the file', async () => {
    await mkdir(join(dir, uuidv7()));
    await expectCode(readLocalCatalog(dir), ERR_CHECKPOINT_CATALOG_MISSING, 'checkpoints.feldera');
    expect((await readdir(dir)).includes('checkpoints.feldera')).toBe(false);
  });

  it('reports a truncated catalog with the file name', async () => {
    await writeLocalCatalog(dir, [entry(uuidv7())]);
    const text = await readFile(join(dir, 'checkpoints.feldera'), 'utf8');
    await writeFile(join(dir, 'checkpoints.feldera'), text.slice(0, text.length / 2));
    await expectCode(
      readLocalCatalog(dir),
      ERR_CHECKPOINT_CATALOG_CORRUPT,
      join(dir, 'checkpoints.feldera'),
    );
  });

  it('writes atomically and leaves no .mut behind; round-trips a fingerprint above 2^53', async () => {
    const e = entry(uuidv7(), 2n ** 64n - 1n);
    await writeLocalCatalog(dir, [e]);
    expect(await readdir(dir)).toEqual(['checkpoints.feldera']);
    expect(await readFile(join(dir, 'checkpoints.feldera'), 'utf8')).toContain(
      '"fingerprint": 18446744073709551615',
    );
    expect(await readLocalCatalog(dir)).toEqual([e]);
  });

  it('append keeps UUID order and replaces an entry with the same uuid', async () => {
    const [a, b, c] = [uuidv7(1000), uuidv7(2000), uuidv7(3000)];
    await appendToLocalCatalog(dir, entry(a));
    await appendToLocalCatalog(dir, entry(c));
    await appendToLocalCatalog(dir, entry(b));
    await appendToLocalCatalog(dir, { ...entry(b), steps: 99 });
    const got = await readLocalCatalog(dir);
    expect(got.map((x) => x.uuid)).toEqual([a, b, c]);
    expect(got[1]!.steps).toBe(99);
  });

  it('append refuses a missing catalog when other checkpoint directories exist', async () => {
    await mkdir(join(dir, uuidv7()));
    const mine = uuidv7();
    await mkdir(join(dir, mine));
    await expectCode(appendToLocalCatalog(dir, entry(mine)), ERR_CHECKPOINT_CATALOG_MISSING);
  });
});

describe('checkpoints', () => {
  it('a checkpoint written like the engine does is complete and the newest', async () => {
    const [u1, u2] = [uuidv7(), uuidv7()];
    const [b1, b2] = [`w0-${uuidv7()}.feldera`, `w0-${uuidv7()}.feldera`];
    await writeCheckpoint(u1, [b1]);
    await writeCheckpoint(u2, [b1, b2]);
    const inspected = await inspectLocalCheckpoint(dir, u2);
    expect(inspected).toMatchObject({ complete: true, missing: [] });
    expect(inspected.files).toEqual([
      `${u2}/CHECKPOINT`,
      `${u2}/dependencies.json`,
      `${u2}/spine-0.dat`,
      `${u2}/state.json`,
    ]);
    expect(inspected.shared.map((s) => s.path)).toEqual([b1, b2]);
    expect((await latestCompleteCheckpoint(dir))?.uuid).toBe(u2);
    expect(await readCheckpointState(dir, u2)).toEqual({ step: 1, big: 2n ** 60n });
    expect(await readRootState(dir)).toEqual({ step: 1, big: 2n ** 60n });

    await rm(join(dir, b2));
    const list = await listLocalCheckpoints(dir);
    expect(list.map((c) => [c.entry.uuid, c.complete])).toEqual([
      [u1, true],
      [u2, false],
    ]);
    expect(list[1]!.missing).toEqual([b2]);
    expect((await latestCompleteCheckpoint(dir))?.uuid).toBe(u1);
  });

  it('without state.json a checkpoint is incomplete', async () => {
    const u = uuidv7();
    await createCheckpointDir(dir, u);
    await writeDependencies(dir, u, { batches: [], state_files: [] });
    expect(await inspectLocalCheckpoint(dir, u)).toMatchObject({
      complete: false,
      missing: [`${u}/state.json`],
    });
    expect(await readCheckpointState(dir, u)).toBeNull();
  });

  it('reads the legacy bare-array dependencies form', async () => {
    const u = uuidv7();
    await createCheckpointDir(dir, u);
    await writeFile(checkpointPaths(dir, u).dependencies, '["w0-x.feldera"]');
    expect(await readDependencies(dir, u)).toEqual({ batches: ['w0-x.feldera'], state_files: [] });
  });

  it('a corrupt dependencies.json is a typed error from inspect and a problem in the listing', async () => {
    const u = uuidv7();
    await writeCheckpoint(u, []);
    await writeFile(checkpointPaths(dir, u).dependencies, '{"batches": [');
    await expectCode(
      inspectLocalCheckpoint(dir, u),
      ERR_CHECKPOINT_DEPENDENCIES_CORRUPT,
      'dependencies.json',
    );
    const [status] = await listLocalCheckpoints(dir);
    expect(status!.complete).toBe(false);
    expect(status!.problem).toContain('dependencies.json');
  });

  it('rejects a non-UUID checkpoint id before touching the filesystem', () => {
    expect(() => checkpointPaths(dir, '../etc')).toThrow(
      expect.objectContaining({ code: ERR_CHECKPOINT_INVALID_UUID }),
    );
  });
});

describe('files', () => {
  it('writeFileAtomic replaces content and removes the .mut file', async () => {
    const p = join(dir, 'f');
    await writeFileAtomic(p, 'one');
    await writeFileAtomic(p, new TextEncoder().encode('two'));
    expect(await readFile(p, 'utf8')).toBe('two');
    expect(await readdir(dir)).toEqual(['f']);
  });

  it('honours an aborted signal before writing', async () => {
    const ac = new AbortController();
    ac.abort();
    await expectCode(writeFileAtomic(join(dir, 'f'), 'x', { signal: ac.signal }), 'ERR_ABORTED');
    expect(await readdir(dir)).toEqual([]);
  });

  it('activation marker round-trips, counts when unreadable, and can be removed', async () => {
    expect(await readActivationMarker(dir)).toBeNull();
    await writeActivationMarker(dir, {
      activated_at: '2025-01-01T00:00:00.000Z',
      checkpoint: null,
    });
    expect(await readActivationMarker(dir)).toEqual({
      activated_at: '2025-01-01T00:00:00.000Z',
      checkpoint: null,
    });
    await writeFile(join(dir, 'activated.feldera'), '');
    expect(await readActivationMarker(dir)).toEqual({ activated_at: null, checkpoint: null });
    await removeActivationMarker(dir);
    await removeActivationMarker(dir);
    expect(await readActivationMarker(dir)).toBeNull();
  });
});
