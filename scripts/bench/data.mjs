// Generated storage directories in Feldera's layout (the format of test-utils' generator):
// root batch files `w0-<uuidv7>.feldera`, `<uuid>/{CHECKPOINT,pspine-*.dat,dependencies.json,
// state.json}`, `checkpoints.feldera` and root `state.json`. Contents are random (incompressible).
import { randomBytes, randomFillSync } from 'node:crypto';
import { mkdir, open, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { MiB } from './util.mjs';

/** A version-7 UUID for time `ms`. */
export function uuidv7(ms) {
  const b = randomBytes(16);
  let t = ms;
  for (let k = 5; k >= 0; k--) {
    b[k] = t % 256;
    t = Math.floor(t / 256);
  }
  b[6] = 0x70 | (b[6] & 0x0f);
  b[8] = 0x80 | (b[8] & 0x3f);
  const h = b.toString('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

const chunk = Buffer.allocUnsafe(4 * MiB);

async function writeRandomFile(path, size) {
  const fh = await open(path, 'w');
  try {
    let left = size;
    while (left > 0) {
      const n = Math.min(left, chunk.length);
      randomFillSync(chunk, 0, n);
      await fh.write(chunk, 0, n);
      left -= n;
    }
  } finally {
    await fh.close();
  }
}

/**
 * Writes batch files and checkpoints. `batches`: Map name -> size (each written once);
 * `checkpoints`: [{uuid, batches: [names], opSizes: [bytes]}], oldest first. Returns per checkpoint
 * its files [{path, size}] (root batches and the directory) and total bytes.
 */
export async function writeStorage(dir, { batches, checkpoints, written = new Set() }) {
  await mkdir(dir, { recursive: true });
  for (const [name, size] of batches) {
    if (written.has(name)) continue;
    await writeRandomFile(join(dir, name), size);
    written.add(name);
  }
  const out = [];
  const catalog = [];
  let step = 0;
  for (const c of checkpoints) {
    step += 1;
    await mkdir(join(dir, c.uuid), { recursive: true });
    const files = c.batches.map((b) => ({ path: b, size: batches.get(b) }));
    await writeFile(join(dir, c.uuid, 'CHECKPOINT'), '');
    files.push({ path: `${c.uuid}/CHECKPOINT`, size: 0 });
    // Feldera's state_files: bare names inside <uuid>/, the marker included, sorted.
    const stateFiles = ['CHECKPOINT'];
    for (const [i, size] of c.opSizes.entries()) {
      const p = `${c.uuid}/pspine-${i}.dat`;
      await writeRandomFile(join(dir, p), size);
      files.push({ path: p, size });
      stateFiles.push(`pspine-${i}.dat`);
    }
    stateFiles.sort();
    const deps = JSON.stringify({ batches: c.batches, state_files: stateFiles });
    await writeFile(join(dir, c.uuid, 'dependencies.json'), deps);
    files.push({ path: `${c.uuid}/dependencies.json`, size: Buffer.byteLength(deps) });
    const state =
      JSON.stringify({
        step,
        processed_records: step * 1000,
        checkpoint: c.uuid,
        input_offsets: { bench: step * 1000 },
      }) + '\n';
    await writeFile(join(dir, c.uuid, 'state.json'), state);
    files.push({ path: `${c.uuid}/state.json`, size: Buffer.byteLength(state) });
    const bytes = files.reduce((s, f) => s + f.size, 0);
    catalog.push(
      `  {"uuid":"${c.uuid}","identifier":null,"fingerprint":18446744073709551615,"size":${bytes},"steps":${step},"processed_records":${step * 1000}}`,
    );
    out.push({ uuid: c.uuid, files, bytes, state });
  }
  await writeFile(join(dir, 'checkpoints.feldera'), '[\n' + catalog.join(',\n') + '\n]\n');
  await writeFile(join(dir, 'state.json'), out[out.length - 1].state);
  return out;
}

/**
 * Checkpoint N of about `size` bytes (3 files of 22% each, above rclone's 200 MiB multipart
 * cutoff at 1 GiB, and `smallCount` small files), and N+1 sharing 90% of its bytes with N: the
 * oldest small files worth 10% retired and as many bytes of new small files added.
 */
export async function generateCheckpointPair(dir, size, { smallCount = 300 } = {}) {
  const t0 = Date.now() - 3600_000;
  const batches = new Map();
  const large = Math.floor(size * 0.22);
  const opSize = Math.max(4096, Math.floor(size / 4096));
  const nBatches = [];
  for (let i = 0; i < 3; i++) {
    const name = `w0-${uuidv7(t0 + i)}.feldera`;
    batches.set(name, large);
    nBatches.push(name);
  }
  let smallTotal = size - 3 * large - 4 * opSize;
  const avg = smallTotal / smallCount;
  const small = [];
  for (let i = 0; i < smallCount; i++) {
    const s =
      i === smallCount - 1
        ? smallTotal
        : Math.max(1024, Math.min(smallTotal, Math.round(avg * (0.1 + 1.8 * Math.random()))));
    smallTotal -= s;
    if (s <= 0) break;
    const name = `w0-${uuidv7(t0 + 10 + i)}.feldera`;
    batches.set(name, s);
    small.push(name);
  }
  nBatches.push(...small);
  // N+1: retire the oldest small files worth 10% of N, add as many new bytes.
  const target = Math.round(size * 0.1);
  let retired = 0;
  const retiredNames = new Set();
  for (const name of small) {
    if (retired >= target) break;
    retired += batches.get(name);
    retiredNames.add(name);
  }
  const added = [];
  let addedBytes = 0;
  let i = 0;
  while (addedBytes < target) {
    const s = Math.min(
      target - addedBytes,
      Math.max(1024, Math.round(avg * (0.1 + 1.8 * Math.random()))),
    );
    const name = `w0-${uuidv7(t0 + 60_000 + i++)}.feldera`;
    batches.set(name, s);
    added.push(name);
    addedBytes += s;
  }
  const uuidN = uuidv7(t0 + 30_000);
  const uuidN1 = uuidv7(t0 + 90_000);
  const ops = [opSize, opSize, opSize, opSize];
  const [n, n1] = await writeStorage(dir, {
    batches,
    checkpoints: [
      { uuid: uuidN, batches: nBatches, opSizes: ops },
      {
        uuid: uuidN1,
        batches: [...nBatches.filter((b) => !retiredNames.has(b)), ...added],
        opSizes: ops,
      },
    ],
  });
  const inN = new Set(n.files.map((f) => f.path));
  const newFiles = n1.files.filter((f) => !inN.has(f.path));
  const newBytes = newFiles.reduce((s, f) => s + f.size, 0);
  return { n, n1, newFiles, newBytes, sharedFraction: 1 - newBytes / n1.bytes, largeSize: large };
}
