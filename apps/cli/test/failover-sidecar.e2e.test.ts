// The failover story of docs/standby.md, with two Feldera-like writers (fixtures/feldera_writer.py) and
// the sidecar roles, against Ceph RGW, with the built binary:
//   A (primary): writer + `sidecar` pushing every second      B: `standby` pulling every second
//   B pulls at least two of A's checkpoints; A (writer and sidecar) is killed with SIGKILL;
//   B is activated (POST /activate): final pull, takeover, activated.feldera, exit 0;
//   B's directory holds exactly A's files at A's last pushed checkpoint (SHA-256 of every file);
//   a second writer resumes on B's directory (Feldera's restart: root state.json, restore check,
//   startup GC) beside B's own sidecar, which pushes as the bucket's new owner; A's sidecar, if it
//   comes back, is refused.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readOwner, readRemoteCatalog } from '@feldera-sync/checkpoint';
import { cephServer, ensureCeph, felderaRestoreCheck, makeTempDir } from '@feldera-sync/test-utils';
import type { TempDir, TestBucket } from '@feldera-sync/test-utils';
import { derivePipelineSystemName } from '../src/index.js';
import { assertBuilt } from './support/bin.js';
import type { Child } from './support/e2e.js';
import {
  WRITER,
  configFor,
  envFor,
  startBin,
  startChild,
  storeOf,
  tree,
  within,
} from './support/e2e.js';

const ceph = await ensureCeph();
let tmp: TempDir;
let bucket: TestBucket | null = null;

function logLines(child: Child, msg: string): Record<string, unknown>[] {
  return child
    .stderr()
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .flatMap((l) => {
      try {
        const o = JSON.parse(l) as Record<string, unknown>;
        return o.msg === msg ? [o] : [];
      } catch {
        return [];
      }
    });
}

const pulled = (standby: Child): string[] => [
  ...new Set(
    [...standby.stdout().matchAll(/checkpoint pulled successfully: ([0-9a-f-]{36})/g)].map(
      (m) => m[1]!,
    ),
  ),
];

