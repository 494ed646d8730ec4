// A counting rclone: a bash wrapper that runs the real rclone and appends "<command> <cpu user> <cpu
// sys>" (the children's CPU from `times`) to a log, so every spawn and its CPU-seconds are counted,
// for the product's adapter (passed as `binary`) and for the baselines alike.
import { chmod, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { run } from './util.mjs';

const toSeconds = (t) => {
  const m = /^(\d+)m([\d.]+)s$/.exec(t);
  return m ? Number(m[1]) * 60 + Number(m[2]) : 0;
};

export async function createRcloneWrapper(dir) {
  const real = (await run('bash', ['-c', 'command -v rclone'])).stdout.trim();
  if (!real) throw new Error('rclone is not installed (bash scripts/bootstrap.sh installs it)');
  const log = join(dir, 'rclone-calls.log');
  const binary = join(dir, 'rclone');
  await writeFile(log, '');
  // The log path is baked in: the adapter passes rclone a filtered environment.
  await writeFile(
    binary,
    `#!/bin/bash\n"${real}" "$@"\nrc=$?\nf='${dir}/t.'$$\ntimes > "$f"\nmapfile -t t < "$f"\nrm -f "$f"\necho "$1 \${t[1]}" >> '${log}'\nexit $rc\n`,
  );
  await chmod(binary, 0o755);
  let lines = [];
  const refresh = async () => {
    // One atomic append per call: "<command> <children user> <children sys>".
    lines = (await readFile(log, 'utf8')).split('\n').filter(Boolean);
  };
  return {
    binary,
    real,
    log,
    refresh,
    /** Call `refresh()` first. */
    snapshot: () => lines.length,
    since(from) {
      let cpu = 0;
      const byCommand = {};
      for (const line of lines.slice(from)) {
        const [cmd, user, sys] = line.split(' ');
        cpu += toSeconds(user) + toSeconds(sys);
        byCommand[cmd] = (byCommand[cmd] ?? 0) + 1;
      }
      return { cpu, spawns: lines.length - from, byCommand };
    },
  };
}
