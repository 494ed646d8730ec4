import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { SyncError } from '@feldera-sync/errors';
import {
  planLocalGc,
  planPull,
  planPush,
  planRetention,
  planSharedUploads,
  remoteKeys,
  resolveCheckpoint,
  selectRetained,
  uuidv7,
} from './index.js';
import type { CatalogEntry, LocalCheckpointStatus, Manifest, ManifestLookup } from './index.js';
import { NOW, batchesArb, entryFor, manifestFor, uuidv7Arb } from './test-support/arbitraries.js';

const catalogArb = (max = 15): fc.Arbitrary<CatalogEntry[]> =>
  fc
    .uniqueArray(uuidv7Arb(), { maxLength: max })
    .map((ids) => [...ids].sort().map((u) => entryFor(u)));

/** A remote catalog with a manifest per entry. */
const remoteArb = fc
  .uniqueArray(fc.tuple(uuidv7Arb(), batchesArb), { selector: ([u]) => u, maxLength: 12 })
  .map((rows) => {
    const sorted = [...rows].sort(([a], [b]) => (a < b ? -1 : 1));
    return {
      catalog: sorted.map(([u]) => entryFor(u)),
      manifests: sorted.map(([u, b]) => manifestFor(u, b)),
    };
  });

const lookups = (manifests: readonly Manifest[]): Map<string, ManifestLookup> =>
  new Map(manifests.map((m) => [m.uuid, { status: 'ok', manifest: m }]));

describe('resolveCheckpoint', () => {
  const sourcesArb = fc.record({
    local: catalogArb(4),
    bucket: fc.option(catalogArb(4), { nil: null }),
    readBucket: fc.option(catalogArb(4), { nil: null }),
  });

  it('is deterministic and prefers local, then bucket, then read_bucket', () => {
    fc.assert(
      fc.property(sourcesArb, fc.boolean(), fc.nat(), (s, latest, pick) => {
        const all = [...s.local, ...(s.bucket ?? []), ...(s.readBucket ?? [])];
        const spec = latest || all.length === 0 ? 'latest' : all[pick % all.length]!.uuid;
        const r = resolveCheckpoint({ spec, ...s });
        expect(resolveCheckpoint({ spec, ...s })).toEqual(r);
        const has = (c: CatalogEntry[] | null): boolean =>
          c !== null && (spec === 'latest' ? c.length > 0 : c.some((e) => e.uuid === spec));
        const expected = has(s.local)
          ? 'local'
          : has(s.bucket)
            ? 'bucket'
            : has(s.readBucket)
              ? 'read_bucket'
              : 'none';
        expect(r.kind === 'found' ? r.source : r.kind).toBe(expected);
        if (r.kind === 'found' && spec === 'latest') {
          const src =
            r.source === 'local' ? s.local : r.source === 'bucket' ? s.bucket! : s.readBucket!;
          expect(r.entry).toBe(src.at(-1));
        }
      }),
    );
  });

  it('asks for a remote catalog only when local storage has no hit', () => {
    const u = uuidv7();
    expect(resolveCheckpoint({ spec: 'latest', local: [entryFor(u)] })).toMatchObject({
      kind: 'found',
      source: 'local',
    });
    expect(resolveCheckpoint({ spec: 'latest', local: [] })).toMatchObject({
      kind: 'pending',
      need: 'bucket',
    });
    expect(resolveCheckpoint({ spec: u, local: [], bucket: [] })).toMatchObject({
      kind: 'pending',
      need: 'read_bucket',
    });
    const none = resolveCheckpoint({
      spec: u.toUpperCase(),
      local: [],
      bucket: [],
      readBucket: null,
    });
    expect(none.kind).toBe('none');
    expect(none.looked.map((l) => l.source)).toEqual(['local', 'bucket']);
    expect(resolveCheckpoint({ spec: 'newest', local: [entryFor(u)] })).toMatchObject({
      kind: 'none',
    });
  });
});

