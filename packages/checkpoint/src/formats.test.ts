import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { hasErrorCode } from '@feldera-sync/errors';
import {
  ERR_CHECKPOINT_CATALOG_CORRUPT,
  ERR_CHECKPOINT_DEPENDENCIES_CORRUPT,
  ERR_CHECKPOINT_MANIFEST_CORRUPT,
  ERR_CHECKPOINT_OWNER_CORRUPT,
  compareUuidv7,
  createUuidv7Generator,
  decideOwnership,
  isBatchFileName,
  isUuid,
  missingStateFiles,
  ownerFor,
  ownershipMismatchMessage,
  parseCatalog,
  parseDependencies,
  parseJsonLossless,
  parseManifest,
  parseOwner,
  remoteKeys,
  serializeCatalog,
  serializeDependencies,
  serializeManifest,
  serializeOwner,
  stringifyJsonLossless,
  uuidv7,
  uuidv7TimeMs,
} from './index.js';
import type { CatalogEntry } from './index.js';
import { entryFor, manifestFor, uuidv7Arb } from './test-support/arbitraries.js';

function codeOf(fn: () => unknown): { code: string | undefined; message: string } {
  try {
    fn();
  } catch (e) {
    return {
      code: hasErrorCode(e, (e as { code: string }).code)
        ? (e as { code: string }).code
        : undefined,
      message: (e as Error).message,
    };
  }
  throw new Error('expected a throw');
}

const entryArb: fc.Arbitrary<CatalogEntry> = fc.record({
  uuid: uuidv7Arb(),
  identifier: fc.option(fc.string(), { nil: null }),
  fingerprint: fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }),
  size: fc.option(fc.nat(), { nil: null }),
  steps: fc.option(fc.nat(), { nil: null }),
  processed_records: fc.option(fc.maxSafeNat(), { nil: null }),
});

describe('catalog format', () => {
  it('round-trips any catalog exactly, fingerprints above 2^53 included', () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(entryArb, { selector: (e) => e.uuid, maxLength: 8 }),
        (entries) => {
          expect(parseCatalog(serializeCatalog(entries), 'c')).toEqual(entries);
        },
      ),
    );
  });

  it('parses a Feldera catalog with a u64 fingerprint, missing counters and unknown fields, and writes them back', () => {
    const u = uuidv7(Date.UTC(2025, 0, 1));
    const text = `[{"uuid":"${u}","identifier":"nightly","fingerprint":18446744073709551615,"future":{"x":[1,2]}}]`;
    const [e] = parseCatalog(text, 'checkpoints.feldera');
    expect(e).toEqual({
      uuid: u,
      identifier: 'nightly',
      fingerprint: 18446744073709551615n,
      size: null,
      steps: null,
      processed_records: null,
      extra: { future: { x: [1, 2] } },
    });
    const out = serializeCatalog([e!]);
    expect(out).toContain('"fingerprint":18446744073709551615,');
    expect(out).toContain('"future"');
    expect(parseCatalog(out, 'x')).toEqual([e]);
  });

  it.each([
    ['truncated', (t: string) => t.slice(0, t.length - 5), /truncated/],
    ['empty', () => '', /truncated/],
    ['garbage', () => 'PK\u0003\u0004', /corrupt/],
    ['not an array', () => '{}', /corrupt/],
    [
      'negative fingerprint',
      (t: string) => t.replace('"fingerprint":5', '"fingerprint":-5'),
      /fingerprint/,
    ],
    [
      'fingerprint above u64',
      (t: string) => t.replace('"fingerprint":5', '"fingerprint":18446744073709551616'),
      /fingerprint/,
    ],
    [
      'fractional fingerprint',
      (t: string) => t.replace('"fingerprint":5', '"fingerprint":5.5'),
      /fingerprint/,
    ],
    ['bad uuid', (t: string) => t.replace(/"uuid":"[^"]+"/, '"uuid":"x"'), /uuid/],
    [
      'duplicate',
      (t: string) => `[${t.trim().slice(1, -1)},${t.trim().slice(1, -1)}]`,
      /duplicate/,
    ],
  ])('a %s catalog is ERR_CHECKPOINT_CATALOG_CORRUPT naming the file', (_name, damage, why) => {
    const text = serializeCatalog([entryFor(uuidv7(), 5n)]);
    const err = codeOf(() => parseCatalog(damage(text), '/data/p/checkpoints.feldera'));
    expect(err.code).toBe(ERR_CHECKPOINT_CATALOG_CORRUPT);
    expect(err.message).toContain('/data/p/checkpoints.feldera');
    expect(err.message).toMatch(why);
  });

  it('never crashes on arbitrary text: either entries or the typed error', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.json()), (text) => {
        try {
          expect(Array.isArray(parseCatalog(text, 'f'))).toBe(true);
        } catch (e) {
          expect(hasErrorCode(e, ERR_CHECKPOINT_CATALOG_CORRUPT)).toBe(true);
        }
      }),
    );
  });
});

