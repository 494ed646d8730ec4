import { randomUUID } from 'node:crypto';
import { chmod, mkdir, open, readFile, rename } from 'node:fs/promises';
import { join } from 'node:path';
import { SyncError, isSyncError } from '@feldera-sync/errors';
import { ServerErrorCodes } from './error-codes.js';
import { MAX_JSON_DEPTH, assertJsonDepth } from './json-limits.js';

/** A pipeline as the server persists it. `runtime_config` is the validated input (with secrets). */
export interface PipelineDefinition {
  /** The name users see; can change (rename). */
  name: string;
  /** `pipeline-<uuid>`: never changes, owns buckets and storage. */
  system_name: string;
  runtime_config: Record<string, unknown>;
  /** What the pipeline should be doing, so a restarted server resumes it. */
  desired?: 'running' | 'paused' | 'standby' | 'stopped' | undefined;
  created_at: string;
  updated_at: string;
  /** Feldera's client-provided fields; absent in registries written before they were kept. */
  description?: string | undefined;
  tags?: string[] | undefined;
  program_code?: string | undefined;
  udf_rust?: string | undefined;
  udf_toml?: string | undefined;
  program_config?: Record<string, unknown> | undefined;
  /** Bumped on every change of the definition (Feldera's `version`). */
  version?: number | undefined;
  /** Bumped when the program fields change (Feldera's `program_version`). */
  program_version?: number | undefined;
  /** When the program fields last changed. */
  program_updated_at?: string | undefined;
}

/** The definition fields Feldera's create/update bodies carry besides `runtime_config`. */
export interface PipelineProgram {
  description: string;
  tags: string[];
  program_code: string;
  udf_rust: string;
  udf_toml: string;
  program_config: Record<string, unknown>;
}

/** The values Feldera fills in for fields a full create/update leaves out. */
export const EMPTY_PROGRAM: PipelineProgram = {
  description: '',
  tags: [],
  program_code: '',
  udf_rust: '',
  udf_toml: '',
  program_config: {},
};

const PROGRAM_KEYS = ['program_code', 'udf_rust', 'udf_toml', 'program_config'] as const;

function programChanged(
  def: PipelineDefinition,
  next: { [K in keyof PipelineProgram]?: PipelineProgram[K] | undefined },
): boolean {
  return PROGRAM_KEYS.some(
    (key) =>
      next[key] !== undefined &&
      JSON.stringify(next[key]) !== JSON.stringify(def[key] ?? EMPTY_PROGRAM[key]),
  );
}

/** A definition with Feldera's fields filled in (older registry entries lack them). */
export function programOf(def: PipelineDefinition): PipelineProgram {
  return {
    description: def.description ?? EMPTY_PROGRAM.description,
    tags: def.tags ?? EMPTY_PROGRAM.tags,
    program_code: def.program_code ?? EMPTY_PROGRAM.program_code,
    udf_rust: def.udf_rust ?? EMPTY_PROGRAM.udf_rust,
    udf_toml: def.udf_toml ?? EMPTY_PROGRAM.udf_toml,
    program_config: def.program_config ?? EMPTY_PROGRAM.program_config,
  };
}

const FILE = 'pipelines.json';

/** Pipeline names: what fits in a URL path segment and a file name, nothing that could traverse. */
export const PIPELINE_NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_-]{0,99}$/;

/** System names as this server makes them: `pipeline-<uuid>`. They name directories. */
export const SYSTEM_NAME_PATTERN =
  /^pipeline-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

const DESIRED = new Set(['running', 'paused', 'standby', 'stopped']);

/** The problem with one field of a registry entry, or null when it is fine. */
type Check = (value: unknown) => string | null;

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);
const requiredString: (pattern?: RegExp, what?: string) => Check = (pattern, what) => (v) =>
  typeof v !== 'string'
    ? 'must be a string'
    : pattern && !pattern.test(v)
      ? `must be ${what ?? pattern.source}`
      : null;
const optional =
  (check: Check): Check =>
  (v) =>
    v === undefined ? null : check(v);
const timestamp: Check = (v) =>
  typeof v === 'string' && v.length <= 64 && !Number.isNaN(Date.parse(v))
    ? null
    : 'must be an ISO 8601 time';
const plainObject: Check = (v) => (isObject(v) ? null : 'must be a JSON object');
const positiveInteger: Check = (v) =>
  Number.isSafeInteger(v) && (v as number) >= 1 ? null : 'must be an integer of 1 or more';
const stringList: Check = (v) =>
  Array.isArray(v) && v.every((t) => typeof t === 'string') ? null : 'must be a list of strings';

