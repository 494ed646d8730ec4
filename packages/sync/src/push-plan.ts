import type { ManifestObject } from './remote/remote-layout.js';

/** Which root objects a push must upload. */
export interface PushUploadPlan {
  upload: ManifestObject[];
  skip: ManifestObject[];
  /** Remote objects with this name but other content: immutable files must never differ. */
  conflicts: { key: string; local: ManifestObject; remote: { size: number; sha256: string } }[];
}

/**
 * Decides uploads from what remote manifests record (`known`) and, for a resumed push, what a
 * `head` found (`present`: key -> size). An object is skipped only when its size (and hash, when
 * a manifest records one) match.
 */
export function planPushUploads(
  objects: readonly ManifestObject[],
  known: ReadonlyMap<string, { size: number; sha256: string }>,
  present: ReadonlyMap<string, number> = new Map(),
): PushUploadPlan {
  const plan: PushUploadPlan = { upload: [], skip: [], conflicts: [] };
  for (const o of objects) {
    const k = known.get(o.key);
    if (k) {
      if (k.size === o.size && k.sha256 === o.sha256) plan.skip.push(o);
      else plan.conflicts.push({ key: o.key, local: o, remote: k });
      continue;
    }
    if (present.get(o.key) === o.size) plan.skip.push(o);
    else plan.upload.push(o);
  }
  return plan;
}