describe('lossless JSON', () => {
  it('agrees with JSON.parse on ordinary JSON', () => {
    fc.assert(
      fc.property(fc.json(), (text) => {
        const numbersOnly = JSON.parse(
          JSON.stringify(parseJsonLossless(text), (_k, v: unknown) =>
            typeof v === 'bigint' ? Number(v) : v,
          ),
        );
        expect(numbersOnly).toEqual(JSON.parse(text));
      }),
    );
  });

  it('round-trips big integers and matches JSON.stringify otherwise', () => {
    expect(stringifyJsonLossless({ a: 2n ** 63n, b: [1, 'x', null] })).toBe(
      '{"a":9223372036854775808,"b":[1,"x",null]}',
    );
    expect(parseJsonLossless('[12345678901234567890, 1.5, -0]')).toEqual([
      12345678901234567890n,
      1.5,
      -0,
    ]);
    fc.assert(
      fc.property(fc.jsonValue(), (v) => {
        expect(stringifyJsonLossless(v)).toBe(JSON.stringify(v));
      }),
    );
  });
});

describe('dependencies format', () => {
  // The JSON of Feldera's own tests in crates/feldera-types/src/checkpoint.rs
  // (deserialize_v1_legacy_array, deserialize_v2_struct, deserialize_v2_missing_state_files_defaults_to_empty).
  it("reads Feldera's V1, V2 and V2-without-state_files forms exactly as its tests expect", () => {
    expect(parseDependencies('["w0-aaa.feldera", "w1-bbb.feldera"]', 'd')).toEqual({
      batches: ['w0-aaa.feldera', 'w1-bbb.feldera'],
      state_files: [],
    });
    expect(
      parseDependencies(
        '{\n  "batches": ["w0-aaa.feldera"],\n  "state_files": ["pspine-0-zzz.dat", "CHECKPOINT"]\n}',
        'd',
      ),
    ).toEqual({ batches: ['w0-aaa.feldera'], state_files: ['pspine-0-zzz.dat', 'CHECKPOINT'] });
    expect(parseDependencies('{"batches": ["w0-aaa.feldera"]}', 'd')).toEqual({
      batches: ['w0-aaa.feldera'],
      state_files: [],
    });
  });

  it('writes only the compact V2 object, as serde_json writes CheckpointDependenciesWrite', () => {
    const deps = { batches: ['w0-x.feldera'], state_files: ['pspine-0-y.dat'] };
    expect(serializeDependencies(deps)).toBe(
      '{"batches":["w0-x.feldera"],"state_files":["pspine-0-y.dat"]}',
    );
    expect(parseDependencies(serializeDependencies(deps), 'd')).toEqual(deps);
  });

  it.each([
    ['{"state_files": ["CHECKPOINT"]}', /batches/],
    ['{"batches": [1]}', /batches/],
    ['{"batches": ["../escape"]}', /contains '\/'/],
    ['["/abs"]', /contains '\/'/],
    [
      '{"batches": [], "state_files": ["0193e1a8-0000-7000-8000-000000000000/pspine-0.dat"]}',
      /contains '\/'.*bare file names inside the checkpoint directory/,
    ],
    ['{"batches": [], "state_files": ["."]}', /directory reference/],
    ['{"batches": [], "state_files": ["a\\u001bb"]}', /control character/],
    ['{"batches": [', /truncated/],
    ['42', /(root)/],
  ])('%s is ERR_CHECKPOINT_DEPENDENCIES_CORRUPT naming the file', (text, why) => {
    const err = codeOf(() => parseDependencies(text, 'u/dependencies.json'));
    expect(err.code).toBe(ERR_CHECKPOINT_DEPENDENCIES_CORRUPT);
    expect(err.message).toContain('u/dependencies.json');
    expect(err.message).toMatch(why);
  });

  it("missingStateFiles is Feldera's verify_checkpoint_intact: listed names only, empty lists check nothing", () => {
    const deps = { batches: [], state_files: ['CHECKPOINT', 'pspine-0.dat'] };
    expect(missingStateFiles(deps, ['CHECKPOINT', 'pspine-0.dat', 'state.json'])).toEqual([]);
    expect(missingStateFiles(deps, ['pspine-0.dat'])).toEqual(['CHECKPOINT']);
    expect(missingStateFiles({ batches: ['w0-a.feldera'], state_files: [] }, [])).toEqual([]);
    expect(missingStateFiles(null, [])).toEqual([]);
  });
});

