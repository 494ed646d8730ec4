import { rcloneFlagSecrets } from '@feldera-sync/config';
import type { SyncConfig } from '@feldera-sync/config';
import { openSyncStores, rcloneStoreFactory as rcloneAt } from '@feldera-sync/rclone';
import type { StoreFactory, SyncStores } from '@feldera-sync/rclone';
import type { CommandContext } from './context.js';
import { resolveCredentials } from './credentials.js';

export type { StoreFactory, StoreRequest } from '@feldera-sync/rclone';

/** Environment variable naming the rclone binary (default `rclone` on the PATH). */
export const RCLONE_BINARY_ENV = 'FELDERA_SYNC_RCLONE';

/** The rclone-backed store factory, running the binary `FELDERA_SYNC_RCLONE` names. */
export const rcloneStoreFactory: StoreFactory = (request) =>
  rcloneAt(request.env[RCLONE_BINARY_ENV] ?? 'rclone')(request);

/**
 * Opens `bucket` (and `read_bucket` when set) through the wiring the server shares
 * (`openSyncStores`), with the CLI's own part: secrets resolved from the environment first and
 * registered for masking.
 */
export function openStores(
  ctx: CommandContext,
  sync: SyncConfig,
  factory: StoreFactory,
): SyncStores {
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
  return openSyncStores(sync, { factory, credentials, env: ctx.io.env });
}