describe('planPush', () => {
  it('never re-sends an object the remote manifests hold, sends everything else, and commits in order', () => {
    fc.assert(
      fc.property(remoteArb, uuidv7Arb(), batchesArb, (remote, uuid, shared) => {
        const plan = planPush({ entry: entryFor(uuid), shared }, remote);
        const held = new Set(remote.manifests.flatMap((m) => m.objects.map((o) => o.key)));
        if (plan.alreadyCommitted) return;
        for (const k of plan.upload) expect(held.has(k)).toBe(false);
        expect([...plan.upload, ...plan.reuse].sort()).toEqual(shared.map((s) => s.path).sort());
        expect(plan.steps.map((s) => s.type).filter((t) => t !== 'upload-shared')).toEqual([
          'upload-zip',
          'put-manifest',
          'put-catalog',
        ]);
        expect(plan.catalog.map((e) => e.uuid)).toEqual(
          [...new Set([...remote.catalog.map((e) => e.uuid), uuid])].sort(),
        );
      }),
    );
  });

  it('is a no-op for a committed checkpoint and finishes an interrupted push without re-sending', () => {
    const b = [{ path: `w0-${uuidv7()}.feldera`, size: 5 }];
    const u = uuidv7();
    const m = manifestFor(u, b);
    expect(
      planPush({ entry: entryFor(u), shared: b }, { catalog: [entryFor(u)], manifests: [m] })
        .alreadyCommitted,
    ).toBe(true);
    // Manifest written, catalog not yet: only the commit steps remain, no batch re-sent.
    const again = planPush({ entry: entryFor(u), shared: b }, { catalog: [], manifests: [m] });
    expect(again.upload).toEqual([]);
    expect(again.steps.at(-1)).toMatchObject({ type: 'put-catalog' });
  });

  it('reports a same-named object of another size as a conflict instead of overwriting it', () => {
    const name = `w0-${uuidv7()}.feldera`;
    const plan = planPush(
      { entry: entryFor(uuidv7()), shared: [{ path: name, size: 9 }] },
      { catalog: [], manifests: [manifestFor(uuidv7(), [{ path: name, size: 5 }])] },
    );
    expect(plan.conflicts).toEqual([{ key: name, localSize: 9, remoteSize: 5 }]);
    expect(plan.upload).toEqual([]);
  });

  it('with hashes, a same-sized object of other content is a conflict too', () => {
    const name = `w0-${uuidv7()}.feldera`;
    const remote = manifestFor(uuidv7(), [{ path: name, size: 5 }]);
    const held = remote.objects.find((o) => o.key === name)!.sha256;
    const entry = entryFor(uuidv7());
    const same = planPush(
      { entry, shared: [{ path: name, size: 5, sha256: held }] },
      { catalog: [], manifests: [remote] },
    );
    expect(same).toMatchObject({ reuse: [name], conflicts: [] });
    const other = planPush(
      { entry, shared: [{ path: name, size: 5, sha256: 'f'.repeat(64) }] },
      { catalog: [], manifests: [remote] },
    );
    expect(other.conflicts).toEqual([{ key: name, localSize: 5, remoteSize: 5 }]);
  });

  it('a resumed push reuses objects a head found whole, and a zip its own manifest or a head records', () => {
    const u = uuidv7();
    const [b1, b2] = [`w0-${uuidv7()}.feldera`, `w0-${uuidv7()}.feldera`];
    const shared = [
      { path: b1, size: 5 },
      { path: b2, size: 7 },
    ];
    const zip = { size: 100, sha256: 'a'.repeat(64) };
    const present = new Map([
      [b1, 5],
      [b2, 3],
      [remoteKeys.zip(u), 100],
    ]);
    const headed = planPush(
      { entry: entryFor(u), shared, zip },
      { catalog: [], manifests: [], present },
    );
    expect(headed).toMatchObject({ upload: [b2], reuse: [b1], uploadZip: false });
    expect(headed.steps.map((s) => s.type)).toEqual([
      'upload-shared',
      'put-manifest',
      'put-catalog',
    ]);
    // Its own manifest (written before a kill, catalog not yet) records the zip it sent.
    const own = manifestFor(u, shared);
    const recorded = own.objects.find((o) => o.key === remoteKeys.zip(u))!;
    const fromManifest = planPush(
      { entry: entryFor(u), shared, zip: recorded },
      { catalog: [], manifests: [own] },
    );
    expect(fromManifest).toMatchObject({ upload: [], uploadZip: false });
    const changed = planPush(
      { entry: entryFor(u), shared, zip },
      { catalog: [], manifests: [own] },
    );
    expect(changed.uploadZip).toBe(true);
    // Without a zip digest the plan always sends the zip.
    expect(
      planPush({ entry: entryFor(u), shared }, { catalog: [], manifests: [], present }).uploadZip,
    ).toBe(true);
  });
});

