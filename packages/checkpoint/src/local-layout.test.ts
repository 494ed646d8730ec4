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
  commitCheckpointFiles,
  createCheckpointDir,
  inspectLocalCheckpoint,
  latestCompleteCheckpoint,
  listLocalCheckpoints,
  ACTIVATION_INTENT_FILE,
  FELDERA_KEPT_ROOT_ENTRIES,
  readActivationIntent,
  readActivationMarker,
  readCheckpointState,
  readDependencies,
  readLocalCatalog,
  readRootState,
  removeActivationIntent,
  removeActivationMarker,
  uuidv7,
  writeActivationIntent,
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

/** Writes a complete checkpoint in Feldera's order: files, commit bookkeeping, catalog, state. */
async function writeCheckpoint(uuid: string, batches: string[]): Promise<void> {
  for (const b of batches) await writeFile(join(dir, b), 'batch ' + b);
  await mkdir(join(dir, uuid));
  await writeFile(join(dir, uuid, 'spine-0.dat'), 'spine');
  await commitCheckpointFiles(dir, uuid, batches);
  await appendToLocalCatalog(dir, entry(uuid));
  await writeCheckpointState(dir, uuid, { step: 1, big: 2n ** 60n });
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
      '"fingerprint":18446744073709551615',
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

  it('commitCheckpointFiles writes what Feldera commit() writes: marker, sorted bare state_files, size', async () => {
    const u = uuidv7();
    const b = `w0-${uuidv7()}.feldera`;
    await mkdir(join(dir, u));
    await writeFile(join(dir, u, 'z1-b.dat'), 'zz');
    await writeFile(join(dir, u, 'pspine-0-a.dat'), 'pp');
    await mkdir(join(dir, u, 'sub'));
    const { deps, size } = await commitCheckpointFiles(dir, u, [b]);
    expect(deps).toEqual({
      batches: [b],
      state_files: ['CHECKPOINT', 'pspine-0-a.dat', 'z1-b.dat'],
    });
    const text = await readFile(checkpointPaths(dir, u).dependencies, 'utf8');
    expect(text).toBe(
      `{"batches":["${b}"],"state_files":["CHECKPOINT","pspine-0-a.dat","z1-b.dat"]}`,
    );
    expect(size).toBe(4 + Buffer.byteLength(text));
    expect(await readFile(checkpointPaths(dir, u).marker, 'utf8')).toBe('');
  });

  it('a listed state file that is missing makes the checkpoint incomplete, as Feldera refuses to restore it', async () => {
    const u = uuidv7();
    await writeCheckpoint(u, []);
    await rm(join(dir, u, 'CHECKPOINT'));
    const found = await inspectLocalCheckpoint(dir, u);
    expect(found).toMatchObject({ complete: false, missing: [`${u}/CHECKPOINT`] });
  });

  it("a catalog entry whose state.json is not yet written (Feldera's commit window) is incomplete", async () => {
    const u = uuidv7();
    await mkdir(join(dir, u));
    await commitCheckpointFiles(dir, u, []);
    await appendToLocalCatalog(dir, entry(u));
    const [status] = await listLocalCheckpoints(dir);
    expect(status).toMatchObject({ complete: false, missing: [`${u}/state.json`] });
    expect(await latestCompleteCheckpoint(dir)).toBeNull();
  });

  it("without dependencies.json, batches come from Feldera's legacy pspine-batches files", async () => {
    const u = uuidv7();
    const [b1, b2] = [`w0-${uuidv7()}.feldera`, `w1-${uuidv7()}.feldera`];
    await writeFile(join(dir, b1), 'one');
    await mkdir(join(dir, u));
    await writeFile(join(dir, u, 'pspine-batches-trace.dat'), JSON.stringify({ files: [b1, b2] }));
    await writeCheckpointState(dir, u, { step: 1 });
    const found = await inspectLocalCheckpoint(dir, u);
    expect(found).toMatchObject({ depsSource: 'pspine-batches', complete: false, missing: [b2] });
    expect(found.deps).toEqual({ batches: [b1, b2].sort(), state_files: [] });
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

  it("activation marker is Feldera's Option<CheckpointMetadata>, counts when unreadable, and can be removed", async () => {
    expect(await readActivationMarker(dir)).toBeNull();
    const e = entry(uuidv7(), 2n ** 64n - 1n);
    await writeActivationMarker(dir, e);
    expect(await readFile(join(dir, 'activated.feldera'), 'utf8')).toBe(
      `{"uuid":"${e.uuid}","identifier":null,"fingerprint":18446744073709551615,"size":10,"steps":2,"processed_records":3}`,
    );
    expect(await readActivationMarker(dir)).toEqual({ checkpoint: e.uuid, entry: e });
    await writeActivationMarker(dir, null);
    expect(await readFile(join(dir, 'activated.feldera'), 'utf8')).toBe('null');
    expect(await readActivationMarker(dir)).toEqual({ checkpoint: null, entry: null });
    await writeFile(join(dir, 'activated.feldera'), '{"activated_at":"x","checkpoint":"c"}');
    expect(await readActivationMarker(dir)).toEqual({ checkpoint: 'c', entry: null });
    await writeFile(join(dir, 'activated.feldera'), '');
    expect(await readActivationMarker(dir)).toEqual({ checkpoint: null, entry: null });
    await removeActivationMarker(dir);
    await removeActivationMarker(dir);
    expect(await readActivationMarker(dir)).toBeNull();
  });

  it('activation intent: written durably, read leniently (presence counts), removed; a name Feldera keeps and never collects', async () => {
    expect(await readActivationIntent(dir)).toBeNull();
    const uuid = uuidv7();
    const intent = {
      checkpoint: uuid,
      pipelineName: 'pipeline-0190a5b2-7c4d-7e8f-9a0b-1c2d3e4f5a6b',
      givenName: 'orders-b',
      recordedAt: '2025-01-01T00:00:00.000Z',
    };
    await writeActivationIntent(dir, intent);
    expect(await readdir(dir)).toEqual([ACTIVATION_INTENT_FILE]);
    expect(await readActivationIntent(dir)).toEqual(intent);
    await writeFile(join(dir, ACTIVATION_INTENT_FILE), '{"checkpoint":"../x","pipeline_name":7');
    expect(await readActivationIntent(dir)).toEqual({
      checkpoint: null,
      pipelineName: null,
      givenName: null,
      recordedAt: null,
    });
    await removeActivationIntent(dir);
    await removeActivationIntent(dir);
    expect(await readActivationIntent(dir)).toBeNull();
    // Feldera's startup GC removes *.feldera / *.mut files and unknown directories: the intent is none.
    expect(ACTIVATION_INTENT_FILE).not.toMatch(/\.(feldera|mut)$/);
    expect(FELDERA_KEPT_ROOT_ENTRIES).not.toContain(ACTIVATION_INTENT_FILE);
  });
});
