// Orchestration of `pnpm bench`: data, stores, suites, summary table.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateCheckpointPair } from './data.mjs';
import { localLimits } from './local.mjs';
import { createRcloneWrapper } from './rclone-wrapper.mjs';
import { bucketFor, startStore } from './stores.mjs';
import { transferSuite } from './transfer.mjs';
import { GiB, MiB, fmtMiB, median, now, parseSize, rate, run } from './util.mjs';

const log = (line) => process.stderr.write(line + '\n');

async function machineInfo() {
  const sh = async (c) =>
    (await run('bash', ['-c', c]).catch(() => ({ stdout: '' }))).stdout.trim();
  return {
    nproc: await sh('nproc'),
    cpu: await sh(
      "lscpu | grep -E '^(Model name|Thread|Core|Socket|CPU\\(s\\)|Flags)' | sed 's/^Flags:.*\\(sha_ni\\).*/Flags: ... sha_ni .../'",
    ),
    memory: await sh('free -h | head -2'),
    disk: await sh(`df -h ${tmpdir()} | tail -1`),
    load: await sh('cat /proc/loadavg'),
    rclone: await sh('rclone version | head -1'),
    node: process.version,
  };
}

const cpuText = (c) =>
  c
    ? `node ${c.node.toFixed(1)} + rclone ${c.rclone.toFixed(1)} + store ${c.store.toFixed(1)} CPU-s (other load ${c.other.toFixed(1)}) in ${c.wall.toFixed(1)} s; node read ${c.nodeReadMiB.toFixed(0)} MiB; ${c.rcloneSpawns} rclone runs`
    : '';

