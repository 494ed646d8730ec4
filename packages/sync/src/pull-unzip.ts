import type { Manifest, ObjectStore } from '@feldera-sync/checkpoint';
import { remoteKeys, remoteObjectName } from '@feldera-sync/checkpoint';
import { SyncError, hasErrorCode } from '@feldera-sync/errors';
import { SyncErrorCodes } from './errors.js';
import { unzipTo } from './zip.js';

/** Extracts a verified zip into staging, checking every file against the manifest's `zip_files` as it is written. */
export async function unzipAndVerify(
  store: ObjectStore,
  manifest: Manifest,
  zipPath: string,
  unzipDir: string,
  signal?: AbortSignal,
): Promise<void> {
  const zipKey = remoteKeys.zip(manifest.uuid);
  // One pass: each entry is hashed while it is extracted, not read back afterwards. Only the files
  // the manifest lists are accepted, each stopped at its declared size.
  let written;
  try {
    written = await unzipTo(
      zipPath,
      unzipDir,
      new Map(manifest.zip_files.map((f) => [f.path, f.size])),
      signal,
    );
  } catch (e) {
    if (!hasErrorCode(e, SyncErrorCodes.integrity)) throw e;
    throw new SyncError(
      SyncErrorCodes.integrity,
      `${remoteObjectName(store, zipKey)}: ${e.message}`,
      {
        cause: e,
        hint: e.hint,
        details: { ...e.details, key: zipKey },
      },
    );
  }
  for (const f of manifest.zip_files) {
    const d = written.get(f.path);
    if (!d || d.size !== f.size || d.sha256 !== f.sha256) {
      throw new SyncError(
        SyncErrorCodes.integrity,
        `${remoteObjectName(store, zipKey)}: ${f.path} does not match its manifest`,
        {
          details: { key: zipKey, path: f.path },
        },
      );
    }
  }
}
