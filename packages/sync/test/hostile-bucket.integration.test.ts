// A bucket is not fully trusted (read_bucket belongs to another pipeline; anyone who can write to a
// bucket can shape what a pull installs). Against Ceph RGW: for each hostile object, restore, the
// standby's pull and verify fail with a stable code and a message naming the object; the storage
// directory and its parent are byte-identical afterwards; the large cases stay within a memory
// bound, measured as the peak RSS of a child process doing only that operation.
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ObjectStore } from '@feldera-sync/checkpoint';
import { REMOTE_READ_LIMITS, StoreErrorCodes } from '@feldera-sync/checkpoint';
import { SyncErrorCodes, createSynchronizer } from '@feldera-sync/sync';
import { cephServer, ensureCeph } from '@feldera-sync/test-utils';
import type { TestBucket } from '@feldera-sync/test-utils';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { StorageBuilder, removeDir, snapshotTree, tempDir } from './support/storage-builder.js';
import { storeFor } from './support/stores.js';
import { buildZip, deflatedZeros } from './support/zip-builder.js';
import type { ZipEntry } from './support/zip-builder.js';

const ceph = await ensureCeph();
const CHILD = fileURLToPath(new URL('./fixtures/hostile-child.mjs', import.meta.url));
const DIST = fileURLToPath(new URL('../dist/index.js', import.meta.url));
const A = { systemName: 'pipeline-00000000-0000-4000-8000-00000000000a', givenName: 'alpha' };
const B = { systemName: 'pipeline-00000000-0000-4000-8000-00000000000b', givenName: 'beta' };
const MiB = 1024 * 1024;
const GiB = 1024 * MiB;

interface ChildOutcome {
  ok: boolean;
  code?: string;
  message?: string;
  report?: { ok?: boolean; problems?: { key: string; problem: string; actual?: string }[] };
  maxRssKiB: number;
}

const sha256 = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex');

