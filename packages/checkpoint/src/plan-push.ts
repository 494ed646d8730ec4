import type { CatalogEntry } from './catalog.js';
import { insertCatalogEntry } from './catalog.js';
import type { Manifest } from './remote-layout.js';
import { remoteKeys } from './remote-layout.js';

/** The local checkpoint to push: its catalog entry and the shared files (batch files) it needs, with sizes. */
export interface PushCheckpoint {
  entry: CatalogEntry;
  /** Paths relative to the storage directory; each is also its remote key. */
  shared: readonly { path: string; size: number }[];
}

/** What is known about the remote: its catalog and the manifests that could be read. */
export interface PushRemoteState {
  catalog: readonly CatalogEntry[];
  manifests: readonly Manifest[];
}

/** One step of a push, in commit order. */
export type PushStep =
  | { type: 'upload-shared'; keys: string[]; bytes: number }
  | { type: 'upload-zip'; key: string }
  | { type: 'put-manifest'; key: string }
  | { type: 'put-catalog'; key: string; entries: CatalogEntry[] };

/** The push plan: what to send, what is already there, and the ordered steps. */
export interface PushPlan {
  uuid: string;
  /** True when the remote catalog and manifests already hold this checkpoint: nothing to do. */
  alreadyCommitted: boolean;
  /** Shared keys to upload (the remote manifests do not hold them). */
  upload: string[];
  /** Shared keys a remote manifest already holds with the same size: not re-sent. */
  reuse: string[];
  /**
   * Shared keys a remote manifest holds with a different size. Batch files are immutable, so this is
   * damage: the plan neither re-sends nor overwrites them, and the caller should refuse to push.
   */
  conflicts: { key: string; localSize: number; remoteSize: number }[];
  /** The remote catalog after the push. */
  catalog: CatalogEntry[];
  steps: PushStep[];
}

/**
 * Plans a push from what the remote manifests say is present (not from a listing): the shared files
 * the remote lacks, then the zip, then the manifest, and last the catalog, the commit point.
 */
export function planPush(checkpoint: PushCheckpoint, remote: PushRemoteState): PushPlan {
  const uuid = checkpoint.entry.uuid.toLowerCase();
  const known = new Map<string, number>();
  for (const m of remote.manifests) for (const o of m.objects) known.set(o.key, o.size);
  const catalog = insertCatalogEntry(remote.catalog, checkpoint.entry);
  const inCatalog = remote.catalog.some((e) => e.uuid.toLowerCase() === uuid);
  const hasManifest = remote.manifests.some((m) => m.uuid === uuid);
  if (inCatalog && hasManifest) {
    return { uuid, alreadyCommitted: true, upload: [], reuse: [], conflicts: [], catalog: [...remote.catalog], steps: [] };
  }
  const upload: string[] = [];
  const reuse: string[] = [];
  const conflicts: PushPlan['conflicts'] = [];
  let bytes = 0;
  const seen = new Set<string>();
  for (const file of checkpoint.shared) {
    const key = remoteKeys.batch(file.path);
    if (seen.has(key)) continue;
    seen.add(key);
    const remoteSize = known.get(key);
    if (remoteSize === undefined) {
      upload.push(key);
      bytes += file.size;
    } else if (remoteSize === file.size) {
      reuse.push(key);
    } else {
      conflicts.push({ key, localSize: file.size, remoteSize });
    }
  }
  const steps: PushStep[] = [];
  if (upload.length > 0) steps.push({ type: 'upload-shared', keys: upload, bytes });
  steps.push({ type: 'upload-zip', key: remoteKeys.zip(uuid) });
  steps.push({ type: 'put-manifest', key: remoteKeys.manifest(uuid) });
  steps.push({ type: 'put-catalog', key: remoteKeys.catalog, entries: catalog });
  return { uuid, alreadyCommitted: false, upload, reuse, conflicts, catalog, steps };
}
