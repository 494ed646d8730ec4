// Pushes and pulls through a fault proxy (test-utils) in front of Ceph RGW: connection resets,
// stalls, blackholes, refusals, 5xx / SlowDown, truncated bodies, replies lost after the store
// applied a PUT. Each operation either succeeds with the right bytes or fails with a coded error
// within its deadline; the bucket's catalog only ever names checkpoints whose objects all exist
// (checked straight against Ceph, not through the proxy); a failed pull leaves storage as it was.
import { join } from 'node:path';
import type { ObjectStore } from '@feldera-sync/checkpoint';
import { isSyncError } from '@feldera-sync/errors';
import { createRcloneStore } from '@feldera-sync/rclone';
import { createSynchronizer } from '@feldera-sync/sync';
import {
  cephServer,
  ensureCeph,
  felderaRestoreCheck,
  startFaultProxy,
} from '@feldera-sync/test-utils';
import type { Fault, FaultProxy, TestBucket } from '@feldera-sync/test-utils';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { StorageBuilder, removeDir, snapshotTree, tempDir } from './support/storage-builder.js';
import { storeFor } from './support/stores.js';

const ceph = await ensureCeph();
const A = { systemName: 'pipeline-00000000-0000-4000-8000-00000000000a', givenName: 'alpha' };
const B = { systemName: 'pipeline-00000000-0000-4000-8000-00000000000b', givenName: 'beta' };
const KiB = 1024;
const MiB = 1024 * KiB;
/** Short bounds so a failing case ends in seconds. */
const STALL_MS = 2_000;
const REQUEST_MS = 3_000;
const DEADLINE_MS = 12_000;
/** The longest any one operation may take here: its deadline plus the small requests around it. */
const BOUND_MS = DEADLINE_MS + 4 * REQUEST_MS * 3;
const CODED = [
  'ERR_STORE_NETWORK',
  'ERR_STORE_TIMEOUT',
  'ERR_STORE_STALLED',
  'ERR_STORE_UNAVAILABLE',
  'ERR_SYNC_UPLOAD_INCOMPLETE',
  'ERR_STORE_OTHER',
];