describe('manifest and owner formats', () => {
  const u = uuidv7(Date.UTC(2025, 0, 1));
  const m = manifestFor(u, [{ path: `w0-${uuidv7()}.feldera`, size: 10 }]);

  it('a manifest round-trips, with a fingerprint above 2^53', () => {
    const big = { ...m, entry: { ...m.entry, fingerprint: 2n ** 64n - 2n } };
    expect(parseManifest(serializeManifest(big), 'k')).toEqual(big);
    expect(m.objects.at(-1)!.key).toBe(`${u}.zip`);
  });

  it.each([
    ['truncated', (t: string) => t.slice(0, 40)],
    ['empty', () => ''],
    ['wrong version', (t: string) => t.replace('"format_version": 2', '"format_version": 99')],
    ['bad sha', (t: string) => t.replace('"sha256": "', '"sha256": "zz')],
    ['no zip', (t: string) => t.replace(`"key": "${u}.zip"`, '"key": "other.zip"')],
    ['negative size', (t: string) => t.replace('"size": 10', '"size": -1')],
    ['huge size', (t: string) => t.replace('"size": 10', '"size": 1e300')],
    // Hostile keys: only batch files and the checkpoint's own zip may ever be installed.
    [
      'activated.feldera key',
      (t: string) => t.replace(/"key": "w0-[^"]+"/, '"key": "activated.feldera"'),
    ],
    [
      'key in another checkpoint',
      (t: string) => t.replace(/"key": "w0-[^"]+"/, `"key": "${uuidv7()}/evil.txt"`),
    ],
    ['key in a subdirectory', (t: string) => t.replace(/"key": "(w0-[^"]+)"/, '"key": "sub/$1"')],
    [
      'zip file outside the checkpoint',
      (t: string) => t.replace(`"path": "${u}/spine.dat"`, `"path": "${uuidv7()}/spine.dat"`),
    ],
    [
      'zip file in a subdirectory',
      (t: string) => t.replace(`"path": "${u}/spine.dat"`, `"path": "${u}/d/spine.dat"`),
    ],
    ['state file not in the zip', (t: string) => t.replace('"spine.dat"', '"other.dat"')],
    ['state file with a slash', (t: string) => t.replace('"spine.dat"', `"${u}/spine.dat"`)],
    [
      'no state.json in the zip',
      (t: string) => t.replace(`"path": "${u}/state.json"`, `"path": "${u}/other.json"`),
    ],
  ])('a %s manifest is ERR_CHECKPOINT_MANIFEST_CORRUPT naming the object', (_n, damage) => {
    const err = codeOf(() =>
      parseManifest(damage(serializeManifest(m)), `dependencies/${u}.json in s3:b`),
    );
    expect(err.code).toBe(ERR_CHECKPOINT_MANIFEST_CORRUPT);
    expect(err.message).toContain(`dependencies/${u}.json in s3:b`);
  });

  it('reads a version 1 manifest, whose state_files were <uuid>/<name>, as bare names', () => {
    const v1 = serializeManifest(m)
      .replace('"format_version": 2', '"format_version": 1')
      .replace('"CHECKPOINT",', `"${u}/CHECKPOINT",`)
      .replace('"spine.dat"', `"${u}/spine.dat"`);
    expect(v1).toContain(`"${u}/spine.dat"`);
    expect(parseManifest(v1, 'k')).toEqual(m);
  });

  it('owner.json round-trips; a corrupt one is typed', () => {
    const o = ownerFor(
      { pipeline_name: 'pipeline-1', given_name: 'orders' },
      '2025-01-01T00:00:00Z',
    );
    expect(parseOwner(serializeOwner(o), 'owner.json')).toEqual(o);
    expect(parseOwner('{"pipeline_name":"pipeline-1","given_name":"x"}', 'o')).toMatchObject({
      format_version: 1,
      created_at: null,
    });
    expect(codeOf(() => parseOwner('{"given_name":1}', 'owner.json in s3:b')).code).toBe(
      ERR_CHECKPOINT_OWNER_CORRUPT,
    );
    expect(codeOf(() => parseOwner('{', 'owner.json in s3:b')).message).toContain(
      'owner.json in s3:b',
    );
  });

  it('ownership is by system name and the refusal reads exactly as Feldera words it', () => {
    const owner = ownerFor({ pipeline_name: 'pipeline-a', given_name: 'orders' }, 't');
    expect(
      decideOwnership(null, { pipeline_name: 'pipeline-a', given_name: 'x' }, 't'),
    ).toMatchObject({ action: 'create' });
    expect(
      decideOwnership(owner, { pipeline_name: 'pipeline-a', given_name: 'renamed' }, 't'),
    ).toEqual({ action: 'proceed' });
    const d = decideOwnership(owner, { pipeline_name: 'pipeline-b', given_name: 'orders2' }, 't');
    expect(d.action).toBe('refuse');
    expect(
      ownershipMismatchMessage(owner, { pipeline_name: 'pipeline-b', given_name: 'orders2' }),
    ).toBe(
      'S3 checkpoint bucket is already owned by orders (id: pipeline-a). Current pipeline is orders2 (id: pipeline-b). Refusing to write checkpoint data',
    );
  });

  it('remote keys', () => {
    expect(remoteKeys.catalog).toBe('checkpoints.feldera');
    expect(remoteKeys.owner).toBe('owner.json');
    expect(remoteKeys.zip(u.toUpperCase())).toBe(`${u}.zip`);
    expect(remoteKeys.manifest(u)).toBe(`dependencies/${u}.json`);
    const batch = `w3-${uuidv7()}.feldera`;
    expect(remoteKeys.batch(batch)).toBe(batch);
    expect(() => remoteKeys.zip('../x')).toThrow();
    for (const bad of ['../x', 'w0-x.feldera', 'activated.feldera', `${u}/${batch}`])
      expect(() => remoteKeys.batch(bad)).toThrow(/not named w<N>-<uuid>.feldera/);
  });
});

