import type { CatalogEntry } from './catalog.js';
import type { Manifest, ManifestObject } from './remote-layout.js';
import { remoteKeys } from './remote-layout.js';

/** One step of installing a pulled checkpoint, in commit order. */
export type PullStep =
  | { type: 'download'; keys: string[]; bytes: number }
  | { type: 'verify'; objects: ManifestObject[] }
  | { type: 'install-shared'; keys: string[] }
  | { type: 'install-checkpoint-dir'; uuid: string; zipKey: string }
  | { type: 'update-catalog'; entry: CatalogEntry }
  | { type: 'write-root-state'; uuid: string };

/** The pull plan: which objects to download, which are already present, and the install steps. */
export interface PullPlan {
  uuid: string;
  /** Objects to download: shared files first, the zip last. */
  download: ManifestObject[];
  /** Objects already present locally with the right size (the zip when its files are all present). */
  present: ManifestObject[];
  bytes: number;
  steps: PullStep[];
}

/**
 * Plans a pull of `manifest` given the local files (path relative to the storage directory -> size):
 * only objects the local storage lacks or holds with the wrong size; the zip only when a file it
 * expands to is absent or of the wrong size. Install order: shared files, the checkpoint directory,
 * the catalog, the root state.
 */
export function planPull(manifest: Manifest, localFiles: ReadonlyMap<string, number>): PullPlan {
  const zipKey = remoteKeys.zip(manifest.uuid);
  const zipComplete =
    manifest.zip_files.length > 0 &&
    manifest.zip_files.every((f) => localFiles.get(f.path) === f.size);
  const download: ManifestObject[] = [];
  const present: ManifestObject[] = [];
  let zip: ManifestObject | undefined;
  for (const o of manifest.objects) {
    if (o.key === zipKey) {
      zip = o;
      continue;
    }
    (localFiles.get(o.key) === o.size ? present : download).push(o);
  }
  if (zip) (zipComplete ? present : download).push(zip);
  const bytes = download.reduce((n, o) => n + o.size, 0);
  const steps: PullStep[] = [];
  if (download.length > 0) {
    steps.push({ type: 'download', keys: download.map((o) => o.key), bytes });
    steps.push({ type: 'verify', objects: download });
  }
  const shared = download.filter((o) => o.key !== zipKey).map((o) => o.key);
  if (shared.length > 0) steps.push({ type: 'install-shared', keys: shared });
  if (zip && !zipComplete)
    steps.push({ type: 'install-checkpoint-dir', uuid: manifest.uuid, zipKey });
  steps.push({ type: 'update-catalog', entry: manifest.entry });
  steps.push({ type: 'write-root-state', uuid: manifest.uuid });
  return { uuid: manifest.uuid, download, present, bytes, steps };
}