describe.skipIf(!ceph.available)('faults between rclone and Ceph RGW', () => {
  let bucket: TestBucket;
  let tcp: FaultProxy;
  let http: FaultProxy;
  const dirs: string[] = [];
  let source: StorageBuilder;
  let c1: string;
  let c2: string;

  const through = (proxy: FaultProxy, prefix: string): ObjectStore =>
    createRcloneStore({
      remote: {
        provider: bucket.provider,
        endpoint: proxy.endpoint,
        region: bucket.region,
        accessKey: bucket.accessKey,
        secretKey: bucket.secretKey,
        bucket: `${bucket.bucket}/${prefix}`,
      },
      conditionalPut: bucket.conditionalPut,
      tuning: {
        transfers: 4,
        flags: [
          '--low-level-retries',
          '2',
          '--retries',
          '2',
          '--retries-sleep',
          '0s',
          '--contimeout',
          '1s',
          '--timeout',
          '3s',
          '--s3-upload-cutoff',
          '5M',
          '--s3-chunk-size',
          '5M',
        ],
      },
      timeouts: { requestMs: REQUEST_MS, stallMs: STALL_MS },
    });

  const syncFor = (dir: string, store: ObjectStore, pipeline = A) =>
    createSynchronizer({ storageDir: dir, store, pipeline, transferTimeoutMs: DEADLINE_MS });

  /** Every catalogued checkpoint's manifest and objects exist at their sizes (read straight from Ceph). */
  const assertConsistent = async (prefix: string): Promise<string[]> => {
    const truth = storeFor(bucket, { prefix });
    const body = await truth.getSmall('checkpoints.feldera');
    if (body === null) return [];
    const catalog = JSON.parse(new TextDecoder().decode(body)) as { uuid: string }[];
    for (const { uuid } of catalog) {
      const m = await truth.getSmall(`dependencies/${uuid}.json`);
      expect(m, `manifest of catalogued ${uuid}`).not.toBeNull();
      const manifest = JSON.parse(new TextDecoder().decode(m)) as {
        objects: { key: string; size: number }[];
      };
      for (const o of manifest.objects)
        expect((await truth.head(o.key))?.size, `${o.key} of catalogued ${uuid}`).toBe(o.size);
    }
    return catalog.map((e) => e.uuid);
  };

  const outcome = async <T>(
    op: () => Promise<T>,
  ): Promise<{ ok: true; value: T; ms: number } | { ok: false; code: string; ms: number }> => {
    const started = Date.now();
    try {
      const value = await op();
      return { ok: true, value, ms: Date.now() - started };
    } catch (e) {
      if (!isSyncError(e)) throw e;
      return { ok: false, code: e.code, ms: Date.now() - started };
    }
  };

  beforeAll(async () => {
    bucket = await cephServer().createBucket();
    tcp = await startFaultProxy(bucket.endpoint, 'tcp');
    http = await startFaultProxy(bucket.endpoint, 'http');
    const d = await tempDir('faults-src-');
    dirs.push(d);
    source = new StorageBuilder(d);
    const shared = [await source.batch(256 * KiB), await source.batch(256 * KiB)];
    c1 = await source.checkpoint(shared);
    // c2 adds a multipart-sized batch (above the 5M upload cutoff set above).
    c2 = await source.checkpoint([...shared, await source.batch(12 * MiB)]);
  }, 120_000);
  afterAll(async () => {
    await tcp?.close();
    await http?.close();
    await bucket?.remove().catch(() => undefined);
    for (const d of dirs) await removeDir(d);
  });

  const pushCases: [string, 'tcp' | 'http', Fault][] = [
    [
      'one connection reset after 100 KB',
      'tcp',
      { kind: 'reset-after', bytes: 100 * KiB, times: 1 },
    ],
    ['every connection reset after 100 KB', 'tcp', { kind: 'reset-after', bytes: 100 * KiB }],
    ['connections that stall after 64 KB', 'tcp', { kind: 'stall-after', bytes: 64 * KiB }],
    ['a blackholed store', 'tcp', { kind: 'blackhole' }],
    ['a store refusing connections for 1.5 s', 'tcp', { kind: 'refuse', forMs: 1_500 }],
    [
      '503 SlowDown on the first two PUTs',
      'http',
      { kind: 'status', status: 503, code: 'SlowDown', match: { method: 'PUT' }, times: 2 },
    ],
    [
      '500 on every multipart Complete',
      'http',
      {
        kind: 'status',
        status: 500,
        code: 'InternalError',
        match: { method: 'POST', url: /uploadId=/ },
      },
    ],
    [
      'the reply to the manifest PUT lost after the store applied it',
      'http',
      {
        kind: 'lose-reply',
        match: { method: 'PUT', url: /dependencies%2F|dependencies\// },
        times: 1,
      },
    ],
    [
      'the reply to the catalog PUT lost after the store applied it',
      'http',
      { kind: 'lose-reply', match: { method: 'PUT', url: /checkpoints\.feldera/ }, times: 1 },
    ],
  ];

  it.each(pushCases)(
    'push under %s: right bytes or a coded error in time; the catalog names only whole checkpoints; the next push finishes',
    async (label, layer, fault) => {
      const prefix = `push-${label.replace(/\W+/g, '-')}`;
      const proxy = layer === 'tcp' ? tcp : http;
      proxy.setFault({ kind: 'none' });
      const store = through(proxy, prefix);
      const s = syncFor(source.dir, store);
      // c1 first, without faults: c2 then shares its batches and adds the multipart one.
      await s.push(c1);
      proxy.setFault(fault);
      const r = await outcome(() => s.push(c2));
      proxy.setFault({ kind: 'none' });
      console.info(`[faults] push, ${label}: ${r.ok ? 'succeeded' : r.code} in ${r.ms} ms`);
      expect(r.ms, `${label}: ${JSON.stringify(r)}`).toBeLessThan(BOUND_MS);
      if (!r.ok) expect(CODED, label).toContain(r.code);
      const catalogued = await assertConsistent(prefix);
      expect(catalogued[0]).toBe(c1);
      // Whatever happened, the next push (or an already-synced check) completes it.
      const again = await s.push(c2);
      expect(again.uuid).toBe(c2);
      expect(await assertConsistent(prefix)).toEqual([c1, c2]);
      expect((await syncFor(source.dir, storeFor(bucket, { prefix })).verify(c2)).ok).toBe(true);
      await s.close();
    },
    90_000,
  );

  const pullCases: [string, 'tcp' | 'http', Fault][] = [
    ['every connection reset after 100 KB', 'tcp', { kind: 'reset-after', bytes: 100 * KiB }],
    ['connections that stall after 64 KB', 'tcp', { kind: 'stall-after', bytes: 64 * KiB }],
    ['a blackholed store', 'tcp', { kind: 'blackhole' }],
    ['a store refusing connections for 1.5 s', 'tcp', { kind: 'refuse', forMs: 1_500 }],
    [
      'every GET answered 503 SlowDown',
      'http',
      { kind: 'status', status: 503, code: 'SlowDown', match: { method: 'GET' } },
    ],
    [
      'object bodies truncated after 64 KB',
      'http',
      { kind: 'truncate', bytes: 64 * KiB, match: { method: 'GET', url: /\.feldera|\.zip/ } },
    ],
  ];

  it.each(pullCases)(
    'pull under %s: the right bytes, or a coded error in time with storage unchanged',
    async (label, layer, fault) => {
      const prefix = `pull-${label.replace(/\W+/g, '-')}`;
      const good = storeFor(bucket, { prefix });
      const primary = syncFor(source.dir, good);
      await primary.push(c1);
      await primary.push(c2);
      await primary.close();
      const dir = join(await tempDir('faults-pull-'), 'storage');
      dirs.push(dir);
      const first = syncFor(dir, good, B);
      await first.restore({ spec: c1 });
      await first.close();
      const before = await snapshotTree(dir);
      const proxy = layer === 'tcp' ? tcp : http;
      proxy.setFault(fault);
      const s = syncFor(dir, through(proxy, prefix), B);
      const r = await outcome(() => s.pull({ spec: c2 }));
      proxy.setFault({ kind: 'none' });
      await s.close();
      console.info(`[faults] pull, ${label}: ${r.ok ? 'succeeded' : r.code} in ${r.ms} ms`);
      expect(r.ms, `${label}: ${JSON.stringify(r)}`).toBeLessThan(BOUND_MS);
      if (r.ok) {
        expect(r.value.uuid).toBe(c2);
        expect(await felderaRestoreCheck(dir)).toMatchObject({ ok: true, resumesFrom: c2 });
      } else {
        expect(CODED, `${label}: ${r.code}`).toContain(r.code);
        expect(await snapshotTree(dir)).toEqual(before);
      }
    },
    90_000,
  );
});
