import { cp as copyPath, mkdir, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SimulatedClock } from '@feldera-sync/clock';
import { hasErrorCode } from '@feldera-sync/errors';
import {
  appendToLocalCatalog,
  createCheckpointDir,
  readLocalCatalog,
  uuidv7,
} from '@feldera-sync/checkpoint';
import { felderaRestoreCheck } from '@feldera-sync/test-utils';
import { EngineErrorCodes, createReferenceEngine, openReferenceEngine } from '../src/index.js';
import type { Engine } from '../src/index.js';
import { listRoot, tempDir } from './helpers.js';

let dir: string;
let cleanup: () => Promise<void>;
const engines: Engine[] = [];

beforeEach(async () => {
  ({ path: dir, cleanup } = await tempDir());
});

afterEach(async () => {
  for (const engine of engines.splice(0)) await engine.close();
  await cleanup();
});

async function openEngine(
  path = dir,
  options: Parameters<typeof openReferenceEngine>[1] = {},
): Promise<Engine> {
  const engine = await openReferenceEngine(path, options);
  engines.push(engine);
  return engine;
}

describe('reference engine', () => {
  it('starts empty on a directory without state', async () => {
    const engine = await openEngine(dir, { tables: ['t'] });
    expect(engine.status()).toMatchObject({
      state: 'open',
      step: 0,
      processed_records: 0,
      lastCheckpoint: null,
      tables: ['t'],
    });
    expect((await engine.readTable('t')).rows).toEqual([]);
  });

  it('keeps multiset rows in canonical order and exposes only positive weights', async () => {
    const engine = await openEngine();
    await engine.ingest({
      tables: { t: { insert: [{ b: 1, a: 2 }, { a: 2, b: 1 }, 'x', 3], delete: ['ghost'] } },
    });
    const step = await engine.ingest({ tables: { t: { delete: [{ a: 2, b: 1 }, 3] } } });
    expect(step).toEqual({ step: 2, records: 2, processed_records: 7 });
    const snapshot = await engine.readTable('t');
    expect(snapshot.rows).toEqual(['x', { a: 2, b: 1 }]);
    // The -1 weight of 'ghost' is state: inserting it once cancels it, and the hash sees it.
    const before = snapshot.hash;
    await engine.ingest({ tables: { t: { insert: ['ghost'] } } });
    const after = await engine.readTable('t');
    expect(after.rows).toEqual(['x', { a: 2, b: 1 }]);
    expect(after.hash).not.toBe(before);
  });

  it('rejects a bad row or table name without applying any of the step', async () => {
    const engine = await openEngine();
    await expect(engine.ingest({ tables: { t: { insert: [1, Number.NaN] } } })).rejects.toSatisfy(
      (e) => hasErrorCode(e, EngineErrorCodes.INVALID_ROW),
    );
    await expect(engine.ingest({ tables: { 'a/../b': { insert: [1] } } })).rejects.toSatisfy((e) =>
      hasErrorCode(e, EngineErrorCodes.INVALID_TABLE),
    );
    expect(engine.status().step).toBe(0);
    await expect(engine.readTable('t')).rejects.toSatisfy((e) =>
      hasErrorCode(e, EngineErrorCodes.UNKNOWN_TABLE),
    );
  });

  it('writes a Feldera-layout checkpoint and resumes from it', async () => {
    const engine = await openEngine();
    await engine.ingest({
      tables: { a: { insert: [1, 2, 3] }, b: { insert: ['x'] } },
      offsets: { kafka: { p0: 17 } },
    });
    const cp = await engine.checkpoint();
    const root = await listRoot(dir);
    expect(root).toContain('checkpoints.feldera');
    expect(root).toContain('state.json');
    expect(root).toContain(cp.uuid);
    expect(root.filter((n) => /^w0-.*\.feldera$/.test(n))).toHaveLength(2);
    expect((await readdir(join(dir, cp.uuid))).sort()).toEqual([
      'CHECKPOINT',
      'dependencies.json',
      'spine-a.json',
      'spine-b.json',
      'state.json',
    ]);
    const deps = JSON.parse(await readFile(join(dir, cp.uuid, 'dependencies.json'), 'utf8'));
    expect(deps).toEqual({
      batches: cp.batches,
      state_files: ['CHECKPOINT', 'spine-a.json', 'spine-b.json'],
    });
    const state = JSON.parse(await readFile(join(dir, 'state.json'), 'utf8'));
    expect(state).toMatchObject({
      uuid: cp.uuid,
      step: 1,
      processed_records: 4,
      input_offsets: { kafka: { p0: 17 } },
    });
    expect(await readFile(join(dir, cp.uuid, 'state.json'), 'utf8')).toBe(
      await readFile(join(dir, 'state.json'), 'utf8'),
    );
    // What Feldera would make of it: restorable, resuming from this checkpoint, nothing to clean.
    expect(await felderaRestoreCheck(dir)).toEqual({
      ok: true,
      problems: [],
      resumesFrom: cp.uuid,
      wouldRemove: [],
    });
    const catalog = await readLocalCatalog(dir);
    expect(catalog).toEqual([
      {
        uuid: cp.uuid,
        identifier: null,
        fingerprint: 0n,
        size: cp.size,
        steps: 1,
        processed_records: 4,
      },
    ]);
    const hashes = await engine.tableHashes();
    expect(cp.table_hashes).toEqual(hashes);
    await engine.ingest({ tables: { a: { insert: [99] } } });
    await engine.close();

    const reopened = await openEngine();
    expect(reopened.status()).toMatchObject({
      step: 1,
      processed_records: 4,
      lastCheckpoint: { uuid: cp.uuid, step: 1 },
    });
    expect(await reopened.tableHashes()).toEqual(hashes);
    expect((await reopened.readTable('a')).rows).toEqual([1, 2, 3]);
  });

  it('copying exactly the files a checkpoint names into an empty directory reopens identically', async () => {
    const engine = await openEngine(dir, { mergePolicy: { fanIn: 2, minRewriteBytes: 1 << 30 } });
    for (let i = 0; i < 20; i += 1)
      await engine.ingest({ tables: { t: { insert: [i, { i }] }, u: { insert: [`u${i}`] } } });
    const cp = await engine.checkpoint();
    const hashes = await engine.tableHashes();
    await engine.close();
    const copy = await tempDir();
    try {
      const deps = JSON.parse(await readFile(join(dir, cp.uuid, 'dependencies.json'), 'utf8')) as {
        batches: string[];
      };
      for (const file of deps.batches) await copyPath(join(dir, file), join(copy.path, file));
      await copyPath(join(dir, cp.uuid), join(copy.path, cp.uuid), { recursive: true });
      for (const file of ['checkpoints.feldera', 'state.json'])
        await copyPath(join(dir, file), join(copy.path, file));
      const reopened = await openEngine(copy.path);
      expect(await reopened.tableHashes()).toEqual(hashes);
      expect(reopened.status().step).toBe(20);
    } finally {
      await copy.cleanup();
    }
  });

  it('keeps the newest two checkpoints plus pinned ones and deletes batch files nobody needs', async () => {
    const pinnedByProvider = new Set<string>();
    const engine = await openEngine(dir, {
      pins: () => pinnedByProvider,
      mergePolicy: { fanIn: 2, minRewriteBytes: 1 << 30 },
    });
    const uuids: string[] = [];
    for (let i = 0; i < 3; i += 1) {
      await engine.ingest({ tables: { t: { insert: [i] } } });
      uuids.push((await engine.checkpoint()).uuid);
    }
    expect((await readLocalCatalog(dir)).map((e) => e.uuid)).toEqual(uuids.slice(1));
    engine.pin(uuids[1]!);
    pinnedByProvider.add(uuids[2]!);
    for (let i = 3; i < 6; i += 1) {
      await engine.ingest({ tables: { t: { insert: [i] } } });
      uuids.push((await engine.checkpoint()).uuid);
    }
    expect((await readLocalCatalog(dir)).map((e) => e.uuid)).toEqual([
      uuids[1],
      uuids[2],
      uuids[4],
      uuids[5],
    ]);
    const root = await listRoot(dir);
    expect(root.filter((n) => /^[0-9a-f-]{36}$/.test(n))).toEqual([
      uuids[1],
      uuids[2],
      uuids[4],
      uuids[5],
    ]);
    // Every batch file present is needed by a kept checkpoint, and every needed one is present.
    const needed = new Set<string>();
    for (const uuid of [uuids[1]!, uuids[2]!, uuids[4]!, uuids[5]!]) {
      const deps = JSON.parse(await readFile(join(dir, uuid, 'dependencies.json'), 'utf8')) as {
        batches: string[];
      };
      for (const b of deps.batches) needed.add(b);
    }
    expect(root.filter((n) => n.endsWith('.feldera') && n.startsWith('w'))).toEqual(
      [...needed].sort(),
    );
    engine.unpin(uuids[1]!);
    pinnedByProvider.clear();
    await engine.ingest({ tables: { t: { insert: [7] } } });
    uuids.push((await engine.checkpoint()).uuid);
    expect((await readLocalCatalog(dir)).map((e) => e.uuid)).toEqual(uuids.slice(-2));
    expect(engine.status().pinned).toEqual([]);
    expect(await felderaRestoreCheck(dir)).toEqual({
      ok: true,
      problems: [],
      resumesFrom: uuids.at(-1),
      wouldRemove: [],
    });
  });

  it('tables and input endpoints named __proto__, constructor and toString keep their rows across a checkpoint and reopen', async () => {
    const names = ['__proto__', 'constructor', 'toString'];
    const engine = await openEngine();
    // Built the way a parsed request body is: own properties, never a prototype change.
    const tables = JSON.parse(
      '{"__proto__": {"insert": [1, 2]}, "constructor": {"insert": [3, 4]}, "toString": {"insert": [5, 6]}}',
    ) as Record<string, { insert: number[] }>;
    const offsets = JSON.parse(
      '{"__proto__": {"p": 1}, "constructor": {"p": 2}, "toString": {"p": 3}}',
    ) as Record<string, { p: number }>;
    await engine.ingest({ tables, offsets });
    const before = await engine.tableHashes();
    expect(Object.keys(before).sort()).toEqual([...names].sort());
    await engine.checkpoint();
    await engine.close();
    const state = JSON.parse(await readFile(join(dir, 'state.json'), 'utf8')) as {
      input_offsets: Record<string, unknown>;
      table_entries: Record<string, number>;
    };
    for (const n of names) {
      expect(Object.hasOwn(state.table_entries, n), n).toBe(true);
      expect(Object.hasOwn(state.input_offsets, n), n).toBe(true);
    }
    const reopened = await openEngine();
    expect(await reopened.tableHashes()).toEqual(before);
    for (const n of names) expect((await reopened.readTable(n)).rows, n).toHaveLength(2);
    await reopened.close();
  });

  it('local GC never deletes what Feldera keeps or does not own: steps.bin, status.json, the pid lock, unknown files', async () => {
    const foreign = ['steps.bin', 'status.json', 'status.json.mut', 'feldera.pidlock', 'notes.txt'];
    for (const name of foreign) await writeFile(join(dir, name), name);
    for (const sub of ['datafusion-tmp', 'coordinator', '.sync-staging'])
      await mkdir(join(dir, sub, 'inner'), { recursive: true });
    const engine = await openEngine(dir, { mergePolicy: { fanIn: 2, minRewriteBytes: 1 << 30 } });
    for (let i = 0; i < 6; i += 1) {
      await engine.ingest({ tables: { t: { insert: [i] } } });
      await engine.checkpoint();
    }
    await engine.close();
    const root = await listRoot(dir);
    for (const name of [...foreign, 'datafusion-tmp', 'coordinator', '.sync-staging'])
      expect(root).toContain(name);
    for (const name of foreign) expect(await readFile(join(dir, name), 'utf8')).toBe(name);
    expect((await readLocalCatalog(dir)).length).toBe(2);
  });

  it("local GC follows the checkpoint package's plan: complete checkpoints count, a commit in progress is kept", async () => {
    const engine = await openEngine();
    const complete: string[] = [];
    for (let i = 0; i < 3; i++) {
      await engine.ingest({ tables: { t: { insert: [i] } } });
      complete.push((await engine.checkpoint()).uuid);
    }
    await engine.close();
    expect((await readLocalCatalog(dir)).map((e) => e.uuid)).toEqual(complete.slice(1));
    // A kill between the catalog append and <uuid>/state.json: a newer entry that is incomplete.
    const pending = uuidv7();
    await createCheckpointDir(dir, pending);
    await appendToLocalCatalog(dir, {
      uuid: pending,
      identifier: null,
      fingerprint: 0n,
      size: 0,
      steps: 9,
      processed_records: 9,
    });

    // Reopening keeps both complete checkpoints (an incomplete entry is not one of the newest two)
    // and the entry in its commit window.
    const reopened = await openEngine();
    expect((await readLocalCatalog(dir)).map((e) => e.uuid)).toEqual([
      ...complete.slice(1),
      pending,
    ]);
    expect(await listRoot(dir)).toContain(pending);

    // A newer complete checkpoint closes the window: the stale entry and the oldest checkpoint go.
    await reopened.ingest({ tables: { t: { insert: [9] } } });
    const next = (await reopened.checkpoint()).uuid;
    expect((await readLocalCatalog(dir)).map((e) => e.uuid)).toEqual([complete[2], next]);
    expect(await listRoot(dir)).not.toContain(pending);
    expect(await listRoot(dir)).not.toContain(complete[1]);
  });

  it('takes periodic checkpoints on the injected clock, only when there is something new', async () => {
    // A realistic epoch, so UUIDv7 timestamps look normal.
    const clock = new SimulatedClock(Date.UTC(2025, 0, 1));
    const engine = await openEngine(dir, { checkpointIntervalMs: 10_000, clock });
    await clock.advance(10_000);
    await engine.tableHashes(); // drains the queue
    expect(engine.status().lastCheckpoint).toBeNull();
    await engine.ingest({ tables: { t: { insert: [1] } } });
    await clock.advance(10_000);
    await engine.tableHashes();
    expect(engine.status().lastCheckpoint).toMatchObject({ step: 1 });
    await engine.close();
    expect(clock.pendingTimers).toBe(0);
  });

  it('fails to open a damaged storage directory with a typed error naming the file', async () => {
    const engine = await openEngine();
    await engine.ingest({ tables: { t: { insert: [1, 2] } } });
    const cp = await engine.checkpoint();
    await engine.close();

    await writeFile(join(dir, 'state.json'), '{"engine": "feldera-sync-refer');
    await expect(createReferenceEngine().open(dir)).rejects.toSatisfy(
      (e) =>
        hasErrorCode(e, EngineErrorCodes.CORRUPT_FILE) &&
        (e.details?.file as string) === 'state.json',
    );
    await copyPath(join(dir, cp.uuid, 'state.json'), join(dir, 'state.json'));

    const batch = cp.batches[0]!;
    const original = await readFile(join(dir, batch));
    await writeFile(join(dir, batch), original.subarray(0, original.length - 10));
    await expect(createReferenceEngine().open(dir)).rejects.toSatisfy(
      (e) => hasErrorCode(e, EngineErrorCodes.CORRUPT_FILE) && e.details?.file === batch,
    );
    await writeFile(
      join(dir, batch),
      Buffer.from(original.toString('utf8').replace('1 1\n', '1 7\n')),
    );
    await expect(createReferenceEngine().open(dir)).rejects.toSatisfy(
      (e) => hasErrorCode(e, EngineErrorCodes.CORRUPT_FILE) && e.details?.file === batch,
    );
    await rm(join(dir, batch));
    await expect(createReferenceEngine().open(dir)).rejects.toSatisfy(
      (e) => hasErrorCode(e, EngineErrorCodes.MISSING_FILE) && e.details?.file === batch,
    );
    await writeFile(join(dir, batch), original);
    await rm(join(dir, cp.uuid, 'spine-t.json'));
    await expect(createReferenceEngine().open(dir)).rejects.toSatisfy(
      (e) =>
        hasErrorCode(e, EngineErrorCodes.MISSING_FILE) &&
        e.details?.file === `${cp.uuid}/spine-t.json`,
    );
  });

  it('cleans crash debris on open: half-written checkpoint directories and orphan batch files', async () => {
    const engine = await openEngine();
    await engine.ingest({ tables: { t: { insert: [1] } } });
    const cp = await engine.checkpoint();
    await engine.ingest({ tables: { t: { insert: [2] } } });
    await engine.close();
    const orphan = '01900000-0000-7000-8000-000000000000';
    await mkdir(join(dir, orphan));
    await writeFile(join(dir, orphan, 'CHECKPOINT'), '');
    await writeFile(join(dir, `w0-${orphan}.feldera.mut`), 'partial');
    await openEngine();
    const root = await listRoot(dir);
    expect(root).toEqual([...cp.batches, cp.uuid, 'checkpoints.feldera', 'state.json'].sort());
  });

  it('refuses calls when not open and a second open', async () => {
    const engine = createReferenceEngine();
    await expect(engine.ingest({ tables: {} })).rejects.toSatisfy((e) =>
      hasErrorCode(e, EngineErrorCodes.NOT_OPEN),
    );
    await engine.open(dir);
    engines.push(engine);
    await expect(engine.open(dir)).rejects.toSatisfy((e) =>
      hasErrorCode(e, EngineErrorCodes.ALREADY_OPEN),
    );
  });
});