/** Every field a registry entry may have, and what it must be. */
const ENTRY_FIELDS: Record<keyof PipelineDefinition, Check> = {
  name: requiredString(
    PIPELINE_NAME_PATTERN,
    'a pipeline name (letters, digits, _ and -, at most 100)',
  ),
  system_name: requiredString(SYSTEM_NAME_PATTERN, 'pipeline-<uuid>'),
  runtime_config: plainObject,
  desired: optional((v) =>
    typeof v === 'string' && DESIRED.has(v) ? null : 'must be running, paused, standby or stopped',
  ),
  created_at: timestamp,
  updated_at: timestamp,
  description: optional(requiredString()),
  tags: optional(stringList),
  program_code: optional(requiredString()),
  udf_rust: optional(requiredString()),
  udf_toml: optional(requiredString()),
  program_config: optional(plainObject),
  version: optional(positiveInteger),
  program_version: optional(positiveInteger),
  program_updated_at: optional(timestamp),
};

function corrupt(
  file: string,
  index: number,
  field: string,
  problem: string,
  value: unknown,
): SyncError {
  let shown: string;
  try {
    shown = JSON.stringify(value)?.slice(0, 120) ?? String(value);
  } catch {
    shown = typeof value;
  }
  return new SyncError(
    ServerErrorCodes.registryCorrupt,
    `${file}: entry ${index}: ${field} ${problem} (found ${shown})`,
    {
      hint: 'fix or remove that entry (the server does not start from a registry it cannot trust)',
      details: { file, entry: index, field },
    },
  );
}

/** Checks one entry read back from disk; untrusted until every field passed. */
function validateEntry(raw: unknown, index: number, file: string): PipelineDefinition {
  if (!isObject(raw)) throw corrupt(file, index, 'entry', 'must be a JSON object', raw);
  for (const [field, check] of Object.entries(ENTRY_FIELDS)) {
    const problem = check(raw[field]);
    if (problem) throw corrupt(file, index, field, problem, raw[field]);
  }
  return raw as unknown as PipelineDefinition;
}

/**
 * The server's store of pipeline definitions: one JSON file under the data directory, written
 * atomically with mode 0600, since it is the one place where object-store secrets may live.
 */
export class PipelineRegistry {
  private readonly byName = new Map<string, PipelineDefinition>();
  private writeChain: Promise<void> = Promise.resolve();

  private constructor(private readonly dataDir: string) {}