/** A UUIDv7 `minutes` after 2026-01-01, with fixed random bits. */
function uuidAt(minutes: number, tail: string): string {
  const h = (Date.UTC(2026, 0, 1) + minutes * 60_000).toString(16).padStart(12, '0');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-7${tail.slice(0, 3)}-8${tail.slice(3, 6)}-${tail.slice(6, 18).padEnd(12, '0')}`;
}

describe.skipIf(!ceph.available)('hostile buckets (Ceph RGW)', () => {
  let bucket: TestBucket;
  const dirs: string[] = [];
  let source: StorageBuilder;
  let c1: string;
  let template: Record<string, unknown>;
  let baselineRssKiB = 0;

  const run = (
    op: 'restore' | 'pull' | 'verify',
    prefix: string,
    dir: string,
    spec = 'latest',
  ): Promise<ChildOutcome> =>
    new Promise((resolve, reject) => {
      const child = spawn(process.execPath, [CHILD, op, dir, spec], {
        env: {
          ...process.env,
          FSYNC_TEST_STORE: JSON.stringify({
            remote: {
              provider: bucket.provider,
              endpoint: bucket.endpoint,
              region: bucket.region,
              accessKey: bucket.accessKey,
              secretKey: bucket.secretKey,
              bucket: `${bucket.bucket}/${prefix}`,
            },
            conditionalPut: bucket.conditionalPut,
            pipeline: B,
          }),
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let out = '';
      let err = '';
      child.stdout.on('data', (d: Buffer) => (out += d.toString()));
      child.stderr.on('data', (d: Buffer) => (err += d.toString()));
      const timer = setTimeout(() => child.kill('SIGKILL'), 120_000);
      child.on('exit', (code) => {
        clearTimeout(timer);
        try {
          resolve(JSON.parse(out.trim().split('\n').at(-1) ?? '') as ChildOutcome);
        } catch {
          reject(new Error(`child exited ${code} without an answer: ${out}${err}`));
        }
      });
    });

  /** A bucket prefix holding c1 pushed for real, and a storage directory (in its own parent) with c1 installed. */
  const scenario = async (
    name: string,
  ): Promise<{ store: ObjectStore; prefix: string; parent: string; dir: string }> => {
    const prefix = `case-${name}`;
    const store = storeFor(bucket, { prefix });
    const primary = createSynchronizer({ storageDir: source.dir, store, pipeline: A });
    await primary.push(c1);
    await primary.close();
    const parent = await tempDir('hostile-');
    dirs.push(parent);
    const dir = join(parent, 'storage');
    await mkdir(dir);
    const s = createSynchronizer({ storageDir: dir, store, pipeline: B });
    await s.restore({ spec: c1 });
    await s.close();
    return { store, prefix, parent, dir };
  };

  /** Publishes a hostile checkpoint c2: its zip and manifest as given, and a catalog naming c1 and c2. */
  const publish = async (
    store: ObjectStore,
    c2: string,
    zip: Uint8Array,
    shape: (m: Record<string, unknown>) => void = () => undefined,
  ): Promise<void> => {
    const m = JSON.parse(JSON.stringify(template)) as Record<string, unknown> & {
      objects: { key: string; size: number; sha256: string }[];
      entry: Record<string, unknown>;
    };
    m.uuid = c2;
    m.entry = { ...m.entry, uuid: c2, fingerprint: 7 };
    m.objects = [
      ...m.objects.filter((o) => !o.key.endsWith('.zip')),
      { key: `${c2}.zip`, size: zip.byteLength, sha256: sha256(zip) },
    ];
    m.zip_files = [
      { path: `${c2}/CHECKPOINT`, size: 0, sha256: sha256(new Uint8Array()) },
      { path: `${c2}/state.json`, size: 2, sha256: sha256(Buffer.from('{}')) },
    ];
    m.state_files = ['CHECKPOINT'];
    shape(m);
    await store.putSmall(`${c2}.zip`, zip);
    await store.putSmall(`dependencies/${c2}.json`, JSON.stringify(m));
    const catalog = JSON.parse(
      new TextDecoder().decode(await store.getSmall('checkpoints.feldera')),
    ) as unknown[];
    await store.putSmall(
      'checkpoints.feldera',
      JSON.stringify([...catalog.slice(0, 1), m.entry]).replace(
        /"fingerprint":\d+/g,
        '"fingerprint":7',
      ),
    );
  };

  const legitZipEntries = (c2: string): ZipEntry[] => [
    { name: `${c2}/CHECKPOINT`, data: new Uint8Array() },
    { name: `${c2}/state.json`, data: Buffer.from('{}') },
  ];

  /**
   * Restore, standby pull and verify on the hostile bucket: each fails as `expectCode` says, naming
   * `mention`; the storage directory's parent is byte-identical afterwards. Returns the outcomes.
   */
  const attack = async (
    s: { prefix: string; parent: string; dir: string },
    expectCode: string,
    mention: string,
    verifyProblem: string | null,
    // The restore asks for the hostile checkpoint by UUID: `latest` would resolve locally to c1.
    spec = uuidAt(999, '999999999999999999'),
  ): Promise<ChildOutcome[]> => {
    const before = await snapshotTree(s.parent);
    const outcomes: ChildOutcome[] = [];
    for (const op of ['restore', 'pull'] as const) {
      const r = await run(op, s.prefix, s.dir, op === 'restore' ? spec : 'latest');
      outcomes.push(r);
      expect(r.ok, `${op}: ${JSON.stringify(r)}`).toBe(false);
      expect(r.code, `${op}: ${r.message}`).toBe(expectCode);
      expect(r.message, op).toContain(mention);
      expect(await snapshotTree(s.parent), `${op} changed the storage directory`).toEqual(before);
    }
    const v = await run('verify', s.prefix, s.dir);
    outcomes.push(v);
    console.info(
      `[hostile] ${mention}: peak RSS ${outcomes.map((o) => Math.round(o.maxRssKiB / 1024)).join(' / ')} MiB (restore / pull / verify)`,
    );
    if (verifyProblem === null) {
      expect(v.ok).toBe(false);
      expect(v.code).toBe(expectCode);
    } else {
      expect(v.ok, JSON.stringify(v)).toBe(true);
      expect(v.report?.ok).toBe(false);
      expect(v.report?.problems?.map((p) => p.problem)).toContain(verifyProblem);
    }
    expect(await snapshotTree(s.parent), 'verify changed the storage directory').toEqual(before);
    return outcomes;
  };

  beforeAll(async () => {
    expect(existsSync(DIST), `${DIST} is missing: run pnpm build first`).toBe(true);
    bucket = await cephServer().createBucket();
    const d = await tempDir('hostile-src-');
    dirs.push(d);
    source = new StorageBuilder(d);
    c1 = await source.checkpoint([await source.batch(64 * 1024), await source.batch(32 * 1024)]);
    const s = await scenario('template');
    template = JSON.parse(
      new TextDecoder().decode(await s.store.getSmall(`dependencies/${c1}.json`)),
    ) as Record<string, unknown>;
    // The peak RSS of a child doing one ordinary small restore: what the large cases compare against.
    const fresh = join(s.parent, 'baseline');
    await mkdir(fresh);
    const r = await run('restore', s.prefix, fresh, c1);
    expect(r.ok, JSON.stringify(r)).toBe(true);
    baselineRssKiB = r.maxRssKiB;
  }, 180_000);
  afterAll(async () => {
    await bucket?.remove().catch(() => undefined);
    for (const d of dirs) await removeDir(d);
    console.info(`[hostile] baseline restore peak RSS ${Math.round(baselineRssKiB / 1024)} MiB`);
  });

  it.each([
    ['activated.feldera', () => 'activated.feldera'],
    ["another checkpoint's directory", () => `${uuidAt(1, 'aaaaaaaaaaaaaaaaaa')}/evil.txt`],
    ['a parent directory', () => '../outside.feldera'],
    ['a subdirectory', (c2: string) => `sub/w0-${c2}.feldera`],
    ['an ESC character', (c2: string) => `w0-${c2}\u001b[2J.feldera`],
  ])(
    'a manifest key naming %s is refused before anything is downloaded',
    async (label, key) => {
      const s = await scenario(`key-${label.replace(/\W+/g, '-')}`);
      const c2 = uuidAt(10, 'bbbbbbbbbbbbbbbbbb');
      const planted = Buffer.from('{"uuid":"00000000-0000-7000-8000-000000000000"}');
      await publish(s.store, c2, buildZip(legitZipEntries(c2)), (m) => {
        (m.objects as unknown[]).unshift({
          key: key(c2),
          size: planted.byteLength,
          sha256: sha256(planted),
        });
      });
      await attack(s, SyncErrorCodes.invalidRemote, `dependencies/${c2}.json`, 'manifest', c2);
    },
    120_000,
  );

  it.each([
    [
      'an unlisted entry',
      (c2: string): ZipEntry[] => [
        ...legitZipEntries(c2),
        { name: `${c2}/extra.dat`, data: Buffer.from('x') },
      ],
    ],
    [
      'an entry escaping with ../',
      (c2: string): ZipEntry[] => [
        ...legitZipEntries(c2),
        { name: `../escape.txt`, data: Buffer.from('x') },
      ],
    ],
    [
      'an entry in a subdirectory',
      (c2: string): ZipEntry[] => [
        ...legitZipEntries(c2),
        { name: `${c2}/sub/x.dat`, data: Buffer.from('x') },
      ],
    ],
    [
      "an entry in another checkpoint's directory",
      (c2: string): ZipEntry[] => [
        ...legitZipEntries(c2),
        { name: `${uuidAt(1, 'cccccccccccccccccc')}/x.dat`, data: Buffer.from('x') },
      ],
    ],
    [
      'a duplicate entry',
      (c2: string): ZipEntry[] => [
        ...legitZipEntries(c2),
        { name: `${c2}/state.json`, data: Buffer.from('{}') },
      ],
    ],
    [
      'a listed entry of the wrong size',
      (c2: string): ZipEntry[] => [
        legitZipEntries(c2)[0]!,
        { name: `${c2}/state.json`, data: Buffer.from('{"x":1}') },
      ],
    ],
    ['not a zip at all', (): ZipEntry[] => []],
  ])(
    'a zip with %s fails the pull with an integrity error naming it',
    async (label, entries) => {
      const s = await scenario(`zip-${label.replace(/\W+/g, '-')}`);
      const c2 = uuidAt(11, 'dddddddddddddddddd');
      const built = entries(c2);
      const zip = built.length === 0 ? Buffer.from('PK not a zip') : buildZip(built);
      await publish(s.store, c2, zip);
      await attack(s, SyncErrorCodes.integrity, `${c2}.zip`, 'zip', c2);
    },
    120_000,
  );

  it('a 1 MiB zip expanding to a 1 GiB unlisted file is refused without writing it; memory stays bounded', async () => {
    const s = await scenario('zip-bomb-unlisted');
    const c2 = uuidAt(12, 'eeeeeeeeeeeeeeeeee');
    const bomb = deflatedZeros(GiB);
    expect(bomb.byteLength).toBeLessThan(2 * MiB);
    await publish(
      s.store,
      c2,
      buildZip([...legitZipEntries(c2), { name: `${c2}/bomb.dat`, deflated: bomb, size: GiB - 1 }]),
    );
    const started = Date.now();
    const outcomes = await attack(s, SyncErrorCodes.integrity, `${c2}.zip`, 'zip', c2);
    for (const o of outcomes) expect(o.maxRssKiB).toBeLessThan(baselineRssKiB + 32 * 1024);
    expect(Date.now() - started).toBeLessThan(60_000);
  }, 180_000);

  it('a listed entry declared 2 bytes whose data expands to 1 GiB stops at its declared size', async () => {
    const s = await scenario('zip-bomb-listed');
    const c2 = uuidAt(13, 'ffffffffffffffffff');
    await publish(
      s.store,
      c2,
      buildZip([
        legitZipEntries(c2)[0]!,
        { name: `${c2}/state.json`, deflated: deflatedZeros(GiB), size: 2 },
      ]),
    );
    const outcomes = await attack(s, SyncErrorCodes.integrity, `${c2}.zip`, 'zip', c2);
    for (const o of outcomes) expect(o.maxRssKiB).toBeLessThan(baselineRssKiB + 32 * 1024);
  }, 180_000);

  it('a 50 MiB catalog is refused after reading at most its bound; memory stays bounded', async () => {
    const s = await scenario('huge-catalog');
    await s.store.putSmall('checkpoints.feldera', Buffer.alloc(50 * MiB, 0x20));
    const outcomes = await attack(s, StoreErrorCodes.tooLarge, 'checkpoints.feldera', null);
    for (const o of outcomes)
      expect(o.message).toContain(`${REMOTE_READ_LIMITS.catalogBytes} bytes allowed`);
    for (const o of outcomes) expect(o.maxRssKiB).toBeLessThan(baselineRssKiB + 32 * 1024);
  }, 180_000);

  it('a catalog of 100,000 entries is refused (too large), and one of 60,000 small ones (too many entries)', async () => {
    for (const [n, code] of [
      [100_000, StoreErrorCodes.tooLarge],
      [60_000, SyncErrorCodes.invalidRemote],
    ] as const) {
      const s = await scenario(`many-entries-${n}`);
      const entries = Array.from({ length: n }, (_, i) => ({
        uuid: uuidAt(i, i.toString(16).padStart(18, '0')),
        fingerprint: 1,
        ...(code === StoreErrorCodes.tooLarge ? { identifier: 'x'.repeat(100) } : {}),
      }));
      await s.store.putSmall('checkpoints.feldera', JSON.stringify(entries));
      const outcomes = await attack(s, code, 'checkpoints.feldera', null);
      for (const o of outcomes) expect(o.maxRssKiB).toBeLessThan(baselineRssKiB + 96 * 1024);
    }
  }, 240_000);

  it('a 60 MiB manifest is refused after reading at most its bound', async () => {
    const s = await scenario('huge-manifest');
    const c2 = uuidAt(14, '111111111111111111');
    await publish(s.store, c2, buildZip(legitZipEntries(c2)));
    await s.store.putSmall(`dependencies/${c2}.json`, Buffer.alloc(60 * MiB, 0x20));
    const outcomes = await attack(
      s,
      StoreErrorCodes.tooLarge,
      `dependencies/${c2}.json`,
      'manifest',
      c2,
    );
    for (const o of outcomes) expect(o.maxRssKiB).toBeLessThan(baselineRssKiB + 32 * 1024);
  }, 180_000);

  it('a manifest filed under another checkpoint is refused', async () => {
    const s = await scenario('wrong-name');
    const c2 = uuidAt(15, '222222222222222222');
    await publish(s.store, c2, buildZip(legitZipEntries(c2)));
    // The catalog names c2, but its manifest is c1's.
    await s.store.putSmall(
      `dependencies/${c2}.json`,
      (await s.store.getSmall(`dependencies/${c1}.json`))!,
    );
    await attack(s, SyncErrorCodes.invalidRemote, `dependencies/${c2}.json`, 'manifest', c2);
  }, 120_000);

  it('a catalog entry whose uuid is not a UUID (control characters) is refused', async () => {
    const s = await scenario('bad-uuid');
    await s.store.putSmall(
      'checkpoints.feldera',
      JSON.stringify([{ uuid: '\u001b]0;pwned\u0007', fingerprint: 1 }]),
    );
    const outcomes = await attack(s, SyncErrorCodes.invalidRemote, 'checkpoints.feldera', null);
    for (const o of outcomes) expect(o.message).not.toContain('\u001b');
  }, 120_000);

  it('an oversized owner.json fails the standby pull with a coded error', async () => {
    const s = await scenario('huge-owner');
    await s.store.putSmall('owner.json', Buffer.alloc(2 * MiB, 0x20));
    const r = await run('pull', s.prefix, s.dir);
    expect(r).toMatchObject({ ok: false, code: StoreErrorCodes.tooLarge });
    expect(r.message).toContain('owner.json');
  }, 120_000);
});
