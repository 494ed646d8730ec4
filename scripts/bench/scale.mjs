// Target 6: scale. A checkpoint of `files` small batch files is pushed into a prefix holding no
// checkpoint and into one whose catalog already names `oldCount` checkpoints (a synthetic catalog
// plus one small manifest each, written directly). Counted per operation: ObjectStore port calls
// (by method), rclone processes (by command) and time. Also: resolving `latest` (a standby pull
// that finds the newest checkpoint already installed) must not list the bucket.
import { mkdir, readdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createSynchronizer } from '../../packages/sync/dist/index.js';
import { uuidv7, writeStorage } from './data.mjs';
import { productStore, rcloneCopy } from './stores.mjs';
import { cpuMeter, now } from './util.mjs';

const PIPELINE = {
  systemName: 'pipeline-0197a0e0-0000-7000-8000-00000000b006',
  givenName: 'bench-scale',
};
const sync = (dir, store) =>
  createSynchronizer({
    storageDir: dir,
    store,
    pipeline: PIPELINE,
    retention: { minCount: 10, minAgeDays: 30 },
    checkers: 20,
  });

/**
 * Puts `count` synthetic older checkpoints in front of the remote catalog (one small manifest
 * each), written directly with one rclone copy: the catalog then names them plus the real ones.
 */
