import { join } from 'node:path';
import type { ManifestObject, ZipFile } from '@feldera-sync/checkpoint';
import { remoteKeys } from '@feldera-sync/checkpoint';
import { localDiskError } from '@feldera-sync/errors';
import type { SyncContext } from './context.js';
import type { FileDigest } from './hash.js';
import type { PushableCheckpoint } from './push-local-checkpoint.js';
import type { PinnedCheckpoint } from './push-pin.js';
import { mapLimit } from './remote/manifest-cache.js';
import { zipDirectory } from './zip.js';

/** Batch files hashed at once beside the upload. */
const HASH_CONCURRENCY = 2;

/** The objects a push may send, built locally before anything remote is written. */
export interface PushObjects {
  /** The batch files by remote key and size; their digests come later, in `sharedDigests`. */
  shared: { key: string; size: number }[];
  /**
   * The batch files' SHA-256 (cached: they are immutable), computed beside everything that follows,
   * the upload included; awaited only before the manifest. Never rejects unhandled.
   */
  sharedDigests: Promise<ManifestObject[]>;
  /**
   * The SHA-256 of an object to upload (batch file or zip, by key) once it is known, while the
   * rest are still being hashed: the upload signs it instead of hashing the bytes a second time.
   */
  knownSha256: (key: string) => string | undefined;
  /**
   * A digest the upload computed from the bytes it sent, before this side hashed the file: the
   * file is then not read and hashed here (see `TransferOptions.onSha256`).
   */
  fromUpload: (key: string, sha256: string, size: number) => void;
  /** The zip of `<uuid>/`, written to `<staging>/<zip key>` and hashed as it was written. */
  zip: ManifestObject;
  /** The zip's entries, hashed while they were zipped: no second read. */
  zipFiles: ZipFile[];
}

/**
 * Builds everything local first (the zip, hashed as it is written; the batch files' hashes start),
 * so a local failure (a full disk) writes nothing remote. On a machine where the upload saturates
 * the CPU, hashing no longer runs before it.
 */
export async function prepareLocalObjects(
  ctx: SyncContext,
  uuid: string,
  local: PushableCheckpoint,
  pinned: PinnedCheckpoint,
  signal: AbortSignal | undefined,
): Promise<PushObjects> {
  const shared = local.shared.map((f) => ({ key: remoteKeys.batch(f.path), size: f.size }));
  // Each file is read and hashed once: here, or by the upload when it gets there first.
  const known = new Map<string, string>();
  const uploaded = new Map<string, FileDigest>();
  const sharedDigests = mapLimit(
    local.shared,
    HASH_CONCURRENCY,
    async (f): Promise<ManifestObject> => {
      const key = remoteKeys.batch(f.path);
      const path = join(pinned.rootDir, f.path);
      const sent = uploaded.get(key);
      let digest: FileDigest;
      if (sent) {
        digest = sent;
        await ctx.hashes.remember(path, sent);
      } else {
        digest = await ctx.hashes.digest(path, signal);
      }
      known.set(key, digest.sha256);
      return { key, ...digest };
    },
  );
  sharedDigests.catch(() => undefined); // awaited later; never an unhandled rejection meanwhile
  const zipKey = remoteKeys.zip(uuid);
  const zipped = await zipDirectory(
    pinned.ckptDir,
    local.files,
    join(pinned.staging, zipKey),
    `${uuid}/`,
    signal,
  ).catch((e: unknown) => {
    throw localDiskError(e, 'zip', pinned.ckptDir);
  });
  known.set(zipKey, zipped.sha256);
  return {
    knownSha256: (key) => known.get(key),
    fromUpload: (key, sha256, size) => {
      if (!known.has(key)) uploaded.set(key, { size, sha256 });
    },
    shared,
    sharedDigests,
    zip: { key: zipKey, size: zipped.size, sha256: zipped.sha256 },
    zipFiles: zipped.entries.map((f) => ({ path: f.name, size: f.size, sha256: f.sha256 })),
  };
}
