import { randomUUID } from 'node:crypto';
import { chmod, mkdir, open, readFile, rename } from 'node:fs/promises';
import { join } from 'node:path';
import { SyncError } from '@feldera-sync/errors';

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
}

const FILE = 'pipelines.json';

/** Pipeline names: what fits in a URL path segment and a file name, nothing that could traverse. */
export const PIPELINE_NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_-]{0,99}$/;

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
        parsed = JSON.parse(text);
      } catch (cause) {
        throw new SyncError(
          'ERR_SERVER_REGISTRY_CORRUPT',
          `${join(dataDir, FILE)} is not valid JSON`,
          {
            cause,
            hint: 'restore the file from a backup or move it away to start with no pipelines',
          },
        );
      }
      if (!Array.isArray(parsed)) {
        throw new SyncError(
          'ERR_SERVER_REGISTRY_CORRUPT',
          `${join(dataDir, FILE)} must hold a JSON array`,
        );
      }
      for (const def of parsed as PipelineDefinition[]) registry.byName.set(def.name, def);
    }
    return registry;
  }

  /** Directory that holds a pipeline's storage directory and run files. */
  pipelineDir(def: PipelineDefinition): string {
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

  /** Creates or replaces the definition under `name`; the system name survives replacement. */
  async upsert(
    name: string,
    runtimeConfig: Record<string, unknown>,
    now: Date,
  ): Promise<{ def: PipelineDefinition; created: boolean }> {
    const existing = this.byName.get(name);
    const def: PipelineDefinition = existing
      ? { ...existing, runtime_config: runtimeConfig, updated_at: now.toISOString() }
      : {
          name,
          system_name: `pipeline-${randomUUID()}`,
          runtime_config: runtimeConfig,
          created_at: now.toISOString(),
          updated_at: now.toISOString(),
        };
    this.byName.set(name, def);
    await this.persist();
    return { def, created: !existing };
  }

  /** Renames a pipeline; its system name, storage and bucket ownership stay. */
  async rename(from: string, to: string, now: Date): Promise<PipelineDefinition> {
    const def = this.byName.get(from);
    if (!def)
      throw new SyncError('ERR_SERVER_UNKNOWN_PIPELINE', `pipeline '${from}' does not exist`);
    if (this.byName.has(to)) {
      throw new SyncError('ERR_SERVER_INVALID_REQUEST', `a pipeline named '${to}' already exists`);
    }
    const renamed = { ...def, name: to, updated_at: now.toISOString() };
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
