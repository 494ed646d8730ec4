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
  /** Write dependencies.json in Feldera's legacy V1 form, a bare array of batches. */
  legacyDependencies?: boolean;
  /** Write dependencies.json as V2 without the `state_files` key (Feldera reads it as empty). */
  omitStateFiles?: boolean;
  /** Leave the last checkpoint unfinished: no state.json, not in the catalog, root state from the one before. */
  incompleteLast?: boolean;
  /**
   * Stop the last checkpoint inside Feldera's commit window: catalogued (`commit()` returned) but
   * its `state.json` and the root `state.json` not yet written.
   */
  commitWindowLast?: boolean;
  /** Also write the root entries a running Feldera pipeline has (`steps.bin`, `status.json`, `feldera.pidlock`). */
  felderaRootEntries?: boolean;
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
  /** Feldera's `CheckpointMetadata.size`: bytes of the files in `<uuid>/` at commit (no `state.json`). */
  size: number;
  /** Batch files it needs (names at the storage root). */
  batches: string[];
  /** `state_files` as Feldera records them: bare names inside `<uuid>/`, sorted, `CHECKPOINT` included. */
  stateFiles: string[];
  /** In the catalog (false only for `incompleteLast`). */
  catalogued: boolean;
  /** Every file of `<uuid>/`. */
  files: GeneratedFile[];
  /** The parsed content of its state.json (null when `incompleteLast` / `commitWindowLast` left it out). */
  state: Record<string, unknown> | null;
  /** Catalogued with its `state.json` written. */
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
 * Writes a storage directory in exactly the layout Feldera writes (dbsp `checkpointer.rs`,
 * feldera-types `checkpoint.rs`; see the README's fixture section for the lines) into `dir`: batch
 * files `w0-<uuid>.feldera` shared between consecutive checkpoints, per-checkpoint directories with
 * operator files, `CHECKPOINT`, `dependencies.json` (bare `state_files`) and `state.json`, the
 * compact catalog and the root `state.json`. Deterministic from `options.seed`. It writes by hand and
 * imports nothing of this project's, so it is an oracle for the packages that read the layout.
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
  let live: string[] = [];
  const checkpoints: GeneratedCheckpoint[] = [];
  let records = 0;
  const metadataJson: string[] = [];
  // Feldera writes an empty catalog before the first checkpoint directory (`ensure_catalog_exists`).
  let catalogText: string | null = options.checkpoints > 0 ? '[]' : null;
  let rootState: string | null = null;

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
      live.push(name);
      records += 100;
    }
    const uuid = uuidv7From(ckptMs, rand);
    const last = c === options.checkpoints - 1;
    const catalogued = !(options.incompleteLast && last);
    const complete = catalogued && !(options.commitWindowLast && last);
    // The order of Feldera's checkpoint (dbsp `dbsp_handle.rs` prepare/commit, `checkpointer.rs`
    // commit, adapters `controller.rs` checkpoint write): operator files, the CHECKPOINT marker,
    // dependencies.json from a listing of the directory, the catalog, then <uuid>/state.json and
    // the root state.json.
    await mkdir(join(dir, uuid), { recursive: true });
    const files: GeneratedFile[] = [];
    for (let o = 0; o < operatorFiles; o++) {
      const path = `${uuid}/pspine-${o}.dat`;
      const f = await writePseudoRandomFile(
        join(dir, path),
        pickSize(operatorFileSize, rand),
        Math.floor(rand() * 2 ** 32),
      );
      files.push({ ...f, path });
    }
    files.push(await writeSmall(dir, `${uuid}/CHECKPOINT`, ''));
    const stateFiles = files
      .map((f) => f.path.slice(uuid.length + 1))
      .sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
    const batches = [...live];
    const deps = options.legacyDependencies
      ? batches
      : options.omitStateFiles
        ? { batches }
        : { batches, state_files: stateFiles };
    files.push(await writeSmall(dir, `${uuid}/dependencies.json`, JSON.stringify(deps)));
    const size = files.reduce((n, f) => n + f.size, 0);
    const identifier = c % 3 === 0 ? `ckpt-${c}` : null;
    const metadata = `{"uuid":"${uuid}","identifier":${JSON.stringify(identifier)},"fingerprint":${fingerprint.toString()},"size":${size},"steps":${c + 1},"processed_records":${records}}`;
    if (catalogued) {
      metadataJson.push(metadata);
      catalogText = `[${metadataJson.join(',')}]`;
    }
    // Feldera's controller `Checkpoint` (adapters `controller/checkpoint.rs`), compact as serde writes it.
    const stateText = complete
      ? `{"circuit":${metadata},"step":${c + 1},"config":{"workers":4,"storage":{"backend":{"name":"file"}}},` +
        `"processed_records":${records},"transaction_number":0,"initial_start_time":1735689600,` +
        `"input_metadata":{"orders":{"offset":${records}}},"input_statistics":{},"output_statistics":{}}`
      : null;
    // Parsed by hand-kept structure, not JSON.parse, so the u64 fingerprint stays exact.
    const state =
      stateText === null
        ? null
        : {
            ...(JSON.parse(stateText) as Record<string, unknown>),
            circuit: {
              uuid,
              identifier,
              fingerprint,
              size,
              steps: c + 1,
              processed_records: records,
            },
          };
    if (stateText !== null) {
      files.push(await writeSmall(dir, `${uuid}/state.json`, stateText));
      rootState = stateText;
    }
    files.sort((a, b) => (a.path < b.path ? -1 : 1));
    all.push(...files);
    checkpoints.push({
      uuid,
      identifier,
      fingerprint,
      steps: c + 1,
      processed_records: records,
      size,
      batches,
      stateFiles,
      catalogued,
      files,
      state,
      complete,
    });
  }

  if (catalogText !== null) all.push(await writeSmall(dir, 'checkpoints.feldera', catalogText));
  if (rootState !== null) all.push(await writeSmall(dir, 'state.json', rootState));
  if (options.felderaRootEntries) {
    // Entries a running pipeline has beside its checkpoints (feldera-types `constants.rs`, dbsp
    // `dirlock.rs`); their content is opaque here.
    all.push(await writeSmall(dir, 'steps.bin', 'steps'));
    all.push(await writeSmall(dir, 'status.json', '{"desired_status":"Running"}'));
    all.push(await writeSmall(dir, 'feldera.pidlock', '4242'));
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
