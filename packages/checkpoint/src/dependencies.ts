import { z } from 'zod';
import { SyncError } from '@feldera-sync/errors';
import { describeIssues, parseJsonFile } from './catalog.js';
import { ERR_CHECKPOINT_DEPENDENCIES_CORRUPT } from './errors.js';
import { isSafeRelativePath } from './local-paths.js';

/**
 * What a checkpoint needs besides its own directory. Every name is a `/`-separated path relative to
 * the storage directory: `batches` are root batch files `w<N>-<uuid>.feldera`; `state_files` are
 * usually inside `<uuid>/` (and then travel in the zip).
 */
export type CheckpointDependencies = { batches: string[]; state_files: string[] };

const relPath = z
  .string()
  .refine(isSafeRelativePath, 'must be a relative path inside the storage directory');

/** Schema of `dependencies.json`: the object form, or the legacy bare array meaning batches only. */
export const DependenciesSchema = z.union([
  z.array(relPath).transform((batches): CheckpointDependencies => ({ batches, state_files: [] })),
  z
    .looseObject({ batches: z.array(relPath).optional(), state_files: z.array(relPath).optional() })
    .transform((d): CheckpointDependencies => ({
      batches: d.batches ?? [],
      state_files: d.state_files ?? [],
    })),
]);

/** Parses `dependencies.json`; throws `ERR_CHECKPOINT_DEPENDENCIES_CORRUPT` naming `fileName`. */
export function parseDependencies(text: string, fileName: string): CheckpointDependencies {
  const json = parseJsonFile(
    text,
    fileName,
    ERR_CHECKPOINT_DEPENDENCIES_CORRUPT,
    'checkpoint dependencies',
  );
  const result = DependenciesSchema.safeParse(json);
  if (!result.success) {
    throw new SyncError(
      ERR_CHECKPOINT_DEPENDENCIES_CORRUPT,
      `checkpoint dependencies '${fileName}' are corrupt: ${describeIssues(result.error)}`,
      { details: { file: fileName } },
    );
  }
  return result.data;
}

/** Serialises dependencies in the object form. */
export function serializeDependencies(deps: CheckpointDependencies): string {
  return JSON.stringify({ batches: deps.batches, state_files: deps.state_files }, null, 2) + '\n';
}