describe('planSharedUploads', () => {
  it('splits every candidate into exactly one of upload, skip and conflict', () => {
    const keyArb = fc.constantFrom('a', 'b', 'c', 'd', 'e');
    const objArb = fc.record({
      key: keyArb,
      size: fc.integer({ min: 0, max: 3 }),
      sha256: fc.constantFrom('x', 'y'),
    });
    fc.assert(
      fc.property(
        fc.uniqueArray(objArb, { selector: (o) => o.key }),
        fc.uniqueArray(objArb, { selector: (o) => o.key }),
        fc.uniqueArray(fc.tuple(keyArb, fc.integer({ min: 0, max: 3 })), { selector: ([k]) => k }),
        (objects, remote, heads) => {
          const known = new Map(remote.map((o) => [o.key, o]));
          const plan = planSharedUploads(objects, known, new Map(heads));
          const all = [...plan.upload, ...plan.skip, ...plan.conflicts.map((c) => c.local)]
            .map((o) => o.key)
            .sort();
          expect(all).toEqual(objects.map((o) => o.key).sort());
          for (const o of plan.upload) expect(known.has(o.key)).toBe(false);
          for (const c of plan.conflicts)
            expect(c.remote.size !== c.local.size || c.remote.sha256 !== c.local.sha256).toBe(true);
        },
      ),
    );
  });
});

describe('planPull', () => {
  const localArb = (m: Manifest): fc.Arbitrary<Map<string, number>> => {
    const files = [...m.objects.map((o) => ({ path: o.key, size: o.size })), ...m.zip_files];
    return fc
      .subarray(files)
      .chain((have) =>
        fc.tuple(
          fc.constant(have),
          fc.array(fc.boolean(), { minLength: have.length, maxLength: have.length }),
        ),
      )
      .map(
        ([have, wrong]) => new Map(have.map((f, i) => [f.path, wrong[i] ? f.size + 1 : f.size])),
      );
  };

  it('the plan plus what is already present equals the manifest, and downloads only what is lacking', () => {
    fc.assert(
      fc.property(
        fc.tuple(uuidv7Arb(), batchesArb).chain(([u, b]) => {
          const m = manifestFor(u, b);
          return fc.tuple(fc.constant(m), localArb(m));
        }),
        ([m, local]) => {
          const plan = planPull(m, local);
          const keys = (xs: { key: string }[]): string[] => xs.map((x) => x.key).sort();
          expect([...keys(plan.download), ...keys(plan.present)].sort()).toEqual(keys(m.objects));
          expect(keys(plan.download).filter((k) => keys(plan.present).includes(k))).toEqual([]);
          for (const o of plan.download) {
            if (o.key.endsWith('.zip'))
              expect(m.zip_files.every((f) => local.get(f.path) === f.size)).toBe(false);
            else expect(local.get(o.key)).not.toBe(o.size);
          }
          const types = plan.steps.map((s) => s.type);
          expect(types.slice(-2)).toEqual(['update-catalog', 'write-root-state']);
          if (types.includes('install-shared') && types.includes('install-checkpoint-dir')) {
            expect(types.indexOf('install-shared')).toBeLessThan(
              types.indexOf('install-checkpoint-dir'),
            );
          }
        },
      ),
    );
  });
});