async function seedOldCheckpoints(env, location, count, currentCatalog) {
  const dir = join(env.tmp, 'scale-seed');
  await mkdir(join(dir, 'dependencies'), { recursive: true });
  const base = Date.now() - 6 * 3600_000 - count * 600_000; // one every 10 minutes, all younger than 30 days
  const entries = [];
  const files = ['checkpoints.feldera'];
  for (let k = 0; k < count; k++) {
    const uuid = uuidv7(base + k * 600_000);
    const batch = `w0-${uuidv7(base + k * 600_000 - 1000)}.feldera`;
    const entry = `{"uuid":"${uuid}","identifier":null,"fingerprint":18446744073709551615,"size":2148,"steps":${k + 1},"processed_records":${k + 1}}`;
    entries.push(`  ${entry}`);
    const manifest =
      `{"format_version":2,"uuid":"${uuid}","entry":${entry},"batches":["${batch}"],"state_files":[],` +
      `"objects":[{"key":"${batch}","size":2048,"sha256":"${'0'.repeat(64)}"},{"key":"${uuid}.zip","size":100,"sha256":"${'1'.repeat(64)}"}],` +
      `"zip_files":[{"path":"${uuid}/state.json","size":2,"sha256":"${'2'.repeat(64)}"}],"created_at":"${new Date(base + k * 600_000).toISOString()}"}\n`;
    await writeFile(join(dir, 'dependencies', `${uuid}.json`), manifest);
    files.push(`dependencies/${uuid}.json`);
  }
  const rest = currentCatalog.trim().replace(/^\[/, '').trim();
  await writeFile(
    join(dir, 'checkpoints.feldera'),
    '[\n' + entries.join(',\n') + (rest === ']' ? '\n]\n' : ',\n' + rest + '\n'),
  );
  await rcloneCopy(env.wrapper, env.store.target, {
    direction: 'up',
    localDir: dir,
    location,
    files,
    listDir: env.tmp,
  });
  await rm(dir, { recursive: true, force: true });
}

async function op(env, counting, fn) {
  counting.reset();
  const stop = await cpuMeter({ rcloneLog: env.wrapper, storePids: env.store.storePids });
  const t0 = now();
  const value = await fn();
  const ms = now() - t0;
  const cpu = await stop();
  return {
    ms,
    calls: counting.snapshot(),
    spawns: cpu.rcloneSpawns,
    byCommand: cpu.rcloneByCommand,
    cpu,
    value,
  };
}

export async function scaleSuite(env, { files, oldCount }, log) {
  const dir = join(env.tmp, 'scale-storage');
  const t0 = Date.now() - 600_000;
  const batches = new Map();
  const names = [];
  for (let k = 0; k < files + Math.ceil(files / 50); k++) {
    const name = `w0-${uuidv7(t0 + k)}.feldera`;
    batches.set(name, 2048);
    names.push(name);
  }
  const churn = Math.max(1, Math.round(files / 100)); // 1% replaced per checkpoint
  const sets = [names.slice(0, files)];
  for (let k = 1; k < 5; k++)
    sets.push([
      ...sets[k - 1].slice(churn),
      ...names.slice(files + (k - 1) * churn, files + k * churn),
    ]);
  const u = sets.map((_, k) => uuidv7(t0 + 100_000 + k * 1000));
  await writeStorage(dir, {
    batches,
    checkpoints: sets.map((b, k) => ({ uuid: u[k], batches: b, opSizes: [4096] })),
  });
  const out = { files, oldCount, empty: {}, old: {} };
  const location = `${env.bucket.bucket}/scale`;
  const fresh = () => {
    const c = productStore(env.store.target, location, env.wrapper);
    return { c, s: sync(dir, c.store) };
  };
  try {
    // Without old checkpoints: the full push of C1, then incremental pushes (same and fresh process).
    let a = fresh();
    out.empty.coldPush = await op(env, a.c, () => a.s.push(u[0]));
    // The baseline: plain rclone copy of the same files (the batch files and the checkpoint's own
    // files, which the push sends as one zip) into a prefix of its own.
    const ownFiles = (await readdir(join(dir, u[0]))).map((f) => `${u[0]}/${f}`);
    out.baseUp = await op(env, a.c, () =>
      rcloneCopy(env.wrapper, env.store.target, {
        direction: 'up',
        localDir: dir,
        location: `${env.bucket.bucket}/scale-base`,
        files: [...sets[0], ...ownFiles],
        listDir: env.tmp,
      }),
    );
    out.empty.warmInc = await op(env, a.c, () => a.s.push(u[1]));
    await a.s.close();
    a = fresh();
    out.empty.coldInc = await op(env, a.c, () => a.s.push(u[2]));
    await a.s.close();
    // Resolving `latest` on a standby that already holds it (its own directory: a pull installs the
    // bucket's catalog, which does not name the primary's newer local checkpoints).
    const standbyDir = join(env.tmp, 'scale-standby');
    await mkdir(standbyDir, { recursive: true });
    const standby = () => {
      const c = productStore(env.store.target, location, env.wrapper);
      return { c, s: sync(standbyDir, c.store) };
    };
    a = standby();
    await a.s.pull({ spec: 'latest' });
    await a.s.close();
    a = standby();
    out.empty.resolve = await op(env, a.c, () => a.s.pull({ spec: 'latest' }));
    await a.s.close();
    await rm(standbyDir, { recursive: true, force: true });
    // `oldCount` older checkpoints put in front of the catalog, then the same operations again.
    const t = now();
    const catalog = new TextDecoder().decode(await a.c.store.getSmall('checkpoints.feldera'));
    await seedOldCheckpoints(env, location, oldCount, catalog);
    log(
      `  scale: seeded ${oldCount} catalog entries and manifests in ${((now() - t) / 1000).toFixed(1)} s`,
    );
    a = fresh();
    out.old.coldInc = await op(env, a.c, () => a.s.push(u[3]));
    out.old.warmInc = await op(env, a.c, () => a.s.push(u[4]));
    await a.s.close();
    // Restore of the newest checkpoint into an empty directory vs rclone copy down of its objects;
    // then resolving `latest` there, where it is installed already.
    const restoreDir = join(env.tmp, 'scale-restore');
    const downDir = join(env.tmp, 'scale-down');
    await mkdir(restoreDir, { recursive: true });
    const rc = productStore(env.store.target, location, env.wrapper);
    const rs = sync(restoreDir, rc.store);
    out.restore = await op(env, rc, () => rs.restore({ spec: u[4], failIfNoCheckpoint: true }));
    await rs.close();
    const rr = productStore(env.store.target, location, env.wrapper);
    const rrs = sync(restoreDir, rr.store);
    out.old.resolve = await op(env, rr, () => rrs.pull({ spec: 'latest' }));
    await rrs.close();
    if (out.old.resolve.value.uuid !== u[4])
      throw new Error(`latest resolved to ${out.old.resolve.value.uuid}, expected ${u[4]}`);
    await rm(restoreDir, { recursive: true, force: true });
    out.baseDown = await op(env, rc, () =>
      rcloneCopy(env.wrapper, env.store.target, {
        direction: 'down',
        localDir: downDir,
        location,
        files: [...sets[4], `${u[4]}.zip`],
        listDir: env.tmp,
      }),
    );
    await rm(downDir, { recursive: true, force: true });
    delete out.restore.value;
    delete out.baseUp.value;
    delete out.baseDown.value;
    for (const r of [out.empty, out.old]) for (const v of Object.values(r)) delete v.value;
    const d = (r) => `${(r.ms / 1000).toFixed(2)} s/${r.spawns} rclone ${JSON.stringify(r.calls)}`;
    log(
      `  scale (no old): push ${files} files ${d(out.empty.coldPush)}; incremental same process ${d(out.empty.warmInc)}, fresh process ${d(out.empty.coldInc)}; resolve latest ${d(out.empty.resolve)}`,
    );
    log(
      `  scale (${oldCount} old): incremental fresh process ${d(out.old.coldInc)}, same process ${d(out.old.warmInc)}; resolve latest ${d(out.old.resolve)}`,
    );
    log(
      `  scale: rclone copy up of the same ${files} files ${d(out.baseUp)}; restore ${d(out.restore)}, rclone copy down ${d(out.baseDown)}`,
    );
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
  return out;
}
