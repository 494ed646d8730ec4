// Two `feldera-sync push` processes on one storage directory at once, against Ceph RGW. Before the
// storage lock the second removed the first's staging as a leftover and the first published a
// checkpoint with objects missing (rclone skipped the vanished files and exited 0). Now one holds
// the directory and the other exits 8 naming it, or waits for nothing and finds the work done;
// whatever the interleaving, every catalogued checkpoint verifies.
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cephServer, ensureCeph, generateStorageDir, makeTempDir } from '@feldera-sync/test-utils';
import type { TempDir, TestBucket } from '@feldera-sync/test-utils';
import { writeFile } from 'node:fs/promises';
import { BIN, assertBuilt, runBin } from './support/bin.js';

const ceph = await ensureCeph();
const TRIALS = 8;
let tmp: TempDir;
const buckets: TestBucket[] = [];

function push(
  args: string[],
  env: Record<string, string>,
): Promise<{ code: number | null; err: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [BIN, ...args], {
      env,
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let err = '';
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 120_000);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, err });
    });
  });
}

describe.skipIf(!ceph.available)('two pushes on one storage directory (Ceph RGW)', () => {
  beforeAll(async () => {
    await assertBuilt();
    tmp = await makeTempDir('feldera-sync-two-pushes-');
  });
  afterAll(async () => {
    await Promise.all(buckets.map((b) => b.remove()));
    await tmp?.cleanup();
  });

  it(`${TRIALS} trials: each push exits 0 or 8 (storage in use), and every catalogued checkpoint verifies`, async () => {
    const outcomes: string[] = [];
    for (let t = 0; t < TRIALS; t++) {
      const bucket = await cephServer().createBucket();
      buckets.push(bucket);
      const config = join(tmp.path, `c${t}.json`);
      await writeFile(
        config,
        JSON.stringify({
          bucket: bucket.bucket,
          endpoint: bucket.endpoint,
          provider: bucket.provider,
          region: bucket.region,
        }),
      );
      const storage = await generateStorageDir(join(tmp.path, `s${t}`), {
        seed: 100 + t,
        checkpoints: 3,
        batchesPerCheckpoint: 6,
        batchSize: { min: 64 << 10, max: 256 << 10 },
        startMs: Date.now() - 10 * 60_000,
      });
      const env: Record<string, string> = {};
      for (const [k, v] of Object.entries(process.env))
        if (v !== undefined && !k.startsWith('FELDERA_SYNC_')) env[k] = v;
      env.FELDERA_SYNC_ACCESS_KEY = bucket.accessKey;
      env.FELDERA_SYNC_SECRET_KEY = bucket.secretKey;
      const [a, b] = await Promise.all(
        [storage.checkpoints[1]!.uuid, storage.checkpoints[2]!.uuid].map((uuid) =>
          push(
            [
              'push',
              '--config',
              config,
              '--storage',
              storage.dir,
              '--pipeline',
              'race',
              '--checkpoint',
              uuid,
            ],
            env,
          ),
        ),
      );
      outcomes.push(`${a!.code}/${b!.code}`);
      for (const r of [a!, b!]) {
        expect([0, 8], r.err).toContain(r.code);
        if (r.code === 8) expect(r.err).toContain('[ERR_CHECKPOINT_LOCKED]');
      }
      const ls = await runBin(['checkpoints', 'ls', '--remote', '--config', config, '--json'], env);
      const catalogued = (JSON.parse(ls.stdout) as { uuid: string }[]).map((e) => e.uuid);
      expect(catalogued.length).toBe([a!, b!].filter((r) => r.code === 0).length);
      for (const uuid of catalogued) {
        const v = await runBin(['verify', '--config', config, '--checkpoint', uuid], env);
        expect(v.code, `${uuid}: ${v.stdout}${v.stderr}`).toBe(0);
      }
    }
    console.info(`[two pushes] exit codes per trial: ${outcomes.join(' ')}`);
  }, 600_000);
});