describe('planRetention', () => {
  const optsArb = fc.record({
    minCount: fc.integer({ min: 1, max: 6 }),
    minAgeDays: fc.integer({ min: 0, max: 60 }),
  });

  it('keeps the newest minCount and the just-pushed one, and never deletes what a kept manifest references', () => {
    fc.assert(
      fc.property(remoteArb, optsArb, fc.nat(), (remote, opts, pick) => {
        const justPushed =
          remote.catalog.length > 0 ? remote.catalog[pick % remote.catalog.length]!.uuid : null;
        const plan = planRetention(remote.catalog, lookups(remote.manifests), NOW, {
          ...opts,
          justPushed,
        });
        expect(plan.ok).toBe(true);
        if (!plan.ok) return;
        const kept = new Set(plan.keep.map((e) => e.uuid));
        for (const e of remote.catalog.slice(-opts.minCount)) expect(kept.has(e.uuid)).toBe(true);
        if (justPushed) expect(kept.has(justPushed)).toBe(true);
        const deleted = new Set([...plan.deleteCheckpointObjects, ...plan.deleteShared]);
        for (const m of remote.manifests) {
          if (kept.has(m.uuid)) for (const o of m.objects) expect(deleted.has(o.key)).toBe(false);
        }
        expect(kept.size + plan.drop.length).toBe(remote.catalog.length);
        if (plan.steps.length > 0) expect(plan.steps[0]!.type).toBe('put-catalog');
      }),
    );
  });

  it('drops old entries beyond minCount and their now-unreferenced batches, catalog first', () => {
    const day = 86_400_000;
    const shared = { path: `w0-${uuidv7(NOW - 99 * day)}.feldera`, size: 1 };
    const [a, b, c] = [uuidv7(NOW - 90 * day), uuidv7(NOW - 80 * day), uuidv7(NOW - day)];
    const own = (u: string): { path: string; size: number } => ({
      path: `w0-${u}.feldera`,
      size: 2,
    });
    const manifests = [
      manifestFor(a, [shared, own(a)]),
      manifestFor(b, [shared, own(b)]),
      manifestFor(c, [shared, own(c)]),
    ];
    const plan = planRetention(
      [a, b, c].map((u) => entryFor(u)),
      lookups(manifests),
      NOW,
      { minCount: 1, minAgeDays: 30 },
    );
    expect(plan).toMatchObject({ ok: true, drop: [{ uuid: a }, { uuid: b }] });
    if (!plan.ok) return;
    expect(plan.deleteCheckpointObjects).toEqual([
      `${a}.zip`,
      `dependencies/${a}.json`,
      `${b}.zip`,
      `dependencies/${b}.json`,
    ]);
    expect(plan.deleteShared).toEqual([own(a).path, own(b).path].sort());
    expect(plan.steps.map((s) => s.type)).toEqual(['put-catalog', 'delete', 'delete']);
  });

  it('refuses, deleting nothing, when a kept manifest is unreadable or missing', () => {
    fc.assert(
      fc.property(remoteArb, optsArb, fc.nat(), fc.boolean(), (remote, opts, pick, missing) => {
        const { keep, drop } = selectRetained(remote.catalog, NOW, opts);
        fc.pre(drop.length > 0 && keep.length > 0);
        const broken = keep[pick % keep.length]!.uuid;
        const map = lookups(remote.manifests);
        map.set(
          broken,
          missing
            ? { status: 'missing' }
            : { status: 'unreadable', error: new SyncError('ERR_X', 'boom') },
        );
        const plan = planRetention(remote.catalog, map, NOW, opts);
        expect(plan.ok).toBe(false);
        if (!plan.ok) {
          expect(plan.unreadable).toContain(broken);
          expect(plan.reason).toContain(broken);
        }
      }),
    );
  });
  it('selects from any entries with a uuid, keeping undatable ones', () => {
    const day = 86_400_000;
    const old = { uuid: uuidv7(NOW - 90 * day), tag: 'old' };
    const v4 = { uuid: '00000000-0000-4000-8000-000000000001', tag: 'v4' };
    const young = { uuid: uuidv7(NOW - day), tag: 'young' };
    const { keep, drop } = selectRetained([v4, old, young], NOW, { minCount: 1, minAgeDays: 30 });
    expect(keep.map((e) => e.tag)).toEqual(['v4', 'young']);
    expect(drop.map((e) => e.tag)).toEqual(['old']);
  });
});

