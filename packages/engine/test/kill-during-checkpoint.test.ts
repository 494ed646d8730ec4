import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { felderaRestoreCheck } from '@feldera-sync/test-utils';
import { openReferenceEngine } from '../src/index.js';
import { tempDir } from './helpers.js';

const CHILD = fileURLToPath(new URL('./fixtures/checkpoint-loop.mjs', import.meta.url));
const DIST = fileURLToPath(new URL('../dist/index.js', import.meta.url));
const KILLS = 20;

interface Reported {
  event: 'ready' | 'pending' | 'committed' | 'done';
  step: number;
  hashes?: Record<string, string>;
}

interface Snapshot {
  step: number;
  hashes: Record<string, string>;
}

/** Runs the child until it has printed `ready`, waits `delayMs` more, kills it with SIGKILL. */
function runAndKill(
  dir: string,
  delayMs: number,
): Promise<{ lines: Reported[]; signal: string | null; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CHILD, dir], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let stderr = '';
    let killTimer: NodeJS.Timeout | undefined;
    const hardStop = setTimeout(() => child.kill('SIGKILL'), 15_000);
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      out += chunk;
      if (killTimer === undefined && out.includes('"ready"')) {
        killTimer = setTimeout(() => child.kill('SIGKILL'), delayMs);
      }
    });
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.on('error', reject);
    child.on('close', (_code, signal) => {
      clearTimeout(hardStop);
      clearTimeout(killTimer);
      // A line cut by the kill is incomplete: only newline-terminated lines count.
      const complete = out.slice(0, out.lastIndexOf('\n') + 1);
      const lines = complete
        .split('\n')
        .filter((line) => line.length > 0)
        .map((line) => JSON.parse(line) as Reported);
      resolve({ lines, signal, stderr });
    });
  });
}

let dir: string;
let cleanup: () => Promise<void>;

beforeAll(async () => {
  ({ path: dir, cleanup } = await tempDir('engine-kill-'));
});

afterAll(async () => {
  await cleanup();
});

describe('kill -9 while checkpointing', () => {
  it(`reopens to the previous or the new checkpoint, exactly, at ${KILLS} random moments`, async () => {
    // The child is plain Node, so it runs the built package (turbo builds before testing).
    expect(existsSync(DIST), `${DIST} is missing: run pnpm build first`).toBe(true);
    let previous: Snapshot = { step: 0, hashes: {} };
    let sawNew = 0;
    let sawPrevious = 0;
    for (let attempt = 0; attempt < KILLS; attempt += 1) {
      const delay = 20 + Math.floor(Math.random() * 250);
      const run = await runAndKill(dir, delay);
      expect(run.stderr, `child stderr at attempt ${attempt}`).toBe('');
      expect(run.signal).toBe('SIGKILL');
      let committed = previous;
      let pending: Snapshot | null = null;
      for (const line of run.lines) {
        if (line.event === 'pending') pending = { step: line.step, hashes: line.hashes ?? {} };
        if (line.event === 'committed') {
          committed = { step: line.step, hashes: line.hashes ?? {} };
          pending = null;
        }
      }
      // Before the engine's own startup GC runs: what the kill left must be a directory Feldera accepts.
      const check = await felderaRestoreCheck(dir);
      expect(check.problems, `attempt ${attempt}, killed after ${delay} ms`).toEqual([]);
      const engine = await openReferenceEngine(dir);
      const reopened: Snapshot = { step: engine.status().step, hashes: await engine.tableHashes() };
      await engine.close();
      const allowed = pending === null ? [committed] : [committed, pending];
      expect(allowed, `attempt ${attempt}, killed after ${delay} ms`).toContainEqual(reopened);
      if (pending !== null && reopened.step === pending.step) sawNew += 1;
      else sawPrevious += 1;
      previous = reopened;
    }
    expect(previous.step).toBeGreaterThan(0);
    // Not an assertion on luck, just a record of where the kills landed.
    console.info(
      `kill test: ${sawNew} reopened at the in-flight checkpoint, ${sawPrevious} at the previous one`,
    );
  }, 90_000);
});
