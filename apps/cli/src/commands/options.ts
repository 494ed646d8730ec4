import type { SyncConfig } from '@feldera-sync/config';
import type { ObjectStore } from '@feldera-sync/checkpoint';
import { createSynchronizer, synchronizerSettingsFrom } from '@feldera-sync/sync';
import type { Synchronizer } from '@feldera-sync/sync';
import { SyncError } from '@feldera-sync/errors';
import type { LoadedConfigFile } from '../config-file.js';
import { loadSyncConfigFile } from '../config-file.js';
import type { CommandContext } from '../context.js';
import type { CliDeps } from '../deps.js';
import { resolvePipelineIdentity } from '../pipeline-identity.js';
import type { PipelineIdentity } from '../pipeline-identity.js';
import { openStores } from '../stores.js';
import { resolvePath } from './shared.js';
import { CliErrorCodes } from '../error-codes.js';

/** Options every bucket command takes. */
export interface BucketOptions {
  config?: string | undefined;
}

/** Owner-identity options of `push` (and of commands that may write). */
export interface IdentityOptions {
  pipeline?: string | undefined;
  pipelineId?: string | undefined;
}

/** A loaded config with its stores open. */
export interface OpenedBucket {
  file: LoadedConfigFile & { sync: SyncConfig };
  store: ObjectStore;
  readStore: ObjectStore | undefined;
}

/** Identity used by commands that never write `owner.json` (pull, verify, standby). */
export const READ_ONLY_IDENTITY: PipelineIdentity = {
  systemName: 'pipeline-00000000-0000-0000-0000-000000000000',
  givenName: 'feldera-sync-cli (read-only)',
};

/** Loads `--config` (required) and opens its bucket and read_bucket. */
export async function openBucket(
  ctx: CommandContext,
  deps: CliDeps,
  options: BucketOptions,
): Promise<OpenedBucket> {
  if (!options.config) {
    throw new SyncError(CliErrorCodes.usage, 'this command needs --config FILE', {
      hint: 'pass a runtime config or a bare sync object with --config',
    });
  }
  const file = await loadSyncConfigFile(options.config, ctx.io.cwd);
  for (const w of file.warnings) ctx.err(`warning: ${w.path}: ${w.message}\n`);
  const { store, readStore } = openStores(ctx, file.sync, deps.createStore);
  return { file, store, readStore };
}

/** The owner identity of a push from flags and config. */
export function identityFor(file: LoadedConfigFile, options: IdentityOptions): PipelineIdentity {
  return resolvePipelineIdentity({
    pipelineFlag: options.pipeline,
    pipelineIdFlag: options.pipelineId,
    configName: file.name,
    configSystemName: file.systemName,
  });
}

/** The identity for read-only commands: the configured one when there is one, else a placeholder. */
export function readIdentityFor(
  file: LoadedConfigFile,
  options: IdentityOptions,
): PipelineIdentity {
  try {
    return identityFor(file, options);
  } catch {
    return READ_ONLY_IDENTITY;
  }
}

/** A synchroniser for `storage` (or a scratch path for remote-only commands) and the opened bucket. */
export function synchronizerFor(
  ctx: CommandContext,
  bucket: OpenedBucket,
  storage: string,
  pipeline: PipelineIdentity,
): Synchronizer {
  return createSynchronizer({
    storageDir: resolvePath(ctx, storage),
    store: bucket.store,
    readStore: bucket.readStore,
    pipeline,
    ...synchronizerSettingsFrom(bucket.file.sync),
  });
}