  /** Loads the registry from `dataDir`, creating the directory (mode 0700) when missing. */
  static async open(dataDir: string): Promise<PipelineRegistry> {
    await mkdir(dataDir, { recursive: true, mode: 0o700 });
    const registry = new PipelineRegistry(dataDir);
    let text: string | null = null;
    try {
      text = await readFile(join(dataDir, FILE), 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
    if (text !== null) {
      let parsed: unknown;
      try {
        // Entries hold request bodies (runtime configs) one array and one object deeper.
        assertJsonDepth(text, MAX_JSON_DEPTH + 2);
      } catch (cause) {
        throw new SyncError(
          ServerErrorCodes.registryCorrupt,
          `${join(dataDir, FILE)} is nested deeper than ${MAX_JSON_DEPTH + 2} levels`,
          { cause: isSyncError(cause) ? cause : undefined, details: { file: join(dataDir, FILE) } },
        );
      }
      try {
        parsed = JSON.parse(text);
      } catch (cause) {
        throw new SyncError(
          ServerErrorCodes.registryCorrupt,
          `${join(dataDir, FILE)} is not valid JSON`,
          {
            cause,
            hint: 'restore the file from a backup or move it away to start with no pipelines',
          },
        );
      }
      if (!Array.isArray(parsed)) {
        throw new SyncError(
          ServerErrorCodes.registryCorrupt,
          `${join(dataDir, FILE)} must hold a JSON array`,
        );
      }
      const systemNames = new Set<string>();
      for (const [index, raw] of (parsed as unknown[]).entries()) {
        const def = validateEntry(raw, index, join(dataDir, FILE));
        if (registry.byName.has(def.name))
          throw corrupt(
            join(dataDir, FILE),
            index,
            'name',
            'is used by an earlier entry',
            def.name,
          );
        if (systemNames.has(def.system_name))
          throw corrupt(
            join(dataDir, FILE),
            index,
            'system_name',
            'is used by an earlier entry',
            def.system_name,
          );
        systemNames.add(def.system_name);
        registry.byName.set(def.name, def);
      }
    }
    return registry;
  }

  /** Directory that holds a pipeline's storage directory and run files; never outside the data directory. */
  pipelineDir(def: PipelineDefinition): string {
    if (!SYSTEM_NAME_PATTERN.test(def.system_name)) {
      throw new SyncError(
        ServerErrorCodes.registryCorrupt,
        `${JSON.stringify(def.system_name)} is not a system name (pipeline-<uuid>)`,
      );
    }
    return join(this.dataDir, 'pipelines', def.system_name);
  }

  /** The pipeline's storage directory (Feldera's `file` backend layout). */
  storageDir(def: PipelineDefinition): string {
    return join(this.pipelineDir(def), 'storage');
  }

  get(name: string): PipelineDefinition | undefined {
    return this.byName.get(name);
  }

  list(): PipelineDefinition[] {
    return [...this.byName.values()].sort((a, b) => a.name.localeCompare(b.name));
  }

  /**
   * Creates or replaces the definition under `name`; the system name survives replacement. The
   * program fields are replaced too (Feldera's full update), with their empty values by default.
   */
  async upsert(
    name: string,
    runtimeConfig: Record<string, unknown>,
    now: Date,
    program: PipelineProgram = EMPTY_PROGRAM,
  ): Promise<{ def: PipelineDefinition; created: boolean }> {
    const existing = this.byName.get(name);
    const at = now.toISOString();
    const def: PipelineDefinition = existing
      ? {
          ...existing,
          ...program,
          runtime_config: runtimeConfig,
          updated_at: at,
          version: (existing.version ?? 1) + 1,
          ...(programChanged(existing, program)
            ? { program_version: (existing.program_version ?? 1) + 1, program_updated_at: at }
            : {}),
        }
      : {
          name,
          system_name: `pipeline-${randomUUID()}`,
          runtime_config: runtimeConfig,
          created_at: at,
          updated_at: at,
          ...program,
          version: 1,
          program_version: 1,
          program_updated_at: at,
        };
    this.byName.set(name, def);
    await this.persist();
    return { def, created: !existing };
  }

  /** Changes the given fields only (Feldera's PATCH); `runtime_config` when given replaces the whole config. */
  async patch(
    name: string,
    fields: { [K in keyof PipelineProgram]?: PipelineProgram[K] | undefined } & {
      runtime_config?: Record<string, unknown> | undefined;
    },
    now: Date,
  ): Promise<PipelineDefinition> {
    const existing = this.byName.get(name);
    if (!existing)
      throw new SyncError(ServerErrorCodes.unknownPipeline, `pipeline '${name}' does not exist`);
    const changes = Object.fromEntries(
      Object.entries(fields).filter(([, v]) => v !== undefined),
    ) as Partial<PipelineProgram> & { runtime_config?: Record<string, unknown> };
    if (Object.keys(changes).length === 0) return existing;
    const at = now.toISOString();
    const def: PipelineDefinition = {
      ...existing,
      ...changes,
      updated_at: at,
      version: (existing.version ?? 1) + 1,
      ...(programChanged(existing, changes)
        ? { program_version: (existing.program_version ?? 1) + 1, program_updated_at: at }
        : {}),
    };
    this.byName.set(name, def);
    await this.persist();
    return def;
  }

  /** Renames a pipeline; its system name, storage and bucket ownership stay. */
  async rename(from: string, to: string, now: Date): Promise<PipelineDefinition> {
    const def = this.byName.get(from);
    if (!def)
      throw new SyncError(ServerErrorCodes.unknownPipeline, `pipeline '${from}' does not exist`);
    if (this.byName.has(to)) {
      throw new SyncError(
        ServerErrorCodes.invalidRequest,
        `a pipeline named '${to}' already exists`,
      );
    }
    const renamed = {
      ...def,
      name: to,
      updated_at: now.toISOString(),
      version: (def.version ?? 1) + 1,
    };
    this.byName.delete(from);
    this.byName.set(to, renamed);
    await this.persist();
    return renamed;
  }

  /** Records what a pipeline should be doing across server restarts. */
  async setDesired(
    name: string,
    desired: NonNullable<PipelineDefinition['desired']>,
  ): Promise<void> {
    const def = this.byName.get(name);
    if (!def || def.desired === desired) return;
    this.byName.set(name, { ...def, desired });
    await this.persist();
  }

  async remove(name: string): Promise<void> {
    if (this.byName.delete(name)) await this.persist();
  }

  private persist(): Promise<void> {
    const body = JSON.stringify(this.list(), null, 2);
    const run = async (): Promise<void> => {
      const target = join(this.dataDir, FILE);
      const tmp = `${target}.mut`;
      const handle = await open(tmp, 'w', 0o600);
      try {
        await handle.writeFile(body);
        await handle.sync();
      } finally {
        await handle.close();
      }
      await chmod(tmp, 0o600);
      await rename(tmp, target);
    };
    // Writes are serialised so a slow write never lands after a newer one.
    this.writeChain = this.writeChain.then(run, run);
    return this.writeChain;
  }
}