/** Medians and verdicts of one store's results. */
export function summarise(kind, res, data) {
  const rows = [];
  const verdict = (ok) => (ok === null ? 'info' : ok ? 'pass' : 'short');
  const t = res.transfer;
  if (t && t.length > 0) {
    const mTo = (k) => median(t.map((r) => r[k].ms));
    const pushRate = median(t.map((r) => rate(data.pair.n.bytes, r.fullPush.ms)));
    const upRate = median(t.map((r) => rate(data.pair.n.bytes, r.baseUp.ms)));
    rows.push({
      store: kind,
      what: '1. full push vs rclone copy up (throughput)',
      ours: `${pushRate.toFixed(1)} MiB/s (${(mTo('fullPush') / 1000).toFixed(2)} s)`,
      base: `${upRate.toFixed(1)} MiB/s (${(mTo('baseUp') / 1000).toFixed(2)} s)`,
      ratio: pushRate / upRate,
      target: '>= 0.95',
      ok: pushRate / upRate >= 0.95,
    });
    const resRate = median(t.map((r) => rate(data.pair.n1.bytes, r.restore.ms)));
    const downRate = median(t.map((r) => rate(data.pair.n1.bytes, r.baseDown.ms)));
    rows.push({
      store: kind,
      what: '2. full restore (pull+verify+install) vs rclone copy down',
      ours: `${resRate.toFixed(1)} MiB/s (${(mTo('restore') / 1000).toFixed(2)} s)`,
      base: `${downRate.toFixed(1)} MiB/s (${(mTo('baseDown') / 1000).toFixed(2)} s)`,
      ratio: resRate / downRate,
      target: '>= 0.9',
      ok: resRate / downRate >= 0.9,
    });
    if (t.every((r) => r.baseDownSync)) {
      const syncRate = median(t.map((r) => rate(data.pair.n1.bytes, r.baseDownSync.ms)));
      rows.push({
        store: kind,
        what: '2b. full restore vs rclone copy down then sync -f (the same durability; reference)',
        ours: `${resRate.toFixed(1)} MiB/s (${(mTo('restore') / 1000).toFixed(2)} s)`,
        base: `${syncRate.toFixed(1)} MiB/s (${(mTo('baseDownSync') / 1000).toFixed(2)} s)`,
        ratio: resRate / syncRate,
        target: 'reference',
        ok: null,
      });
    }
    const inc = mTo('incPush');
    const full = mTo('fullPush');
    rows.push({
      store: kind,
      what: '3a. incremental push time / full push time',
      ours: `${(inc / 1000).toFixed(2)} s`,
      base: `${(full / 1000).toFixed(2)} s`,
      ratio: inc / full,
      target: '<= 0.2',
      ok: inc / full <= 0.2,
    });
    const incBytes = median(t.map((r) => r.incPush.bytes));
    const dev = incBytes / data.pair.newBytes - 1;
    rows.push({
      store: kind,
      what: '3b. incremental bytes sent / new bytes',
      ours: fmtMiB(incBytes),
      base: fmtMiB(data.pair.newBytes),
      ratio: 1 + dev,
      target: 'within 1%',
      ok: Math.abs(dev) <= 0.01,
    });
    const fresh = t.filter((r) => r.freshInc);
    if (fresh.length > 0) {
      const fMs = median(fresh.map((r) => r.freshInc.ms));
      const fWall = median(fresh.map((r) => r.freshInc.wallMs));
      rows.push({
        store: kind,
        what: '3c. incremental push, fresh process (90% shared): time / full push time',
        ours: `${(fMs / 1000).toFixed(2)} s (process incl. start ${(fWall / 1000).toFixed(2)} s)`,
        base: `${(full / 1000).toFixed(2)} s`,
        ratio: fMs / full,
        target: '<= 0.15',
        ok: fMs / full <= 0.15,
      });
      const readB = median(fresh.map((r) => r.freshInc.diskReadBytes));
      rows.push({
        store: kind,
        what: '3d. incremental push, fresh process: bytes read from the disk (all processes, storage files uncached) / new bytes',
        ours: `${fmtMiB(readB)} (Node rchar ${fmtMiB(median(fresh.map((r) => r.freshInc.readBytes)))})`,
        base: fmtMiB(data.pair.newBytes),
        ratio: readB / data.pair.newBytes,
        target: '<= 1.1',
        ok: readB / data.pair.newBytes <= 1.1,
      });
      const base = t.filter((r) => r.baseNewUp);
      if (base.length > 0) {
        const baseB = median(base.map((r) => r.baseNewUp.diskReadBytes));
        rows.push({
          store: kind,
          what: '3e. rclone copy up of the same new files alone, page cache dropped: bytes read from the disk / new bytes (reference for 3d)',
          ours: fmtMiB(baseB),
          base: fmtMiB(data.pair.newBytes),
          ratio: baseB / data.pair.newBytes,
          target: 'reference',
          ok: null,
        });
      }
    }
    const lat = median(t.map((r) => r.catchup.latencyMs - 1000));
    const pull = median(t.map((r) => r.catchup.pullMs));
    const tNew = median(t.map((r) => r.baseNew.ms));
    rows.push({
      store: kind,
      what: '4. standby catch-up - pull_interval (1 s) vs rclone copy down of the new bytes',
      ours: `${(lat / 1000).toFixed(2)} s (pull itself ${(pull / 1000).toFixed(2)} s)`,
      base: `${(tNew / 1000).toFixed(2)} s`,
      ratio: lat / tNew,
      target: '<= 1.2',
      ok: lat / tNew <= 1.2,
    });
  }
  const a = res.activation;
  if (a && a.length > 0) {
    const excl = median(a.map((r) => r.totalMs - r.engineMs));
    rows.push({
      store: kind,
      what: '5. activation -> accepting input, excluding engine restore',
      ours: `${excl.toFixed(0)} ms (total ${median(a.map((r) => r.totalMs)).toFixed(0)} ms; final pull ${median(a.map((r) => r.finalPullMs)).toFixed(0)} ms; engine restore ${median(a.map((r) => r.engineMs)).toFixed(0)} ms)`,
      base: '1000 ms',
      ratio: excl / 1000,
      target: '< 1 s',
      ok: excl < 1000,
    });
  }
  const s = res.scale;
  if (s) {
    const e = s.empty;
    const o = s.old;
    rows.push({
      store: kind,
      what: `6a. resolve latest with ${s.oldCount} old checkpoints: object-store calls (list calls)`,
      ours: `${JSON.stringify(o.resolve.calls)} ${o.resolve.ms.toFixed(0)} ms`,
      base: `${JSON.stringify(e.resolve.calls)} ${e.resolve.ms.toFixed(0)} ms`,
      ratio: o.resolve.ms / e.resolve.ms,
      target: 'no list',
      ok: !o.resolve.calls.list,
    });
    const c = e.coldPush;
    rows.push({
      store: kind,
      what: `6b. push of a ${s.files}-file checkpoint vs rclone copy up of the same files`,
      ours: `${(c.ms / 1000).toFixed(2)} s, ${c.spawns} rclone runs, ${JSON.stringify(c.calls)}`,
      base: s.baseUp ? `${(s.baseUp.ms / 1000).toFixed(2)} s` : '',
      ratio: s.baseUp ? s.baseUp.ms / c.ms : NaN,
      target: s.baseUp ? '>= 0.9' : 'reference',
      ok: s.baseUp ? s.baseUp.ms / c.ms >= 0.9 : null,
    });
    if (s.restore && s.baseDown)
      rows.push({
        store: kind,
        what: `6e. restore of the ${s.files}-file checkpoint (pull+verify+install) vs rclone copy down`,
        ours: `${(s.restore.ms / 1000).toFixed(2)} s, ${s.restore.spawns} rclone runs`,
        base: `${(s.baseDown.ms / 1000).toFixed(2)} s`,
        ratio: s.baseDown.ms / s.restore.ms,
        target: '>= 0.9',
        ok: s.baseDown.ms / s.restore.ms >= 0.9,
      });
    for (const [k, label] of [
      ['warmInc', '6c. incremental push (1% new), same process'],
      ['coldInc', '6d. incremental push (1% new), fresh process'],
    ]) {
      const grow = o[k].spawns - e[k].spawns;
      rows.push({
        store: kind,
        what: `${label}: ${s.oldCount} old checkpoints vs none (rclone runs, time)`,
        ours: `${o[k].spawns} runs ${(o[k].ms / 1000).toFixed(2)} s`,
        base: `${e[k].spawns} runs ${(e[k].ms / 1000).toFixed(2)} s`,
        ratio: o[k].ms / e[k].ms,
        target: '<= 1.2',
        ok: grow <= 5 && o[k].ms <= e[k].ms * 1.2,
      });
    }
  }
  return rows.map((r) => ({ ...r, verdict: verdict(r.ok) }));
}

