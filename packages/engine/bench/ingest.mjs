/* global console, performance */
// Ingest throughput of the reference engine: rows per second with a checkpoint every N steps.
// Usage: pnpm bench [-- --rows 1000000 --step 10000 --every 10]   (build first: pnpm build)
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { openReferenceEngine } from '../dist/index.js';

const { values } = parseArgs({
  options: {
    rows: { type: 'string', default: '1000000' },
    step: { type: 'string', default: '10000' },
    every: { type: 'string', default: '10' },
    dir: { type: 'string' },
  },
});
const totalRows = Number(values.rows);
const stepRows = Number(values.step);
const every = Number(values.every);
const dir = values.dir ?? (await mkdtemp(join(tmpdir(), 'engine-bench-')));

const engine = await openReferenceEngine(dir);
const started = performance.now();
let checkpointMs = 0;
let checkpoints = 0;
let step = 0;
for (let done = 0; done < totalRows; done += stepRows) {
  const insert = [];
  for (let i = done; i < Math.min(done + stepRows, totalRows); i += 1) {
    insert.push({
      id: i,
      name: `user-${i}`,
      score: i % 997,
      tags: ['a', i % 2 === 0 ? 'even' : 'odd'],
    });
  }
  await engine.ingest({ tables: { users: { insert } }, offsets: { bench: done + insert.length } });
  step += 1;
  if (step % every === 0) {
    const t = performance.now();
    await engine.checkpoint();
    checkpointMs += performance.now() - t;
    checkpoints += 1;
  }
}
const t = performance.now();
const last = await engine.checkpoint();
checkpointMs += performance.now() - t;
checkpoints += 1;
const totalMs = performance.now() - started;
await engine.close();

const reopenStart = performance.now();
const reopened = await openReferenceEngine(dir);
const reopenMs = performance.now() - reopenStart;
const same = JSON.stringify(await reopened.tableHashes()) === JSON.stringify(last.table_hashes);
await reopened.close();
if (values.dir === undefined) await rm(dir, { recursive: true, force: true });

const fmt = (n) => Math.round(n).toLocaleString('en-US');
console.log(
  `rows: ${fmt(totalRows)} in ${fmt(step)} steps of ${fmt(stepRows)}, checkpoint every ${every} steps`,
);
console.log(`ingest+checkpoint: ${fmt(totalMs)} ms -> ${fmt((totalRows / totalMs) * 1000)} rows/s`);
console.log(
  `checkpoints: ${checkpoints}, ${fmt(checkpointMs)} ms total, ${fmt(checkpointMs / checkpoints)} ms each`,
);
console.log(`ingest only: ${fmt((totalRows / (totalMs - checkpointMs)) * 1000)} rows/s`);
console.log(
  `checkpoint size: ${fmt(last.size / 1024 / 1024)} MiB in ${last.batches.length} batch files`,
);
console.log(`reopen: ${fmt(reopenMs)} ms, hashes identical: ${same}`);
