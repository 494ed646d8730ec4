// Targets 1-4: full push, full restore, incremental push and standby catch-up, each against a
// plain `rclone copy` of the same objects with the same flags to the same store, in the same run.
import { mkdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createSynchronizer, HASH_CACHE_FILE } from '../../packages/sync/dist/index.js';
import { createStandbyRunner, systemClock } from '../../packages/standby/dist/index.js';
import { productStore, rcloneCopy } from './stores.mjs';
import { cpuMeter, deviceReadBytes, dropPageCache, now, runOk, sleep, waitFor } from './util.mjs';

const PUSH_CHILD = fileURLToPath(new URL('./push-child.mjs', import.meta.url));

const PIPELINE = {
  systemName: 'pipeline-0197a0e0-0000-7000-8000-00000000b001',
  givenName: 'bench',
};
const PULL_INTERVAL_MS = 1000;

function synchronizer(storageDir, store) {
  return createSynchronizer({
    storageDir,
    store,
    pipeline: PIPELINE,
    retention: { minCount: 10, minAgeDays: 30 },
    checkers: 20,
  });
}

/** Drops the persisted digests of `paths` (by device and inode) from the hash cache file. */
async function forgetDigests(cacheFile, paths) {
  const ids = new Set();
  for (const p of paths) {
    const st = await stat(p, { bigint: true });
    ids.add(`${st.dev} ${st.ino} `);
  }
  const lines = (await readFile(cacheFile, 'utf8')).split('\n').filter(Boolean);
  const kept = lines.filter((l) => !ids.has(l.split(' ').slice(0, 2).join(' ') + ' '));
  if (lines.length - kept.length !== paths.length)
    throw new Error(
      `hash cache: expected to forget ${paths.length} digests, forgot ${lines.length - kept.length}`,
    );
  await writeFile(cacheFile, kept.join('\n') + '\n');
}

/** Runs `fn` under a CPU meter; returns {ms, cpu, value}. */
async function measured(env, fn) {
  const stop = await cpuMeter({ rcloneLog: env.wrapper, storePids: env.store.storePids });
  const t0 = now();
  const value = await fn();
  const ms = now() - t0;
  return { ms, cpu: await stop(), value };
}

/** A standby: the product's runner wired to `sync.pull`, as the server wires it. */
async function startStandby(dir, store) {
  const sync = synchronizer(dir, store);
  const pulls = [];
  const runner = createStandbyRunner({
    clock: systemClock,
    handlers: {
      pull: async (request, signal) => {
        const p = { start: now(), end: 0, uuid: null, bytes: 0, error: null };
        try {
          const r = await sync.pull({
            spec: request.checkpoint ?? 'latest',
            failIfNoCheckpoint: false,
            signal,
          });
          Object.assign(p, { uuid: r.uuid, bytes: r.bytes });
          return { checkpointUuid: r.uuid, bytes: r.bytes };
        } catch (e) {
          p.error = e instanceof Error ? e.message : String(e);
          throw e;
        } finally {
          p.end = now();
          pulls.push(p);
        }
      },
      writeMarker: async () => {},
      startEngine: async () => {},
      stopEngine: async () => {},
      log: () => {},
    },
  });
  await runner.start({
    initial: 'standby',
    startFromCheckpoint: 'latest',
    pullIntervalMs: PULL_INTERVAL_MS,
    failIfNoCheckpoint: false,
    activatedMarkerPresent: false,
    hasLocalCheckpoint: false,
  });
  return {
    pulls,
    holds: (uuid) => pulls.find((p) => p.uuid === uuid && !p.error),
    lastError: () => pulls.filter((p) => p.error).at(-1)?.error,
    async stop() {
      await runner.stop();
      await sync.close();
    },
  };
}

/**
 * One store, `runs` rounds. Each round uses fresh prefixes: ours `r<i>`, the baseline's `b<i>`.
 * The order of ours and the baseline alternates between rounds so drift in the machine's other
 * load does not favour one side.
 */
