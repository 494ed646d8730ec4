#!/usr/bin/env node
// `pnpm bench`: feldera-sync against baselines taken in the same run on the same data.
// Usage: pnpm bench [-- --store ceph|s3rver|both --size 1GiB --runs 3 --quick --json out.json
//                       --only transfer,activation,scale,local]
// Prints a table of ratios with pass/short against each target. Exits non-zero only on errors:
// targets are reported, not enforced. See BENCHMARKS.md for the latest results.
import { access, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { cpus, freemem, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const root = fileURLToPath(new URL('..', import.meta.url));
const REQUIRED = [
  'packages/sync/dist/index.js',
  'packages/rclone/dist/index.js',
  'packages/standby/dist/index.js',
  'packages/test-utils/dist/index.js',
  'packages/engine/dist/index.js',
  'apps/server/dist/main.js',
];
for (const f of REQUIRED) {
  try {
    await access(join(root, f));
  } catch {
    process.stderr.write(
      `bench: ${f} is missing. Run \`pnpm build\` first (after \`bash scripts/bootstrap.sh\`).\n`,
    );
    process.exit(2);
  }
}

// `pnpm bench -- --runs 3` hands the script a literal `--` first: drop it.
const argv = process.argv.slice(2);
if (argv[0] === '--') argv.shift();
const { values } = parseArgs({
  args: argv,
  options: {
    store: { type: 'string', default: 'both' },
    size: { type: 'string' },
    runs: { type: 'string' },
    quick: { type: 'boolean', default: false },
    json: { type: 'string' },
    only: { type: 'string' },
    'scale-files': { type: 'string' },
    'scale-old': { type: 'string' },
  },
  allowPositionals: true,
});

const { main } = await import('./bench/main.mjs');
const code = await main({
  values,
  root,
  machine: { cpus: cpus().length, totalmem: totalmem(), freemem: freemem() },
  tmpdir: tmpdir(),
  mkdtemp,
  rm,
  writeFile,
});
process.exit(code);
