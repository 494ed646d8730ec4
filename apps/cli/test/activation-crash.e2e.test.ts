// kill -9 at every point of a standby's activation (issue: "wrong state after kill -9 between
// ownership takeover and the activation marker"), then the real `feldera-sync standby` restarted on
// the same directory. Every crash point ends in one well-defined state:
//   killed after the final pull, before the intent  -> standby again, owner.json unchanged
//   killed after the intent / the takeover / the marker (intent not cleared) -> the restart completes
//     the activation: owner.json names the standby, Feldera's marker, no intent, exit 0
//   killed after the marker, before the engine      -> the marker auto-activates: exit 0 at once
// The child (fixtures/activation-child.mjs) is wired as the CLI is and stops dead at the point.
import { readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ACTIVATION_INTENT_FILE, readOwner } from '@feldera-sync/checkpoint';
import { cephServer, ensureCeph, felderaRestoreCheck, makeTempDir } from '@feldera-sync/test-utils';
import type { TempDir, TestBucket } from '@feldera-sync/test-utils';
import { derivePipelineSystemName } from '../src/index.js';
import { assertBuilt, run, runBin } from './support/bin.js';
import { WRITER, configFor, envFor, startBin, startChild, storeOf, within } from './support/e2e.js';

const ceph = await ensureCeph();
const CHILD = new URL('./fixtures/activation-child.mjs', import.meta.url).pathname;
const STANDBY = { given: 'orders-b', system: derivePipelineSystemName('orders-b') };
const PRIMARY = derivePipelineSystemName('orders-a');
const buckets: TestBucket[] = [];
let tmp: TempDir;

const STEPS = ['final-pull', 'intent', 'takeover', 'marker-only', 'marker', 'engine'] as const;

describe.skipIf(!ceph.available)('kill -9 at each activation step, then restart (Ceph RGW)', () => {
  beforeAll(async () => {
    await assertBuilt();
    tmp = await makeTempDir('feldera-sync-activation-crash-');
  });
  afterAll(async () => {
    await Promise.all(buckets.map((b) => b.remove()));
    await tmp?.cleanup();
  });

  it.each(STEPS)(
    'killed after %s',
    async (step) => {
      const bucket = await cephServer().createBucket();
      buckets.push(bucket);
      const env = envFor(bucket);
      const config = await configFor(tmp.path, bucket, {
        start_from_checkpoint: 'latest',
        pull_interval: 1,
      });
      // The primary: two checkpoints written by the independent writer, the newest pushed.
      const primary = join(tmp.path, `primary-${step}`);
      const wrote = await run(
        'python3',
        [WRITER, primary, '--checkpoints', '2', '--seed', '5'],
        env,
      );
      expect(wrote.code, wrote.stderr).toBe(0);
      const pushed = await runBin(
        ['push', '--config', config, '--storage', primary, '--pipeline', 'orders-a', '--json'],
        env,
      );
      expect(pushed.code, pushed.stderr).toBe(0);
      const newest = (JSON.parse(pushed.stdout) as { checkpoint_uuid: string }).checkpoint_uuid;

      const target = join(tmp.path, `standby-${step}`);
      const sync = await readFile(config, 'utf8');
      const child = startChild(
        process.execPath,
        [CHILD, target, sync, STANDBY.system, STANDBY.given, step],
        env,
      );
      await child.waitFor(
        () => child.json().some((l) => l.reached === step),
        60_000,
        `child reaching ${step}`,
      );
      child.kill('SIGKILL');
      expect(await child.exited).toBeNull();

      const files = await readdir(target);
      const owner = async () => (await readOwner(storeOf(bucket)))?.pipeline_name;
      // What the kill left, as the crash point implies.
      expect(files.includes(ACTIVATION_INTENT_FILE), 'intent after the kill').toBe(
        step === 'intent' || step === 'takeover' || step === 'marker-only',
      );
      expect(files.includes('activated.feldera'), 'marker after the kill').toBe(
        step === 'marker-only' || step === 'marker' || step === 'engine',
      );
      expect(await owner(), 'owner after the kill').toBe(
        step === 'final-pull' || step === 'intent' ? PRIMARY : STANDBY.system,
      );

      // The real CLI restarted on the directory.
      const args = [
        'standby',
        '--config',
        config,
        '--storage',
        target,
        '--pipeline',
        STANDBY.given,
      ];
      if (step === 'final-pull') {
        const again = startBin(args, env);
        await again.waitFor(
          () => /checkpoint pulled successfully|up to date/.test(again.stdout()),
          60_000,
          'standby again',
        );
        again.kill('SIGTERM');
        expect(await within(again.exited, 30_000, 'stop')).toBe(0);
        expect(await owner()).toBe(PRIMARY);
        expect(await readdir(target)).not.toContain('activated.feldera');
        return;
      }
      const again = startBin(args, env);
      const code = await within(again.exited, 60_000, 'restart exits');
      expect(code, again.stderr()).toBe(0);
      expect(again.stderr()).toMatch(
        step === 'marker' || step === 'engine'
          ? /activated\.feldera present/
          : /an interrupted activation was completed/,
      );
      expect(await owner()).toBe(STANDBY.system);
      const after = await readdir(target);
      expect(after).toContain('activated.feldera');
      expect(after).not.toContain(ACTIVATION_INTENT_FILE);
      expect(await readFile(join(target, 'activated.feldera'), 'utf8')).toMatch(
        new RegExp(`^\\{"uuid":"${newest}","identifier":null,`),
      );
      expect(await felderaRestoreCheck(target)).toMatchObject({
        ok: true,
        resumesFrom: newest,
        wouldRemove: [],
      });
    },
    180_000,
  );
});