describe('UUIDv7', () => {
  it('encodes the time, is a valid v7 and sorts by time', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 2 ** 48 - 1 }),
        fc.integer({ min: 0, max: 2 ** 48 - 1 }),
        (t1, t2) => {
          const a = uuidv7(t1, () => new Uint8Array(10).fill(255));
          const b = uuidv7(t2, () => new Uint8Array(10));
          expect(isUuid(a) && a[14] === '7' && '89ab'.includes(a[19]!)).toBe(true);
          expect(uuidv7TimeMs(a)).toBe(t1);
          if (t1 < t2) expect(compareUuidv7(a, b)).toBeLessThan(0);
        },
      ),
    );
  });

  it('is monotonic within one millisecond and deterministic with injected randomness', () => {
    const gen = createUuidv7Generator();
    const ids = Array.from({ length: 5000 }, () => gen(1_700_000_000_000));
    const clock = createUuidv7Generator();
    const late = clock();
    expect(compareUuidv7(clock(Date.now() - 60_000), late)).toBeLessThan(0);
    expect([...ids].sort(compareUuidv7)).toEqual(ids);
    expect(new Set(ids).size).toBe(ids.length);
    const r = (): Uint8Array => new Uint8Array(10).fill(3);
    expect(uuidv7(5, r)).toBe(uuidv7(5, r));
    expect(uuidv7TimeMs('not-a-uuid')).toBeNull();
    expect(uuidv7TimeMs('6ba7b810-9dad-11d1-80b4-00c04fd430c8')).toBeNull();
  });

  it('reads the time of a Feldera checkpoint UUID (the one UUIDv7-time function, standby uses it too)', () => {
    // From the Feldera docs: 019779b4-8760-75f2-... was created on 2025-06-16.
    expect(uuidv7TimeMs('019779b4-8760-75f2-bdf0-71b825e63610')).toBe(0x019779b48760);
    expect(new Date(uuidv7TimeMs('019779b4-8760-75f2-bdf0-71b825e63610')!).toISOString()).toMatch(
      /^2025-06-16/,
    );
    expect(uuidv7TimeMs('FFFFFFFF-FFFF-7FFF-BFFF-FFFFFFFFFFFF')).toBe(2 ** 48 - 1);
    expect(uuidv7TimeMs('6ba7b810-9dad-41d1-80b4-00c04fd430c8')).toBeNull();
    expect(uuidv7TimeMs('latest')).toBeNull();
    expect(uuidv7TimeMs('019779b4-8760-75f2-bdf0-71b825e6361')).toBeNull();
  });

  it('recognises batch file names', () => {
    expect(isBatchFileName(`w0-${uuidv7()}.feldera`)).toBe(true);
    expect(isBatchFileName(`w12-${uuidv7()}.feldera`)).toBe(true);
    expect(isBatchFileName(`w0-${uuidv7()}.feldera.mut`)).toBe(false);
    expect(isBatchFileName('checkpoints.feldera')).toBe(false);
  });
});