export async function transferSuite(env, data, runs, log) {
  const { store, bucket, wrapper, tmp } = env;
  const { n, n1 } = data.pair;
  const nFiles = n.files.map((f) => f.path);
  const n1Keys = [
    ...n1.files.filter((f) => !f.path.includes('/')).map((f) => f.path),
    `${n1.uuid}.zip`,
  ];
  const newKeys = [
    ...data.pair.newFiles.filter((f) => !f.path.includes('/')).map((f) => f.path),
    `${n1.uuid}.zip`,
  ];
  const rounds = [];
  for (let i = 0; i < runs; i++) {
    const r = { i };
    const prefix = `${bucket.bucket}/r${i}`;
    const freshPrefix = `${bucket.bucket}/f${i}`;
    const cacheFile = join(data.dir, HASH_CACHE_FILE);
    // Every round's full push hashes everything: no digests survive from the previous round.
    await rm(cacheFile, { force: true });
    const ps = productStore(store.target, prefix, wrapper);
    let sync = synchronizer(data.dir, ps.store);
    const ours = async () => {
      const m = await measured(env, () => sync.push(n.uuid));
      // The lock on the storage directory is the synchroniser's until close; the cache is flushed.
      await sync.close();
      r.fullPush = {
        ms: m.ms,
        bytes: m.value.bytes,
        objects: m.value.objects,
        cpu: m.cpu,
        calls: ps.snapshot(),
      };
    };
    const base = async () => {
      const m = await measured(env, () =>
        rcloneCopy(wrapper, store.target, {
          direction: 'up',
          localDir: data.dir,
          location: `${bucket.bucket}/b${i}`,
          files: nFiles,
          listDir: tmp,
        }),
      );
      r.baseUp = { ms: m.ms, bytes: n.bytes, cpu: m.cpu };
    };
    if (i % 2 === 0) {
      await ours();
      await base();
    } else {
      await base();
      await ours();
    }
    log(
      `  round ${i + 1}: full push ${(r.fullPush.ms / 1000).toFixed(2)} s, rclone copy up ${(r.baseUp.ms / 1000).toFixed(2)} s`,
    );

    // Set-up for the fresh-process incremental push: N also in a second prefix (not measured).
    {
      const setup = synchronizer(data.dir, productStore(store.target, freshPrefix, wrapper).store);
      await setup.push(n.uuid);
      await setup.close();
    }
    sync = synchronizer(data.dir, ps.store);

    // Standby holding N, pulling every second.
    const standbyDir = join(tmp, `standby-${i}`);
    await mkdir(standbyDir, { recursive: true });
    const standby = await startStandby(
      standbyDir,
      productStore(store.target, prefix, wrapper).store,
    );
    try {
      const first = await waitFor(
        `the standby to pull ${n.uuid}`,
        () => {
          const e = standby.lastError();
          if (e) throw new Error(`standby pull failed: ${e}`);
          return standby.holds(n.uuid);
        },
        10 * 60_000,
      );
      r.standbyInitial = { ms: first.end - first.start, bytes: first.bytes };
      // Start the incremental push right after an idle pull, like a real primary would at any time.
      await sleep(300);

      // 3. Incremental push of N+1 (the same synchroniser: hash cache warm, as in a running primary).
      ps.reset();
      const m = await measured(env, () => sync.push(n1.uuid));
      const pushedAt = now();
      r.incPush = {
        ms: m.ms,
        bytes: m.value.bytes,
        objects: m.value.objects,
        skipped: m.value.skippedObjects,
        cpu: m.cpu,
        calls: ps.snapshot(),
      };

      // 4. Until the standby holds N+1.
      const got = await waitFor(
        `the standby to pull ${n1.uuid}`,
        () => standby.holds(n1.uuid),
        10 * 60_000,
        5,
      );
      r.catchup = {
        latencyMs: got.end - pushedAt,
        pullMs: got.end - got.start,
        waitMs: Math.max(0, got.start - pushedAt),
        bytes: got.bytes,
      };
    } finally {
      await standby.stop();
      await rm(standbyDir, { recursive: true, force: true });
    }
    await sync.close();

    // 3c/3d. Incremental push of N+1 from a fresh Node process whose only memory of N is the
    // persistent hash cache: the cache as it is now, less the digests of N+1's new files (which
    // the same-process push above recorded), so the child knows exactly what a process that
    // pushed N and died would have left: time, and bytes Node read.
    await forgetDigests(
      cacheFile,
      data.pair.newFiles.filter((f) => !f.path.includes('/')).map((f) => join(data.dir, f.path)),
    );
    await dropPageCache(data.dir);
    {
      const t0 = now();
      const stop = await cpuMeter({ rcloneLog: wrapper, storePids: store.storePids });
      const child = await runOk(process.execPath, [
        PUSH_CHILD,
        JSON.stringify({
          storageDir: data.dir,
          target: store.target,
          location: freshPrefix,
          binary: wrapper.binary,
          uuid: n1.uuid,
          pipeline: PIPELINE,
        }),
      ]);
      const cpu = await stop();
      const res = JSON.parse(child.stdout.trim().split('\n').at(-1));
      r.freshInc = { ...res, wallMs: now() - t0, cpu };
    }
    log(
      `  round ${i + 1}: fresh-process incremental push ${(r.freshInc.ms / 1000).toFixed(2)} s (process ${(r.freshInc.wallMs / 1000).toFixed(2)} s), read from disk ${(r.freshInc.diskReadBytes / 2 ** 20).toFixed(1)} MiB (Node rchar ${(r.freshInc.readBytes / 2 ** 20).toFixed(1)} MiB) for ${(data.pair.newBytes / 2 ** 20).toFixed(1)} MiB new`,
    );
    // 3e. The reference for 3d: plain rclone copy up of the same new batch files, their page cache
    // dropped the same way, into a prefix of its own: what rclone alone reads from the disk.
    {
      const newBatchFiles = data.pair.newFiles
        .filter((f) => !f.path.includes('/'))
        .map((f) => f.path);
      await dropPageCache(data.dir);
      const d0 = deviceReadBytes(data.dir);
      const t0 = now();
      await rcloneCopy(wrapper, store.target, {
        direction: 'up',
        localDir: data.dir,
        location: `${bucket.bucket}/d${i}`,
        files: newBatchFiles,
        listDir: tmp,
      });
      r.baseNewUp = { ms: now() - t0, diskReadBytes: deviceReadBytes(data.dir) - d0 };
    }
    const newDir = join(tmp, `new-${i}`);
    const mNew = await measured(env, () =>
      rcloneCopy(wrapper, store.target, {
        direction: 'down',
        localDir: newDir,
        location: prefix,
        files: newKeys,
        listDir: tmp,
      }),
    );
    r.baseNew = { ms: mNew.ms, bytes: data.pair.newBytes, cpu: mNew.cpu };
    await rm(newDir, { recursive: true, force: true });
    log(
      `  round ${i + 1}: incremental push ${(r.incPush.ms / 1000).toFixed(2)} s (${r.incPush.bytes} B), standby caught up ${(r.catchup.latencyMs / 1000).toFixed(2)} s after (pull ${(r.catchup.pullMs / 1000).toFixed(2)} s), rclone copy down of the new objects ${(r.baseNew.ms / 1000).toFixed(2)} s`,
    );

    // 2. Full restore of N+1 into empty storage vs rclone copy down of the same objects.
    const restoreDir = join(tmp, `restore-${i}`);
    const downDir = join(tmp, `down-${i}`);
    await mkdir(restoreDir, { recursive: true });
    const rs = productStore(store.target, prefix, wrapper);
    const restore = async () => {
      const s2 = synchronizer(restoreDir, rs.store);
      const mr = await measured(env, () =>
        s2.restore({ spec: 'latest', failIfNoCheckpoint: true }),
      );
      await s2.close();
      if (mr.value.uuid !== n1.uuid)
        throw new Error(`restore installed ${mr.value.uuid}, expected ${n1.uuid}`);
      r.restore = {
        ms: mr.ms,
        bytes: mr.value.bytes,
        objects: mr.value.objects,
        cpu: mr.cpu,
        calls: rs.snapshot(),
      };
    };
    const down = async () => {
      const md = await measured(env, () =>
        rcloneCopy(wrapper, store.target, {
          direction: 'down',
          localDir: downDir,
          location: prefix,
          files: n1Keys,
          listDir: tmp,
        }),
      );
      r.baseDown = { ms: md.ms, bytes: n1.bytes, cpu: md.cpu };
      // 2b. The same download made durable, as a restore must be before its catalog names it.
      const t0 = now();
      await runOk('sync', ['-f', downDir]);
      r.baseDownSync = { ms: md.ms + (now() - t0) };
    };
    if (i % 2 === 0) {
      await restore();
      await rm(restoreDir, { recursive: true, force: true });
      await down();
    } else {
      await down();
      await rm(downDir, { recursive: true, force: true });
      await restore();
    }
    await rm(restoreDir, { recursive: true, force: true });
    await rm(downDir, { recursive: true, force: true });
    log(
      `  round ${i + 1}: restore ${(r.restore.ms / 1000).toFixed(2)} s, rclone copy down ${(r.baseDown.ms / 1000).toFixed(2)} s`,
    );
    rounds.push(r);
  }
  return rounds;
}
