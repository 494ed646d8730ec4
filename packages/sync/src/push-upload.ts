import type { SyncContext } from './context.js';
import type { PushObjects } from './push-local-objects.js';
import { transferDeadlineMs } from './deadline.js';
import type { ProgressTracker } from './progress.js';
import { assertUploaded } from './upload-verification.js';

/** Sends a push's immutable objects (batch files, the zip) in as few rclone transfers as the plan allows. */
export interface PushUploader {
  /** Queues keys (relative to the upload root) for the next transfer. */
  add(keys: readonly string[]): void;
  /** Sends what is queued as one transfer, then checks every object arrived at its size. */
  flush(): Promise<void>;
  /** What rclone reported transferring so far (objects it found already there are not counted). */
  readonly transferred: { readonly bytes: number; readonly objects: number };
}

/** An uploader from `rootDir` for the objects in `toUpload` (their sizes bound the deadline and are verified). */
export function createPushUploader(
  ctx: SyncContext,
  rootDir: string,
  toUpload: readonly { key: string; size: number }[],
  progress: ProgressTracker,
  opts: { signal?: AbortSignal },
  digests?: Pick<PushObjects, 'knownSha256' | 'fromUpload'>,
): PushUploader {
  const bytesTotal = toUpload.reduce((n, o) => n + o.size, 0);
  const queued: string[] = [];
  const transferred = { bytes: 0, objects: 0 };
  return {
    transferred,
    add(keys) {
      queued.push(...keys);
    },
    async flush() {
      if (queued.length === 0) return;
      const keys = queued.splice(0);
      const reported = new Set<string>();
      const r = await ctx.store.uploadFiles(rootDir, keys, '', {
        ...opts,
        onProgress: progress.transfer(),
        onObjectDone: (key) => reported.add(key),
        knownSha256: digests?.knownSha256,
        onSha256: digests?.fromUpload,
        deadlineMs: transferDeadlineMs(bytesTotal, ctx.transferTimeoutMs),
      });
      progress.done(r.bytes, r.objects);
      // A push that says "done" is done: every object it meant to send is in the bucket at its size
      // before anything names it (rclone skips a source file that vanished, and exits 0). What the
      // store reported copied (rclone checks the size of each upload) is in place; every other
      // object, skipped or unreported, gets a `head`.
      const sent = new Set(keys);
      await assertUploaded(
        ctx,
        toUpload.filter((o) => sent.has(o.key) && !reported.has(o.key)),
        opts,
      );
      transferred.bytes += r.bytes;
      transferred.objects += r.objects;
    },
  };
}
