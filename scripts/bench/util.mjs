// Small helpers of `pnpm bench`: timing, statistics, CPU accounting from /proc, child processes.
import { spawn } from 'node:child_process';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { performance } from 'node:perf_hooks';

export const MiB = 1024 * 1024;
export const GiB = 1024 * MiB;

/** Bytes read from the block device holding `path`, machine-wide (all processes), from /proc/diskstats. */
export function deviceReadBytes(path) {
  const dev = statSync(path).dev;
  const major = (dev >> 8) & 0xfff;
  const minor = (dev & 0xff) | ((dev >> 12) & 0xfff00);
  for (const line of readFileSync('/proc/diskstats', 'utf8').split('\n')) {
    const f = line.trim().split(/\s+/);
    if (Number(f[0]) === major && Number(f[1]) === minor) return Number(f[5]) * 512;
  }
  return NaN;
}

const TICK = 100; // USER_HZ on Linux

export const now = () => performance.now();
export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

export function median(xs) {
  const s = [...xs].filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
  if (s.length === 0) return NaN;
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

export function parseSize(text) {
  const m = /^(\d+(?:\.\d+)?)\s*([KMGT]?)(i?B)?$/i.exec(String(text).trim());
  if (!m) throw new Error(`bad size '${text}' (e.g. 1GiB, 64MiB)`);
  const mult = { '': 1, K: 1024, M: MiB, G: GiB, T: 1024 * GiB }[m[2].toUpperCase()];
  return Math.round(Number(m[1]) * mult);
}

export const fmtMiB = (b) => `${(b / MiB).toFixed(1)} MiB`;
export const fmtS = (ms) => `${(ms / 1000).toFixed(2)} s`;
export const rate = (bytes, ms) => (ms > 0 ? bytes / MiB / (ms / 1000) : NaN);

/** utime+stime of a process in seconds, or 0 when it is gone. */
export function procCpuSeconds(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / TICK;
  } catch {
    return 0;
  }
}

/** Pids whose comm is one of `names` (read-only scan of /proc). */
export function pidsByComm(names) {
  const out = [];
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const comm = readFileSync(`/proc/${d}/comm`, 'utf8').trim();
      if (names.includes(comm)) out.push({ pid: Number(d), comm });
    } catch {
      /* gone */
    }
  }
  return out;
}

/** Bytes this process has read (read(2) and friends, page cache included), from /proc/self/io. */
export function readBytes() {
  try {
    return Number(/rchar: (\d+)/.exec(readFileSync('/proc/self/io', 'utf8'))[1]);
  } catch {
    return 0;
  }
}

/** Machine-wide busy and total CPU seconds (all cores) from /proc/stat. */
export function machineCpu() {
  const line = readFileSync('/proc/stat', 'utf8').split('\n')[0];
  const v = line.trim().split(/\s+/).slice(1).map(Number);
  const total = v.slice(0, 8).reduce((a, b) => a + b, 0);
  const idle = v[3] + v[4];
  return { busy: (total - idle) / TICK, total: total / TICK };
}

/**
 * A CPU meter over one phase: this Node process, the rclone processes it ran (from the wrapper's
 * log), the store's server processes, and the whole machine (to show other load).
 */
export async function cpuMeter({ rcloneLog, storePids }) {
  await rcloneLog.refresh();
  const n0 = process.cpuUsage();
  const r0 = rcloneLog.snapshot();
  const s0 = storePids().map((p) => ({ ...p, cpu: procCpuSeconds(p.pid) }));
  const m0 = machineCpu();
  const io0 = readBytes();
  const t0 = now();
  return async () => {
    const n1 = process.cpuUsage(n0);
    await rcloneLog.refresh();
    const r = rcloneLog.since(r0);
    let store = 0;
    for (const p of s0) store += procCpuSeconds(p.pid) - p.cpu;
    const m1 = machineCpu();
    const wall = (now() - t0) / 1000;
    const node = (n1.user + n1.system) / 1e6;
    const machine = m1.busy - m0.busy;
    return {
      wall,
      node,
      rclone: r.cpu,
      rcloneSpawns: r.spawns,
      rcloneByCommand: r.byCommand,
      store,
      machine,
      other: Math.max(0, machine - node - r.cpu - store),
      nodeReadMiB: (readBytes() - io0) / MiB,
    };
  };
}

/** Runs a command; resolves {code, stdout, stderr}; kills it after timeoutMs. */
export function run(cmd, args, { env, timeoutMs = 30 * 60_000, cwd, input } = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, {
      env,
      cwd,
      stdio: [input ? 'pipe' : 'ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (c) => (stdout += c));
    child.stderr.setEncoding('utf8').on('data', (c) => {
      stderr += c;
      if (stderr.length > 200_000) stderr = stderr.slice(-100_000);
    });
    if (input) child.stdin.end(input);
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code: code ?? (signal ? 128 : 1), stdout, stderr });
    });
  });
}

export async function runOk(cmd, args, opts) {
  const r = await run(cmd, args, opts);
  if (r.code !== 0)
    throw new Error(
      `${cmd} ${args.slice(0, 3).join(' ')} exited ${r.code}: ${r.stderr.slice(-1500)}`,
    );
  return r;
}

/** Polls `fn` until it returns a truthy value; throws after `timeoutMs`. */
export async function waitFor(what, fn, timeoutMs, everyMs = 20) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > deadline)
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(everyMs);
  }
}

/**
 * Drops the page cache of every regular file under `dir` (`dd iflag=nocache`, no privileges
 * needed), so the next read of them is a read from the disk.
 */
export async function dropPageCache(dir) {
  await runOk('bash', [
    '-c',
    'find "$1" -type f -print0 | xargs -0 -r -n 200 bash -c \'for f; do dd if="$f" iflag=nocache count=0 status=none; done\' _',
    '_',
    dir,
  ]);
}
