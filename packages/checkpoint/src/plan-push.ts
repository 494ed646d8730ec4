import type { CatalogEntry } from './catalog.js';
import { insertCatalogEntry } from './catalog.js';
import type { Manifest } from './remote-layout.js';
import { remoteKeys } from './remote-layout.js';

/** The local checkpoint to push: its catalog entry and the shared files (batch files) it needs, with sizes. */
export interface PushCheckpoint {
  entry: CatalogEntry;
  /**
   * Paths relative to the storage directory; each is also its remote key. With `sha256`, a remote
   * manifest recording the same size but another hash is a conflict too.
   */
  shared: readonly { path: string; size: number; sha256?: string | undefined }[];
  /** Size and SHA-256 of the zip about to be sent; lets a resumed push reuse a whole zip it sent before. */
  zip?: { size: number; sha256: string } | undefined;
}

/** What is known about the remote: its catalog and the manifests that could be read. */
export interface PushRemoteState {
  catalog: readonly CatalogEntry[];
  manifests: readonly Manifest[];
  /**
   * Objects a `head` found (key -> size), for a push resuming after a kill: S3 PUTs are atomic, so an
   * object present with the expected size is whole and is not sent again.
   */
  present?: ReadonlyMap<string, number> | undefined;
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
  /** False when a manifest or a `head` shows the zip is already there whole (only with `checkpoint.zip`). */
  uploadZip: boolean;
  steps: PushStep[];
}

/** A file a push may send: its key, size and (when known) SHA-256. */
export interface PushCandidate {
  key: string;
  size: number;
  sha256?: string | undefined;
}

/** Which candidates to send, which the remote already holds, and which clash with a remote object. */
export interface SharedUploadPlan<T extends PushCandidate> {
  upload: T[];
  skip: T[];
  /** A remote object of this name with another size (or hash): immutable files never differ, so this is damage. */
  conflicts: { key: string; local: T; remote: { size: number; sha256?: string | undefined } }[];
}

/**
 * Decides, file by file, what a push sends: a file a remote manifest records (`known`) is skipped when
 * size and (where both are known) SHA-256 match, else it is a conflict; a file a `head` found
 * (`present`, key -> size) is skipped when the size matches; everything else is sent. Duplicates are
 * considered once.
 */
export function planSharedUploads<T extends PushCandidate>(
  objects: readonly T[],
  known: ReadonlyMap<string, { size: number; sha256?: string | undefined }>,
  present: ReadonlyMap<string, number> = new Map(),
): SharedUploadPlan<T> {
  const plan: SharedUploadPlan<T> = { upload: [], skip: [], conflicts: [] };
  const seen = new Set<string>();
  for (const o of objects) {
    if (seen.has(o.key)) continue;
    seen.add(o.key);
    const remote = known.get(o.key);
    if (remote) {
      const sameHash =
        o.sha256 === undefined || remote.sha256 === undefined || o.sha256 === remote.sha256;
      if (remote.size === o.size && sameHash) plan.skip.push(o);
      else plan.conflicts.push({ key: o.key, local: o, remote });
      continue;
    }
    (present.get(o.key) === o.size ? plan.skip : plan.upload).push(o);
  }
  return plan;
}

/**
 * Plans a push from what the remote manifests say is present (not from a listing): the shared files
 * the remote lacks, then the zip, then the manifest, and last the catalog, the commit point.
 */
export function planPush(checkpoint: PushCheckpoint, remote: PushRemoteState): PushPlan {
  const uuid = checkpoint.entry.uuid.toLowerCase();
  const zipKey = remoteKeys.zip(uuid);
  const known = new Map<string, { size: number; sha256: string }>();
  for (const m of remote.manifests) for (const o of m.objects) known.set(o.key, o);
  const catalog = insertCatalogEntry(remote.catalog, checkpoint.entry);
  const inCatalog = remote.catalog.some((e) => e.uuid.toLowerCase() === uuid);
  const hasManifest = remote.manifests.some((m) => m.uuid === uuid);
  if (inCatalog && hasManifest) {
    return {
      uuid,
      alreadyCommitted: true,
      upload: [],
      reuse: [],
      conflicts: [],
      catalog: [...remote.catalog],
      uploadZip: false,
      steps: [],
    };
  }
  const candidates = checkpoint.shared.map((f) => ({
    key: remoteKeys.batch(f.path),
    size: f.size,
    sha256: f.sha256,
  }));
  const decided = planSharedUploads(candidates, known, remote.present);
  const upload = decided.upload.map((o) => o.key);
  const reuse = decided.skip.map((o) => o.key);
  const conflicts = decided.conflicts.map((c) => ({
    key: c.key,
    localSize: c.local.size,
    remoteSize: c.remote.size,
  }));
  const bytes = decided.upload.reduce((n, o) => n + o.size, 0);
  const zip = checkpoint.zip;
  const zipHeld =
    zip !== undefined &&
    ((known.get(zipKey)?.size === zip.size && known.get(zipKey)?.sha256 === zip.sha256) ||
      remote.present?.get(zipKey) === zip.size);
  const steps: PushStep[] = [];
  if (upload.length > 0) steps.push({ type: 'upload-shared', keys: upload, bytes });
  if (!zipHeld) steps.push({ type: 'upload-zip', key: zipKey });
  steps.push({ type: 'put-manifest', key: remoteKeys.manifest(uuid) });
  steps.push({ type: 'put-catalog', key: remoteKeys.catalog, entries: catalog });
  return {
    uuid,
    alreadyCommitted: false,
    upload,
    reuse,
    conflicts,
    catalog,
    uploadZip: !zipHeld,
    steps,
  };
}

/** What a committed checkpoint's repair sends again, and what cannot be repaired from local files. */
export interface RepairPlan {
  /** Keys the bucket lacks (or holds at another size) that local files supply exactly. */
  upload: string[];
  /** Keys missing remotely whose local copy is absent or differs from the manifest. */
  unrepairable: { key: string; reason: string }[];
}

/**
 * An "already synced" checkpoint checked against the bucket: `present` (key -> size, from `head`s)
 * lacks some of the manifest's objects; those the local files (`local`, with SHA-256) match exactly
 * are sent again, the others cannot be repaired.
 */
export function planRepair(
  manifest: Manifest,
  present: ReadonlyMap<string, number>,
  local: readonly { key: string; size: number; sha256: string }[],
): RepairPlan {
  const byKey = new Map(local.map((o) => [o.key, o]));
  const plan: RepairPlan = { upload: [], unrepairable: [] };
  for (const o of manifest.objects) {
    if (present.get(o.key) === o.size) continue;
    const mine = byKey.get(o.key);
    if (!mine) plan.unrepairable.push({ key: o.key, reason: 'no local copy' });
    else if (mine.size !== o.size || mine.sha256 !== o.sha256)
      plan.unrepairable.push({ key: o.key, reason: 'the local copy has another size or SHA-256' });
    else plan.upload.push(o.key);
  }
  return plan;
}
