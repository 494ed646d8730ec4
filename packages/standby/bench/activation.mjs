// Activation latency of the runner alone: fake pull, marker and engine that answer at once, on the
// real clock. Measures `activate()` -> `startEngine` called, and -> `activate()` resolved.
// Run after `pnpm build`: `pnpm bench` (or `node bench/activation.mjs [iterations]`).
import { performance } from 'node:perf_hooks';
import process from 'node:process';
import { setImmediate } from 'node:timers';
import { createStandbyRunner, systemClock } from '../dist/index.js';

const iterations = Number(process.argv[2] ?? 1000);
const BUDGET_MS = 50;

const checkpoint = '019779b4-8760-75f2-bdf0-71b825e63610';
const config = {
  initial: 'standby',
  startFromCheckpoint: 'latest',
  pullIntervalMs: 10_000,
  failIfNoCheckpoint: false,
  activatedMarkerPresent: false,
};

const nextTurn = () => new Promise((resolve) => setImmediate(resolve));

function percentile(sorted, p) {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

async function once() {
  let engineAt = 0;
  const runner = createStandbyRunner({
    clock: systemClock,
    handlers: {
      pull: async () => ({ checkpointUuid: checkpoint }),
      writeMarker: async () => {},
      startEngine: async () => {
        engineAt = performance.now();
      },
    },
  });
  await runner.start(config);
  await nextTurn(); // the first standby pull has finished: the runner is idle in standby
  const t0 = performance.now();
  await runner.activate();
  const resolvedAt = performance.now();
  await runner.stop();
  return { toEngine: engineAt - t0, toResolved: resolvedAt - t0 };
}

for (let i = 0; i < 50; i++) await once(); // warm-up
const toEngine = [];
const toResolved = [];
for (let i = 0; i < iterations; i++) {
  const r = await once();
  toEngine.push(r.toEngine);
  toResolved.push(r.toResolved);
}
const fmt = (ms) => `${(ms * 1000).toFixed(1)} µs`;
for (const [name, samples] of [
  ['activate -> startEngine', toEngine],
  ['activate -> resolved', toResolved],
]) {
  samples.sort((a, b) => a - b);
  process.stdout.write(
    `${name}: median ${fmt(percentile(samples, 50))}, p99 ${fmt(percentile(samples, 99))}, max ${fmt(samples[samples.length - 1])} over ${samples.length} activations\n`,
  );
}
const p99 = percentile(toEngine, 99);
process.stdout.write(
  `budget ${BUDGET_MS} ms of runner overhead: ${p99 < BUDGET_MS ? 'ok' : 'EXCEEDED'}\n`,
);
if (p99 >= BUDGET_MS) process.exitCode = 1;