describe.skipIf(!ceph.available)('failover with sidecars and two writers (Ceph RGW)', () => {
  beforeAll(async () => {
    await assertBuilt();
    tmp = await makeTempDir('feldera-sync-failover-sidecar-');
  });
  afterAll(async () => {
    await bucket?.remove();
    await tmp?.cleanup();
  });

  it("the activated standby holds exactly the primary's files at its last pushed checkpoint; a second writer resumes there", async () => {
    bucket = await cephServer().createBucket();
    const env = envFor(bucket);
    const configA = await configFor(
      tmp.path,
      bucket,
      { name: 'orders-a', push_interval: 1 },
      'a.json',
    );
    const configB = await configFor(
      tmp.path,
      bucket,
      { name: 'orders-b', start_from_checkpoint: 'latest', pull_interval: 1 },
      'b.json',
    );
    const dirA = join(tmp.path, 'a');
    const dirB = join(tmp.path, 'b');
    const children: Child[] = [];
    const spawnChild = (c: Child): Child => {
      children.push(c);
      return c;
    };
    try {
      // Steps 1-8: A processes and checkpoints every 200 ms, its sidecar pushes every second; B
      // stands by and pulls.
      const writerA = spawnChild(
        startChild(
          'python3',
          [
            WRITER,
            dirA,
            '--checkpoints',
            '100000',
            '--interval-ms',
            '200',
            '--seed',
            '51',
            '--print-hashes',
          ],
          env,
        ),
      );
      await writerA.waitFor(() => writerA.json().length > 0, 30_000, 'writer A');
      const sidecarA = spawnChild(
        startBin(['sidecar', '--config', configA, '--storage', dirA], env),
      );
      const standby = spawnChild(
        startBin(
          ['standby', '--config', configB, '--storage', dirB, '--listen', '127.0.0.1:0'],
          env,
        ),
      );
      await standby.waitFor(() => pulled(standby).length >= 2, 90_000, 'B pulls two checkpoints');
      expect(logLines(sidecarA, 'push succeeded').length).toBeGreaterThanOrEqual(2);

      // Step 9: A fails, writer and sidecar at once.
      writerA.kill('SIGKILL');
      sidecarA.kill('SIGKILL');
      await within(Promise.all([writerA.exited, sidecarA.exited]), 10_000, 'A killed');
      const catalog = await readRemoteCatalog(storeOf(bucket));
      const last = catalog.at(-1)!;
      expect(logLines(sidecarA, 'push started').map((l) => l.uuid)).toContain(last.uuid);
      const written = writerA.json().filter((l) => l.event === 'checkpoint') as unknown as {
        uuid: string;
        files: Record<string, string>;
      }[];
      const atLast = written.find((w) => w.uuid === last.uuid)!;
      expect(atLast, 'the last pushed checkpoint was written by A').toBeDefined();
      // A kept checkpointing after it: the bucket is behind A's disk, B must match the bucket.
      expect(written.at(-1)!.uuid).not.toBe(last.uuid);

      // Step 10: B activated.
      const url = /on (http:\/\/127\.0\.0\.1:\d+)/.exec(standby.stderr())![1]!;
      const activated = await fetch(`${url}/activate`, { method: 'POST' });
      expect(activated.status).toBe(202);
      expect(await within(standby.exited, 60_000, 'B activation'), standby.stderr()).toBe(0);
      expect((await readOwner(storeOf(bucket)))?.pipeline_name).toBe(
        derivePipelineSystemName('orders-b'),
      );
      expect(standby.stdout()).toContain(`activated: storage holds ${last.uuid}`);

      // Step 11: exactly A's state at its last pushed checkpoint, file by file.
      const got = await tree(dirB, ['activated.feldera', 'checkpoints.feldera']);
      const expected = new Map(Object.entries(atLast.files));
      for (const [file, sha] of expected) expect(got.get(file), file).toBe(sha);
      // X's own directory holds exactly its files; what else is there belongs to the one older
      // checkpoint the standby keeps (its local GC keeps the newest two), named by its catalog.
      const dirFiles = (m: Iterable<string>) =>
        [...m].filter((k) => k.startsWith(`${last.uuid}/`)).sort();
      expect(dirFiles(got.keys())).toEqual(dirFiles(expected.keys()));
      const localCatalog = JSON.parse(
        await readFile(join(dirB, 'checkpoints.feldera'), 'utf8'),
      ) as {
        uuid: string;
      }[];
      expect(localCatalog.at(-1)!.uuid).toBe(last.uuid);
      expect(localCatalog.length).toBeLessThanOrEqual(2);
      expect(await felderaRestoreCheck(dirB)).toMatchObject({
        ok: true,
        resumesFrom: last.uuid,
        wouldRemove: [],
      });
      expect(await readFile(join(dirB, 'activated.feldera'), 'utf8')).toMatch(
        new RegExp(`^\\{"uuid":"${last.uuid}",`),
      );

      // The second writer resumes on B's directory while B's sidecar starts beside it.
      const sidecarB = spawnChild(
        startBin(
          ['sidecar', '--config', configB, '--storage', dirB, '--listen', '127.0.0.1:0'],
          env,
        ),
      );
      const writerB = spawnChild(
        startChild(
          'python3',
          [
            WRITER,
            dirB,
            '--resume',
            '--checkpoints',
            '6',
            '--interval-ms',
            '200',
            '--seed',
            '52',
            '--print-hashes',
          ],
          env,
        ),
      );
      expect(await within(writerB.exited, 60_000, 'writer B'), writerB.stderr()).toBe(0);
      const resumed = writerB.json().find((l) => l.event === 'resumed');
      expect(resumed).toMatchObject({ uuid: last.uuid, step: last.steps });
      const newest = String(
        writerB
          .json()
          .filter((l) => l.event === 'checkpoint')
          .at(-1)!.uuid,
      );
      await sidecarB.waitFor(
        () => logLines(sidecarB, 'push succeeded').some((l) => l.uuid === newest),
        90_000,
        "B's sidecar pushes the second writer's newest checkpoint",
      );
      sidecarB.kill('SIGTERM');
      expect(await within(sidecarB.exited, 60_000, 'sidecar B stop')).toBe(0);
      expect((await readRemoteCatalog(storeOf(bucket))).at(-1)!.uuid).toBe(newest);

      // A comes back (its sidecar restarted on its old directory): fenced, it cannot push.
      const sidecarA2 = spawnChild(
        startBin(['sidecar', '--config', configA, '--storage', dirA], env),
      );
      await sidecarA2.waitFor(
        () => logLines(sidecarA2, 'push failed').length > 0,
        60_000,
        "A's refused push",
      );
      expect(logLines(sidecarA2, 'push failed')[0]).toMatchObject({
        code: 'ERR_SYNC_OWNER_MISMATCH',
      });
      sidecarA2.kill('SIGTERM');
      await within(sidecarA2.exited, 60_000, 'sidecar A2 stop');
      console.log(
        `failover: B pulled ${pulled(standby).length} checkpoints, A pushed ${logLines(sidecarA, 'push succeeded').length} and wrote ${written.length} before the kill; B matched ${expected.size} files of ${last.uuid} (step ${last.steps}); the second writer resumed at step ${String(resumed?.step)} and B's sidecar pushed ${logLines(sidecarB, 'push succeeded').length} checkpoints`,
      );
    } finally {
      for (const c of children) c.kill('SIGKILL');
    }
  }, 600_000);
});