describe('planLocalGc', () => {
  const status = (u: string, complete: boolean, batches: string[]): LocalCheckpointStatus => ({
    entry: entryFor(u),
    complete,
    missing: [],
    deps: { batches, state_files: ['CHECKPOINT', 'spine.dat'] },
    problem: null,
  });

  it('keeps the newest two complete plus pinned checkpoints and every file they need', () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.tuple(uuidv7Arb(), fc.boolean(), batchesArb), {
          selector: ([u]) => u,
          maxLength: 10,
        }),
        fc.nat(),
        (rows, pick) => {
          const cps = [...rows]
            .sort(([a], [b]) => (a < b ? -1 : 1))
            .map(([u, c, b]) =>
              status(
                u,
                c,
                b.map((x) => x.path),
              ),
            );
          const pins = cps.length > 0 ? [cps[pick % cps.length]!.entry.uuid] : [];
          const plan = planLocalGc(cps, pins);
          const kept = new Set(plan.keep.map((e) => e.uuid));
          for (const c of cps.filter((x) => x.complete).slice(-2))
            expect(kept.has(c.entry.uuid)).toBe(true);
          for (const p of pins) expect(kept.has(p)).toBe(true);
          const deleted = new Set(plan.deleteFiles);
          for (const c of cps) {
            if (!kept.has(c.entry.uuid)) continue;
            for (const f of c.deps!.batches) expect(deleted.has(f)).toBe(false);
            expect(plan.deleteDirs).not.toContain(c.entry.uuid);
          }
          expect(plan.keep.length + plan.drop.length).toBe(cps.length);
        },
      ),
    );
  });

  it('does not delete files the engine still uses', () => {
    const [a, b, c] = [uuidv7(1), uuidv7(2), uuidv7(3)];
    const plan = planLocalGc(
      [status(a, true, ['w0-x', 'w0-live']), status(b, true, []), status(c, true, [])],
      [],
      {
        live: ['w0-live'],
      },
    );
    expect(plan.deleteDirs).toEqual([a]);
    expect(plan.deleteFiles).toEqual(['w0-x']);
  });

  it('never drops an entry newer than every complete checkpoint (Feldera commit window)', () => {
    const [a, b, c, d] = [uuidv7(1), uuidv7(2), uuidv7(3), uuidv7(4)];
    const plan = planLocalGc(
      [
        status(a, true, ['w0-a']),
        status(b, true, []),
        status(c, true, []),
        status(d, false, ['w0-a']),
      ],
      [],
    );
    expect(plan.keep.map((e) => e.uuid)).toEqual([b, c, d]);
    expect(plan.deleteDirs).toEqual([a]);
    expect(plan.deleteFiles).toEqual([]);
  });

  it('deletes no batch file when a kept checkpoint has unreadable dependencies', () => {
    const [a, b, c] = [uuidv7(1), uuidv7(2), uuidv7(3)];
    const blind = { ...status(c, false, []), deps: null, problem: 'corrupt' };
    const plan = planLocalGc([status(a, true, ['w0-a']), status(b, true, []), blind], [c]);
    expect(plan.deleteDirs).toEqual([]);
    const plan2 = planLocalGc(
      [status(a, true, ['w0-a']), status(b, true, []), status(uuidv7(5), true, []), blind],
      [c],
    );
    expect(plan2.deleteDirs).toEqual([a]);
    expect(plan2.deleteFiles).toEqual([]);
  });

  it('never deletes a root entry Feldera keeps or a name that is not a bare file name, even when a dropped checkpoint lists it', () => {
    const [a, b, c] = [uuidv7(1), uuidv7(2), uuidv7(3)];
    const hostile = ['steps.bin', 'status.json', 'feldera.pidlock', 'activated.feldera', '../x', b];
    const plan = planLocalGc(
      [status(a, true, [...hostile, 'w0-gone']), status(b, true, []), status(c, true, [])],
      [],
    );
    expect(plan.deleteFiles).toEqual(['w0-gone']);
  });
});
