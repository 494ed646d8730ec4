// What Feldera does to a storage directory when a pipeline starts on it, re-implemented by hand from
// its source (feldera/feldera, not from this project's packages) so tests can ask "would Feldera
// accept what we wrote?":
// - dbsp `circuit/checkpointer.rs`: `read_checkpoints_at_startup` (a missing catalog with UUID
//   directories refuses to start), `gc_startup` (keeps the catalog's directories and batches and a
//   fixed set of root entries, removes other directories and other `*.feldera` / `*.mut` files, logs
//   catalogued files that are missing), `verify_checkpoint_intact` (every listed state file present).
// - storage `lib.rs`: `gather_batches_for_checkpoint_uuid` (dependencies.json V2 / V1, or the
//   legacy `pspine-batches*` scan).
// - adapters `controller.rs`: `with_latest_checkpoint` resumes from root `state.json` when present.
// - adapters `controller/sync.rs`: `activated.feldera` holds `Option<CheckpointMetadata>`.
import { readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';

/** What a Feldera pipeline starting on the directory would find. */
export interface FelderaRestoreCheck {
  /** True when Feldera would start and restore without an error. */
  ok: boolean;
  /** Errors Feldera would raise or log (missing files, unparsable metadata). */
  problems: string[];
  /** The catalogued checkpoint whose `state.json` the root `state.json` is, or null for a fresh start. */
  resumesFrom: string | null;
  /** Root entries Feldera's startup GC would delete (leftovers nobody should have left). */
  wouldRemove: string[];
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const KEPT = [
  'checkpoints.feldera',
  'steps.bin',
  'state.json',
  'status.json',
  'status.json.mut',
  'datafusion-tmp',
  'activated.feldera',
  'feldera.pidlock',
  'coordinator',
];

async function readOrNull(path: string): Promise<Buffer | null> {
  try {
    return await readFile(path);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw e;
  }
}

function isMetadata(v: unknown): v is { uuid: string } {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return false;
  const m = v as Record<string, unknown>;
  const optInt = (x: unknown): boolean =>
    x === undefined || x === null || (typeof x === 'number' && Number.isInteger(x) && x >= 0);
  return (
    typeof m.uuid === 'string' &&
    UUID.test(m.uuid) &&
    (m.identifier === undefined || m.identifier === null || typeof m.identifier === 'string') &&
    typeof m.fingerprint === 'number' &&
    optInt(m.size) &&
    optInt(m.steps) &&
    optInt(m.processed_records)
  );
}

function parseJson(text: string): unknown {
  // Fingerprints are u64; JSON.parse rounds them, which does not matter for these checks.
  return JSON.parse(text) as unknown;
}

/** The batches a checkpoint needs and its listed state files, as Feldera gathers them. */
async function dependencies(
  dir: string,
  uuid: string,
  names: readonly string[],
): Promise<{ batches: string[]; stateFiles: string[] }> {
  const text = await readOrNull(join(dir, uuid, 'dependencies.json'));
  if (text !== null) {
    const deps = parseJson(text.toString('utf8'));
    if (Array.isArray(deps)) return { batches: deps.map(String), stateFiles: [] };
    const d = deps as { batches?: unknown; state_files?: unknown };
    if (!Array.isArray(d.batches)) throw new Error(`${uuid}/dependencies.json has no batches`);
    return {
      batches: d.batches.map(String),
      stateFiles: Array.isArray(d.state_files) ? d.state_files.map(String) : [],
    };
  }
  const batches = new Set<string>();
  for (const n of names.filter((x) => x.startsWith('pspine-batches'))) {
    const files = (parseJson(await readFile(join(dir, uuid, n), 'utf8')) as { files: unknown })
      .files;
    if (!Array.isArray(files)) throw new Error(`${uuid}/${n} has no files`);
    for (const f of files) batches.add(String(f));
  }
  return { batches: [...batches], stateFiles: [] };
}

/** Runs Feldera's startup and restore checks on `dir` without changing it. */
export async function felderaRestoreCheck(dir: string): Promise<FelderaRestoreCheck> {
  const problems: string[] = [];
  const root = await readdir(dir, { withFileTypes: true });
  const catalogText = await readOrNull(join(dir, 'checkpoints.feldera'));
  let catalog: { uuid: string }[] = [];
  if (catalogText === null) {
    const orphans = root.filter((d) => d.isDirectory() && UUID.test(d.name));
    if (orphans.length > 0)
      problems.push(
        `checkpoint catalog (checkpoints.feldera) missing while UUID-named checkpoint directories remain: ${orphans.map((d) => d.name).join(', ')}`,
      );
  } else {
    try {
      const parsed = parseJson(catalogText.toString('utf8'));
      if (!Array.isArray(parsed) || !parsed.every(isMetadata))
        throw new Error('not an array of CheckpointMetadata');
      catalog = parsed;
    } catch (e) {
      problems.push(`checkpoints.feldera does not parse: ${(e as Error).message}`);
    }
  }

  const inUse = new Set(KEPT);
  const stateByUuid = new Map<string, Buffer | null>();
  for (const { uuid } of catalog) {
    inUse.add(uuid);
    let names: string[] = [];
    try {
      names = (await readdir(join(dir, uuid), { withFileTypes: true }))
        .filter((d) => !d.isDirectory())
        .map((d) => d.name);
    } catch {
      problems.push(`checkpoint ${uuid} needs missing file: ${uuid}`);
      continue;
    }
    try {
      const deps = await dependencies(dir, uuid, names);
      for (const b of deps.batches) {
        inUse.add(b);
        if ((await readOrNull(join(dir, b))) === null)
          problems.push(`checkpoint ${uuid} needs missing file: ${b}`);
      }
      const missing = deps.stateFiles.filter((f) => !names.includes(f));
      if (missing.length > 0)
        problems.push(
          `checkpoint state files missing from checkpoint dir: ${uuid}: ${missing.join(', ')}`,
        );
    } catch (e) {
      problems.push(`checkpoint ${uuid}: ${(e as Error).message}`);
    }
    stateByUuid.set(uuid, await readOrNull(join(dir, uuid, 'state.json')));
  }

  const wouldRemove: string[] = [];
  for (const d of root) {
    if (inUse.has(d.name)) continue;
    if (d.isDirectory() || /\.(feldera|mut)$/.test(d.name)) wouldRemove.push(d.name);
  }

  let resumesFrom: string | null = null;
  const rootState = await readOrNull(join(dir, 'state.json'));
  if (rootState !== null) {
    for (const [uuid, state] of stateByUuid)
      if (state !== null && Buffer.compare(state, rootState) === 0) resumesFrom = uuid;
    if (resumesFrom === null)
      problems.push('root state.json is not the state.json of any catalogued checkpoint');
  }

  const marker = await readOrNull(join(dir, 'activated.feldera'));
  if (marker !== null) {
    let value: unknown;
    try {
      value = parseJson(marker.toString('utf8'));
    } catch {
      value = undefined;
    }
    if (value !== null && !isMetadata(value))
      problems.push('activated.feldera is not Option<CheckpointMetadata>');
  }
  return { ok: problems.length === 0, problems, resumesFrom, wouldRemove: wouldRemove.sort() };
}
