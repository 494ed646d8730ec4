import type { ObjectStore } from '@feldera-sync/checkpoint';
import { rcloneFlagSecrets } from '@feldera-sync/config';
import type { SyncConfig } from '@feldera-sync/config';
import { createRcloneStore, tuningFromSyncConfig } from '@feldera-sync/rclone';
import type { RcloneRemote, RcloneTuning } from '@feldera-sync/rclone';
import type { CommandContext } from './context.js';
import { resolveCredentials } from './credentials.js';

/** Environment variable naming the rclone binary (default `rclone` on the PATH). */
export const RCLONE_BINARY_ENV = 'FELDERA_SYNC_RCLONE';

/** What it takes to open one bucket location. */
export interface StoreRequest {
  remote: RcloneRemote;
  tuning: RcloneTuning;
  env: Readonly<Record<string, string | undefined>>;
}

/** Opens an ObjectStore; the default uses rclone, tests inject an in-memory store. */
export type StoreFactory = (request: StoreRequest) => ObjectStore;

/** The rclone-backed store factory. */
export const rcloneStoreFactory: StoreFactory = ({ remote, tuning, env }) =>
  createRcloneStore({ binary: env[RCLONE_BINARY_ENV] ?? 'rclone', remote, tuning, env });

/** The remote description of `bucket` from the sync config with resolved credentials. */
export function remoteFor(
  sync: SyncConfig,
  bucket: string,
  credentials: { accessKey?: string | undefined; secretKey?: string | undefined },
): RcloneRemote {
  return {
    provider: sync.provider,
    bucket,
    ...(sync.endpoint ? { endpoint: sync.endpoint } : {}),
    ...(sync.region ? { region: sync.region } : {}),
    ...(credentials.accessKey !== undefined
      ? { accessKey: credentials.accessKey, secretKey: credentials.secretKey }
      : {}),
  };
}

/** Opens `bucket` (and `read_bucket` when set), resolving secrets from the environment and registering them for masking. */
export function openStores(
  ctx: CommandContext,
  sync: SyncConfig,
  factory: StoreFactory,
): { store: ObjectStore; readStore: ObjectStore | undefined } {
  const credentials = resolveCredentials(
    { access_key: sync.access_key ?? undefined, secret_key: sync.secret_key ?? undefined },
    ctx.io.env,
  );
  if (credentials.accessKey !== undefined) {
    ctx.secrets.add(credentials.accessKey);
    ctx.secrets.add(credentials.secretKey);
  }
  // SSE-C / KMS keys in `flags` are secrets too (rclone gets them through its environment).
  for (const secret of rcloneFlagSecrets(sync.flags)) ctx.secrets.add(secret);
  const tuning = tuningFromSyncConfig(sync);
  const store = factory({
    remote: remoteFor(sync, sync.bucket, credentials),
    tuning,
    env: ctx.io.env,
  });
  const readStore = sync.read_bucket
    ? factory({ remote: remoteFor(sync, sync.read_bucket, credentials), tuning, env: ctx.io.env })
    : undefined;
  return { store, readStore };
}
