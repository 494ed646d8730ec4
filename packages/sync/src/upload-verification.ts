import { SyncError } from '@feldera-sync/errors';
import type { SyncContext } from './context.js';
import { SyncErrorCodes } from './errors.js';
import { mapLimit } from './remote/manifest-cache.js';

/**
 * Every object in `sent` is in the bucket at its size, else `ERR_SYNC_UPLOAD_INCOMPLETE` naming
 * them: rclone skips a source file that vanished, and exits 0.
 */
export async function assertUploaded(
  ctx: SyncContext,
  sent: readonly { key: string; size: number }[],
  opts: { signal?: AbortSignal },
): Promise<void> {
  const heads = await mapLimit(sent, ctx.checkers, (o) => ctx.store.head(o.key, opts));
  const short = sent.filter((o, i) => heads[i]?.size !== o.size);
  if (short.length === 0) return;
  throw new SyncError(
    SyncErrorCodes.uploadIncomplete,
    `${short.length} of ${sent.length} object(s) the push sent are missing from ${ctx.store.description} or have the wrong size (${short
      .slice(0, 3)
      .map((o) => o.key)
      .join(', ')}); the checkpoint was not published`,
    {
      hint: 'push again: objects already in place are not sent twice',
      details: { missing: short.map((o) => o.key).slice(0, 50) },
    },
  );
}