function table(rows) {
  const lines = [
    '| store | measure | feldera-sync | baseline / reference | ratio | target | result |',
    '|---|---|---|---|---|---|---|',
  ];
  for (const r of rows)
    lines.push(
      `| ${r.store} | ${r.what} | ${r.ours} | ${r.base} | ${Number.isFinite(r.ratio) ? r.ratio.toFixed(2) : '-'} | ${r.target} | ${r.verdict} |`,
    );
  return lines.join('\n');
}

export async function main({ values }) {
  const started = now();
  const quick = values.quick;
  const size = parseSize(values.size ?? (quick ? '64MiB' : '1GiB'));
  const runs = Number(values.runs ?? (quick ? 1 : 3));
  const stores = values.store === 'both' ? ['ceph', 's3rver'] : [values.store];
  const only = new Set((values.only ?? 'local,transfer,activation,scale').split(','));
  const scaleFiles = Number(values['scale-files'] ?? (quick ? 1000 : 10_000));
  const scaleOld = Number(values['scale-old'] ?? (quick ? 100 : 1000));
  for (const s of stores)
    if (!['ceph', 's3rver'].includes(s))
      throw new Error(`--store must be ceph, s3rver or both, not ${s}`);

  const tmp = await mkdtemp(join(tmpdir(), 'feldera-sync-bench-'));
  const cleanups = [() => rm(tmp, { recursive: true, force: true })];
  let interrupted = false;
  const onSignal = () => {
    interrupted = true;
    log('bench: interrupted, cleaning up');
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  const out = {
    startedAt: new Date().toISOString(),
    size,
    runs,
    quick,
    machine: await machineInfo(),
    stores: {},
    local: null,
  };
  let code = 0;
  try {
    log(
      `bench: ${fmtMiB(size)} checkpoint, ${runs} run(s), stores: ${stores.join(', ')}; temp ${tmp}`,
    );
    const wrapper = await createRcloneWrapper(tmp);
    const dataDir = join(tmp, 'storage');
    let t = now();
    const pair = await generateCheckpointPair(dataDir, size, { smallCount: 300 });
    const data = { dir: dataDir, pair };
    const large = pair.n.files.filter((f) => f.size >= 200 * MiB).length;
    log(
      `bench: generated N ${fmtMiB(pair.n.bytes)} in ${pair.n.files.length} files (${large} above the 200 MiB multipart cutoff), N+1 shares ${(pair.sharedFraction * 100).toFixed(1)}% (new ${fmtMiB(pair.newBytes)}) in ${((now() - t) / 1000).toFixed(1)} s`,
    );
    out.data = {
      nBytes: pair.n.bytes,
      nFiles: pair.n.files.length,
      n1Bytes: pair.n1.bytes,
      newBytes: pair.newBytes,
      largeFiles: large,
      largeSize: pair.largeSize,
    };

    if (only.has('local')) {
      log('bench: local limits (cp -r, dd O_DIRECT, hashing)');
      out.local = await localLimits(dataDir, pair.n.bytes + pair.newBytes, tmp, { quick });
    }
    for (const kind of stores) {
      if (interrupted) break;
      log(`bench: store ${kind}`);
      const store = await startStore(kind);
      // Closed once: a second close of a store already closed can leave a promise that never
      // settles, and Node then exits 13 with the results printed.
      const closeStore = once(() => store.close());
      cleanups.push(closeStore);
      const bucket = await bucketFor(store);
      const removeBucket = once(() => bucket.remove());
      cleanups.push(removeBucket);
      const env = { store, bucket, wrapper, tmp };
      const res = {};
      out.stores[kind] = res;
      try {
        if (only.has('transfer')) res.transfer = await transferSuite(env, data, runs, log);
        if (only.has('activation') && !interrupted) {
          const { activationSuite } = await import('./activation.mjs');
          res.activation = await activationSuite(env, runs, log);
        }
        if (only.has('scale') && !interrupted) {
          const { scaleSuite } = await import('./scale.mjs');
          res.scale = await scaleSuite(env, { files: scaleFiles, oldCount: scaleOld }, log);
        }
      } finally {
        await removeBucket().catch((e) =>
          log(`bench: could not remove bucket ${bucket.bucket}: ${e.message}`),
        );
        await closeStore();
      }
    }
    const rows = [];
    for (const [kind, res] of Object.entries(out.stores)) rows.push(...summarise(kind, res, data));
    const l = out.local;
    if (l) {
      const r = (x) => `${rate(x.bytes, x.ms).toFixed(0)} MiB/s`;
      rows.push({
        store: 'local',
        what: '7. cp -r of the same bytes (+sync) / disk O_DIRECT write / read',
        ours: `${r(l.cp)} / ${r(l.diskWrite)} / ${r(l.diskRead)}`,
        base: '',
        ratio: NaN,
        target: 'reference',
        verdict: 'info',
      });
      rows.push({
        store: 'local',
        what: '7. one core: SHA-256 / MD5 in Node',
        ours: `${r(l.sha256)} / ${r(l.md5)}`,
        base: '',
        ratio: NaN,
        target: 'reference',
        verdict: 'info',
      });
    }
    for (const [kind, res] of Object.entries(out.stores)) {
      for (const r of res.transfer ?? []) {
        if (r.i !== 0) continue;
        rows.push({
          store: kind,
          what: '7. object store ceiling, rclone alone: copy up / down',
          ours: `${rate(data.pair.n.bytes, r.baseUp.ms).toFixed(1)} / ${rate(data.pair.n1.bytes, r.baseDown.ms).toFixed(1)} MiB/s (round 1)`,
          base: '',
          ratio: NaN,
          target: 'reference',
          verdict: 'info',
        });
      }
    }
    out.rows = rows;
    out.cpu = cpuDetails(out);
    const text = table(rows);
    process.stdout.write(
      `\n${text}\n\nCPU accounting (round 1 of each store):\n${out.cpu.join('\n')}\n`,
    );
    out.totalSeconds = (now() - started) / 1000;
    process.stdout.write(
      `\nbench: total ${out.totalSeconds.toFixed(0)} s; machine load at start ${out.machine.load}\n`,
    );
    if (values.json) await writeFile(values.json, JSON.stringify(out, null, 2));
  } catch (e) {
    log(`bench: failed: ${e instanceof Error ? e.stack : String(e)}`);
    code = 1;
  } finally {
    for (const c of cleanups.reverse())
      await Promise.resolve()
        .then(c)
        .catch(() => {});
  }
  if (interrupted) code = 130;
  return code;
}

function once(fn) {
  let p = null;
  return () => (p ??= Promise.resolve().then(fn));
}

function cpuDetails(out) {
  const lines = [];
  for (const [kind, res] of Object.entries(out.stores)) {
    const r = res.transfer?.[0];
    if (!r) continue;
    for (const k of ['fullPush', 'baseUp', 'incPush', 'freshInc', 'restore', 'baseDown', 'baseNew'])
      if (r[k]) lines.push(`  ${kind} ${k}: ${cpuText(r[k].cpu)}`);
  }
  return lines;
}
export { GiB };
