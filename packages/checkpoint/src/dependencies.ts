import { z } from 'zod';
import { SyncError } from '@feldera-sync/errors';
import { describeIssues, parseJsonFile } from './catalog.js';
import { ERR_CHECKPOINT_DEPENDENCIES_CORRUPT } from './errors.js';
import { bareNameProblem } from './local-paths.js';

/**
 * What a checkpoint owns, as Feldera's `CheckpointDependencies` records it (feldera-types
 * `checkpoint.rs`): `batches` are file names at the storage root (`w<N>-<uuid>.feldera`);
 * `state_files` are bare file names inside `<uuid>/` (`CHECKPOINT`, `pspine-0-zzz.dat`), the sorted
 * listing of that directory at commit time without `dependencies.json`. An empty `state_files`
 * (the V1 bare array, or V2 without the key) means "not recorded": restore skips its check.
 */
export type CheckpointDependencies = { batches: string[]; state_files: string[] };

/** A bare file name, as every entry of both lists must be; a `/` says the writer used paths. */
function bareName(list: 'batches' | 'state_files') {
  const where = list === 'batches' ? 'at the storage root' : 'inside the checkpoint directory';
  return z.string().superRefine((name, ctx) => {
    const problem = bareNameProblem(name);
    if (problem)
      ctx.addIssue({
        code: 'custom',
        message: `${JSON.stringify(name)} ${problem}: Feldera lists bare file names ${where}`,
      });
  });
}

const V1Schema = z
  .array(bareName('batches'))
  .transform((batches): CheckpointDependencies => ({ batches, state_files: [] }));
const V2Schema = z
  .looseObject({
    batches: z.array(bareName('batches')),
    state_files: z.array(bareName('state_files')).optional(),
  })
  .transform((d): CheckpointDependencies => ({
    batches: d.batches,
    state_files: d.state_files ?? [],
  }));

/** Schema of `dependencies.json`: Feldera's V2 object, or the V1 bare array meaning batches only. */
export const DependenciesSchema = z.union([V1Schema, V2Schema]);

/** Parses `dependencies.json`; throws `ERR_CHECKPOINT_DEPENDENCIES_CORRUPT` naming `fileName`. */
export function parseDependencies(text: string, fileName: string): CheckpointDependencies {
  const json = parseJsonFile(
    text,
    fileName,
    ERR_CHECKPOINT_DEPENDENCIES_CORRUPT,
    'checkpoint dependencies',
  );
  // Feldera's untagged enum picks the form by shape; so do we, so the message is about that form.
  const result = (Array.isArray(json) ? V1Schema : V2Schema).safeParse(json);
  if (!result.success) {
    throw new SyncError(
      ERR_CHECKPOINT_DEPENDENCIES_CORRUPT,
      `checkpoint dependencies '${fileName}' are not in Feldera's layout: ${describeIssues(result.error)}`,
      { details: { file: fileName } },
    );
  }
  return result.data;
}

/**
 * Serialises dependencies exactly as Feldera's `CheckpointDependenciesWrite` does through
 * `serde_json::to_writer`: compact V2 object, `batches` then `state_files`, no trailing newline.
 */
export function serializeDependencies(deps: CheckpointDependencies): string {
  return JSON.stringify({ batches: deps.batches, state_files: deps.state_files });
}

/**
 * Feldera's `verify_checkpoint_intact` (dbsp `checkpointer.rs`) as a pure function: the names of
 * `state_files` that `present` (the non-directory entries of `<uuid>/`) lacks. No dependencies, or
 * an empty `state_files`, verify nothing.
 */
export function missingStateFiles(
  deps: CheckpointDependencies | null,
  present: Iterable<string>,
): string[] {
  if (deps === null || deps.state_files.length === 0) return [];
  const have = new Set(present);
  return deps.state_files.filter((name) => !have.has(name));
}
