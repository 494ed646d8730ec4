// Deterministic generators of Feldera-layout storage directories. Independent of
// @feldera-sync/checkpoint on purpose: it writes the files by hand, so it is an oracle for that package.
import { createHash } from 'node:crypto';
import { mkdir, open, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/** A size in bytes, fixed or drawn uniformly from `[min, max]`. */
export type SizeSpec = number | { min: number; max: number };

/** Options of `generateStorageDir`. */
export interface StorageGeneratorOptions {
  /** PRNG seed: the same seed and options give byte-identical directories and the same UUIDs. */
  seed: number;
  /** How many checkpoints to write (all complete and in the catalog unless `incompleteLast`). */
  checkpoints: number;
  /** New batch files written before each checkpoint (default 2). */
  batchesPerCheckpoint?: number;
  /** Batch files merged away (no longer referenced) before each checkpoint after the first (default 1). */
  retiredPerCheckpoint?: number;
  /** Opaque operator files inside each checkpoint directory (default 2). */
  operatorFilesPerCheckpoint?: number;
  /** Size of each batch file (default 4 KiB). */
  batchSize?: SizeSpec;
  /** Size of each operator file (default 4 KiB). */
  operatorFileSize?: SizeSpec;
  /** Timestamp of the first checkpoint's UUIDv7 (default 2025-01-01T00:00:00Z). */
  startMs?: number;
  /** Time between checkpoints (default one minute). */
  intervalMs?: number;
  /** Circuit fingerprint recorded in the catalog (default 2^64 - 1, beyond double precision). */
  fingerprint?: bigint;
  /** Write dependencies.json in the legacy bare-array form (batches only). */
  legacyDependencies?: boolean;
  /** Leave the last checkpoint unfinished: no state.json, not in the catalog, root state from the one before. */
  incompleteLast?: boolean;
}

/** One written file, path relative to the storage directory. */
export interface GeneratedFile {
  path: string;
  size: number;
  sha256: string;
}

/** One generated checkpoint. */
export interface GeneratedCheckpoint {
  uuid: string;
  identifier: string | null;
  fingerprint: bigint;
  steps: number;
  processed_records: number;
  /** Bytes of the checkpoint directory plus the batch files it names. */
  size: number;
  /** Batch files it needs (root-level paths). */
  batches: string[];
  /** State files it names, `<uuid>/...`. */
  stateFiles: string[];
  /** Every file of `<uuid>/`. */
  files: GeneratedFile[];
  /** The parsed content of its state.json (null when `incompleteLast` left it out). */
  state: Record<string, unknown> | null;
  complete: boolean;
}

/** What `generateStorageDir` wrote. */
export interface GeneratedStorage {
  dir: string;
  /** Oldest first. */
  checkpoints: GeneratedCheckpoint[];
  /** Every batch file written (including retired ones still on disk). */
  batchFiles: GeneratedFile[];
  /** Every file written, sorted by path. */
  files: GeneratedFile[];
  totalBytes: number;
}

const CHUNK = 1 << 20;

/** mulberry32: a tiny seeded PRNG for decisions (sizes, UUID bits). */
export function createPrng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function pickSize(spec: SizeSpec, rand: () => number): number {
  if (typeof spec === 'number') return spec;
  return spec.min + Math.floor(rand() * (spec.max - spec.min + 1));
}

/** A version-7 UUID for `ms` with random bits from `rand`. */
function uuidv7From(ms: number, rand: () => number): string {
  const bytes = new Uint8Array(16);
  let t = ms;
  for (let k = 5; k >= 0; k--) {
    bytes[k] = t % 256;
    t = Math.floor(t / 256);
  }
  for (let k = 6; k < 16; k++) bytes[k] = Math.floor(rand() * 256);
  bytes[6] = 0x70 | (bytes[6]! & 0x0f);
  bytes[8] = 0x80 | (bytes[8]! & 0x3f);
  const h = Buffer.from(bytes).toString('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

/** Writes `size` pseudo-random bytes from `seed` in 1 MiB chunks (xorshift32), hashing as it goes. */
export async function writePseudoRandomFile(
  path: string,
  size: number,
  seed: number,
): Promise<GeneratedFile> {
  const hash = createHash('sha256');
  const handle = await open(path, 'w');
  try {
    const words = new Uint32Array(CHUNK / 4);
    const bytes = new Uint8Array(words.buffer);
    let x = seed >>> 0 || 0x9e3779b9;
    let left = size;
    while (left > 0) {
      for (let i = 0; i < words.length; i++) {
        x ^= x << 13;
        x ^= x >>> 17;
        x ^= x << 5;
        words[i] = x >>> 0;
      }
      const n = Math.min(left, CHUNK);
      const view = bytes.subarray(0, n);
      hash.update(view);
      await handle.write(view);
      left -= n;
    }
  } finally {
    await handle.close();
  }
  return { path, size, sha256: hash.digest('hex') };
}

async function writeSmall(dir: string, path: string, text: string): Promise<GeneratedFile> {
  await writeFile(join(dir, path), text);
  const size = Buffer.byteLength(text);
  return { path, size, sha256: createHash('sha256').update(text).digest('hex') };
}

/**
 * Writes a realistic Feldera-layout storage directory into `dir` (created if needed): batch files
 * `w0-<uuid>.feldera` shared between consecutive checkpoints, per-checkpoint directories with
 * `CHECKPOINT`, operator files, `dependencies.json` and `state.json`, the catalog and the root
 * `state.json`. Deterministic from `options.seed`.
 */
export async function generateStorageDir(
  dir: string,
  options: StorageGeneratorOptions,
): Promise<GeneratedStorage> {
  const rand = createPrng(options.seed);
  const perCheckpoint = options.batchesPerCheckpoint ?? 2;
  const retired = options.retiredPerCheckpoint ?? 1;
  const operatorFiles = options.operatorFilesPerCheckpoint ?? 2;
  const batchSize = options.batchSize ?? 4096;
  const operatorFileSize = options.operatorFileSize ?? 4096;
  const startMs = options.startMs ?? Date.UTC(2025, 0, 1);
  const interval = options.intervalMs ?? 60_000;
  const fingerprint = options.fingerprint ?? (1n << 64n) - 1n;
  await mkdir(dir, { recursive: true });

  const all: GeneratedFile[] = [];
  const batchFiles: GeneratedFile[] = [];
  const sizes = new Map<string, number>();
  let live: string[] = [];
  const checkpoints: GeneratedCheckpoint[] = [];
  let records = 0;

  for (let c = 0; c < options.checkpoints; c++) {
    const ckptMs = startMs + c * interval;
    if (c > 0) live = live.slice(Math.min(retired, live.length));
    for (let b = 0; b < perCheckpoint; b++) {
      const name = `w0-${uuidv7From(ckptMs - Math.floor(interval / 2) + b, rand)}.feldera`;
      const file = await writePseudoRandomFile(
        join(dir, name),
        pickSize(batchSize, rand),
        Math.floor(rand() * 2 ** 32),
      );
      const rel = { ...file, path: name };
      batchFiles.push(rel);
      all.push(rel);
      sizes.set(name, rel.size);
      live.push(name);
      records += 100;
    }
    const uuid = uuidv7From(ckptMs, rand);
    const complete = !(options.incompleteLast && c === options.checkpoints - 1);
    await mkdir(join(dir, uuid), { recursive: true });
    const files: GeneratedFile[] = [await writeSmall(dir, `${uuid}/CHECKPOINT`, '')];
    const stateFiles: string[] = [];
    for (let o = 0; o < operatorFiles; o++) {
      const path = `${uuid}/pspine-${o}.dat`;
      const f = await writePseudoRandomFile(
        join(dir, path),
        pickSize(operatorFileSize, rand),
        Math.floor(rand() * 2 ** 32),
      );
      files.push({ ...f, path });
      stateFiles.push(path);
    }
    const batches = [...live];
    const deps = options.legacyDependencies ? batches : { batches, state_files: stateFiles };
    files.push(
      await writeSmall(dir, `${uuid}/dependencies.json`, JSON.stringify(deps, null, 2) + '\n'),
    );
    const state = complete
      ? {
          step: c + 1,
          processed_records: records,
          checkpoint: uuid,
          input_offsets: { orders: records },
        }
      : null;
    if (state)
      files.push(await writeSmall(dir, `${uuid}/state.json`, JSON.stringify(state) + '\n'));
    files.sort((a, b) => (a.path < b.path ? -1 : 1));
    all.push(...files);
    const size =
      files.reduce((n, f) => n + f.size, 0) + batches.reduce((n, b) => n + (sizes.get(b) ?? 0), 0);
    checkpoints.push({
      uuid,
      identifier: c % 3 === 0 ? `ckpt-${c}` : null,
      fingerprint,
      steps: c + 1,
      processed_records: records,
      size,
      batches,
      stateFiles,
      files,
      state,
      complete,
    });
  }

  const committed = checkpoints.filter((c) => c.complete);
  const catalog =
    '[\n' +
    committed
      .map(
        (c) =>
          `  {"uuid":"${c.uuid}","identifier":${JSON.stringify(c.identifier)},"fingerprint":${c.fingerprint.toString()},` +
          `"size":${c.size},"steps":${c.steps},"processed_records":${c.processed_records}}`,
      )
      .join(',\n') +
    '\n]\n';
  if (committed.length > 0) {
    all.push(await writeSmall(dir, 'checkpoints.feldera', catalog));
    const newest = committed[committed.length - 1]!;
    all.push(await writeSmall(dir, 'state.json', JSON.stringify(newest.state) + '\n'));
  }
  all.sort((a, b) => (a.path < b.path ? -1 : 1));
  return {
    dir,
    checkpoints,
    batchFiles,
    files: all,
    totalBytes: all.reduce((n, f) => n + f.size, 0),
  };
}
