import { z } from 'zod';
import { SyncError } from '@feldera-sync/errors';
import type { CatalogEntry } from './catalog.js';
import {
  CatalogEntrySchema,
  catalogEntryToJson,
  describeIssues,
  parseJsonFile,
} from './catalog.js';
import {
  ERR_CHECKPOINT_INVALID_PATH,
  ERR_CHECKPOINT_MANIFEST_CORRUPT,
  ERR_CHECKPOINT_OWNER_CORRUPT,
} from './errors.js';
import { stringifyJsonLossless } from './lossless-json.js';
import {
  CATALOG_FILE,
  CHECKPOINT_STATE_FILE,
  assertUuid,
  bareNameProblem,
  isBatchFileName,
  isSafeRelativePath,
} from './local-paths.js';
import { isUuid } from './uuidv7.js';

/** Current version of the owner format this package writes. */
export const REMOTE_FORMAT_VERSION = 1;
/**
 * Current version of the manifest format. Version 2 records `state_files` as Feldera does, bare
 * names inside `<uuid>/`; version 1 (earlier feldera-sync) recorded them as `<uuid>/<name>` and is
 * still read.
 */
export const MANIFEST_FORMAT_VERSION = 2;

/** Keys of the remote layout, relative to the bucket location. */
export const remoteKeys = {
  /** The remote catalog, the commit point of a push, written last. */
  catalog: CATALOG_FILE,
  /** The bucket's owner record. */
  owner: 'owner.json',
  /** Prefix of the manifests. */
  manifestPrefix: 'dependencies/',
  /** The zipped checkpoint directory. */
  zip(uuid: string): string {
    assertUuid(uuid);
    return `${uuid.toLowerCase()}.zip`;
  },
  /** The manifest of one checkpoint. */
  manifest(uuid: string): string {
    assertUuid(uuid);
    return `dependencies/${uuid.toLowerCase()}.json`;
  },
  /** A batch file by its name at the storage root (`w<N>-<uuid>.feldera`); the key is the name. */
  batch(name: string): string {
    if (!isBatchFileName(name)) {
      throw new SyncError(
        ERR_CHECKPOINT_INVALID_PATH,
        `batch file '${name}' is not named w<N>-<uuid>.feldera`,
        { details: { path: name } },
      );
    }
    return name;
  },
} as const;

const sha256Hex = z.string().regex(/^[0-9a-f]{64}$/, 'must be a lowercase hex SHA-256');
/** Largest object or file size a manifest may record (1 TiB): beyond it is not a checkpoint. */
export const MAX_RECORDED_SIZE = 2 ** 40;
const size = z.number().int().nonnegative().max(MAX_RECORDED_SIZE);
const relPath = z.string().refine(isSafeRelativePath, 'must be a relative path');
const bareName = z.string().refine((n) => bareNameProblem(n) === null, 'must be a bare file name');
const batchName = z
  .string()
  .refine(isBatchFileName, 'must be a batch file name w<N>-<uuid>.feldera');

/**
 * One object a checkpoint needs, with what a download is verified against. The key is a batch file
 * name or the checkpoint's own zip; the manifest's rules say which (a pull installs nothing else).
 */
export const ManifestObjectSchema = z.object({ key: relPath, size, sha256: sha256Hex });
/** One object a checkpoint needs: key, size and SHA-256 (hex). */
export type ManifestObject = z.output<typeof ManifestObjectSchema>;

/** One file inside the zip, path relative to the storage directory (`<uuid>/...`). */
export const ZipFileSchema = z.object({ path: relPath, size, sha256: sha256Hex });
/** One file inside a checkpoint's zip. */
export type ZipFile = z.output<typeof ZipFileSchema>;

/** Most objects or zipped files one manifest may list. */
export const MAX_MANIFEST_ENTRIES = 200_000;

/** Version 1 wrote `state_files` as `<uuid>/<name>`: read them as the bare names they are. */
function upgradeManifest(raw: unknown): unknown {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return raw;
  const m = raw as Record<string, unknown>;
  if (m.format_version !== 1 || typeof m.uuid !== 'string' || !Array.isArray(m.state_files))
    return raw;
  const prefix = `${m.uuid.toLowerCase()}/`;
  return {
    ...m,
    format_version: MANIFEST_FORMAT_VERSION,
    state_files: m.state_files.map((f: unknown) =>
      typeof f === 'string' && f.toLowerCase().startsWith(prefix) ? f.slice(prefix.length) : f,
    ),
  };
}

/** Schema of `dependencies/<uuid>.json` after lossless JSON parsing. */
export const ManifestSchema = z
  .object({
    format_version: z.literal(MANIFEST_FORMAT_VERSION),
    uuid: z
      .string()
      .refine(isUuid, 'must be a UUID')
      .transform((s) => s.toLowerCase()),
    entry: CatalogEntrySchema,
    batches: z.array(batchName).max(MAX_MANIFEST_ENTRIES),
    state_files: z.array(bareName).max(MAX_MANIFEST_ENTRIES),
    /** Every object the checkpoint needs: its shared files first, then `<uuid>.zip`. */
    objects: z.array(ManifestObjectSchema).max(MAX_MANIFEST_ENTRIES),
    /** The files the zip expands to, so an install can be verified after unzipping. */
    zip_files: z.array(ZipFileSchema).max(MAX_MANIFEST_ENTRIES),
    created_at: z.string(),
  })
  .superRefine((m, ctx) => {
    if (m.entry.uuid !== m.uuid)
      ctx.addIssue({ code: 'custom', path: ['entry', 'uuid'], message: 'differs from uuid' });
    // Only what the layout names may ever be installed: batch files at the root under their own
    // names, and this checkpoint's zip. A key such as `activated.feldera` or `<other-uuid>/x` is hostile.
    const zipKey = `${m.uuid}.zip`;
    const keys = new Set<string>();
    for (const [i, o] of m.objects.entries()) {
      if (keys.has(o.key))
        ctx.addIssue({
          code: 'custom',
          path: ['objects', i, 'key'],
          message: `duplicate key ${o.key}`,
        });
      else if (o.key !== zipKey && !isBatchFileName(o.key))
        ctx.addIssue({
          code: 'custom',
          path: ['objects', i, 'key'],
          message: `${JSON.stringify(o.key)} is neither a batch file w<N>-<uuid>.feldera nor ${zipKey}`,
        });
      keys.add(o.key);
    }
    if (!keys.has(zipKey))
      ctx.addIssue({ code: 'custom', path: ['objects'], message: `lacks ${zipKey}` });
    for (const name of m.batches)
      if (!keys.has(name))
        ctx.addIssue({ code: 'custom', path: ['objects'], message: `lacks batch file ${name}` });
    const inZip = new Set<string>();
    for (const [i, f] of m.zip_files.entries()) {
      const name = f.path.startsWith(`${m.uuid}/`) ? f.path.slice(m.uuid.length + 1) : null;
      if (name === null || bareNameProblem(name) !== null)
        ctx.addIssue({
          code: 'custom',
          path: ['zip_files', i, 'path'],
          message: `${JSON.stringify(f.path)} is not a file directly inside ${m.uuid}/`,
        });
      else if (inZip.has(name))
        ctx.addIssue({
          code: 'custom',
          path: ['zip_files', i, 'path'],
          message: `duplicate ${f.path}`,
        });
      else inZip.add(name);
    }
    if (!inZip.has(CHECKPOINT_STATE_FILE))
      ctx.addIssue({
        code: 'custom',
        path: ['zip_files'],
        message: `lacks ${m.uuid}/${CHECKPOINT_STATE_FILE}`,
      });
    for (const name of m.state_files)
      if (!inZip.has(name))
        ctx.addIssue({ code: 'custom', path: ['zip_files'], message: `lacks state file ${name}` });
  });
/** A remote checkpoint manifest. */
export type Manifest = z.output<typeof ManifestSchema>;

/** Schema of `owner.json`. The owner is the pipeline's system name, so renaming keeps ownership. */
export const OwnerSchema = z.looseObject({
  format_version: z.number().int().positive().optional().default(REMOTE_FORMAT_VERSION),
  pipeline_name: z.string().min(1),
  given_name: z.string(),
  created_at: z.string().nullable().optional().default(null),
});
/** The bucket owner record. */
export type OwnerInfo = z.output<typeof OwnerSchema>;

/** Who is asking to write: a pipeline's system name (`pipeline-<uuid>`) and its given name. */
export interface PipelineIdentity {
  pipeline_name: string;
  given_name: string;
}

function corrupt(code: string, what: string, name: string, error: z.ZodError): SyncError {
  return new SyncError(code, `${what} '${name}' is corrupt: ${describeIssues(error)}`, {
    details: { file: name },
  });
}

/** Parses a manifest; throws `ERR_CHECKPOINT_MANIFEST_CORRUPT` naming `fileName`. */
export function parseManifest(text: string, fileName: string): Manifest {
  const json = parseJsonFile(
    text,
    fileName,
    ERR_CHECKPOINT_MANIFEST_CORRUPT,
    'checkpoint manifest',
  );
  const result = ManifestSchema.safeParse(upgradeManifest(json));
  if (!result.success)
    throw corrupt(ERR_CHECKPOINT_MANIFEST_CORRUPT, 'checkpoint manifest', fileName, result.error);
  return result.data;
}

/** Serialises a manifest, the entry's fingerprint as an exact JSON number. */
export function serializeManifest(manifest: Manifest): string {
  return (
    stringifyJsonLossless({ ...manifest, entry: catalogEntryToJson(manifest.entry) }, 2) + '\n'
  );
}

/** Inputs of `buildManifest`. */
export interface BuildManifestInput {
  entry: CatalogEntry;
  batches: readonly string[];
  state_files: readonly string[];
  /** The shared objects (batch files), without the zip. */
  shared: readonly ManifestObject[];
  zip: { size: number; sha256: string };
  zipFiles: readonly ZipFile[];
  createdAt: string;
}

/** Assembles a manifest: shared objects first, then the zip; validated like a parsed one. */
export function buildManifest(input: BuildManifestInput): Manifest {
  const uuid = input.entry.uuid.toLowerCase();
  const candidate = {
    format_version: MANIFEST_FORMAT_VERSION,
    uuid,
    entry: catalogEntryToJson(input.entry),
    batches: [...input.batches],
    state_files: [...input.state_files],
    objects: [
      ...input.shared,
      { key: remoteKeys.zip(uuid), size: input.zip.size, sha256: input.zip.sha256 },
    ],
    zip_files: [...input.zipFiles],
    created_at: input.createdAt,
  };
  const result = ManifestSchema.safeParse(candidate);
  if (!result.success)
    throw corrupt(
      ERR_CHECKPOINT_MANIFEST_CORRUPT,
      'new checkpoint manifest',
      remoteKeys.manifest(uuid),
      result.error,
    );
  return result.data;
}

/** Parses `owner.json`; throws `ERR_CHECKPOINT_OWNER_CORRUPT` naming `fileName`. */
export function parseOwner(text: string, fileName: string): OwnerInfo {
  const json = parseJsonFile(text, fileName, ERR_CHECKPOINT_OWNER_CORRUPT, 'bucket owner record');
  const result = OwnerSchema.safeParse(json);
  if (!result.success)
    throw corrupt(ERR_CHECKPOINT_OWNER_CORRUPT, 'bucket owner record', fileName, result.error);
  return result.data;
}

/** Serialises `owner.json`. */
export function serializeOwner(owner: OwnerInfo): string {
  return JSON.stringify(owner, null, 2) + '\n';
}

/** The owner record a pipeline writes when the bucket has none. */
export function ownerFor(pipeline: PipelineIdentity, createdAt: string): OwnerInfo {
  return {
    format_version: REMOTE_FORMAT_VERSION,
    pipeline_name: pipeline.pipeline_name,
    given_name: pipeline.given_name,
    created_at: createdAt,
  };
}

/** Feldera's exact refusal when another pipeline owns the bucket (docs/checkpoint-layout.md). */
export function ownershipMismatchMessage(
  owner: PipelineIdentity,
  current: PipelineIdentity,
): string {
  return (
    `S3 checkpoint bucket is already owned by ${owner.given_name} (id: ${owner.pipeline_name}). ` +
    `Current pipeline is ${current.given_name} (id: ${current.pipeline_name}). Refusing to write checkpoint data`
  );
}

/** What a push must do about ownership: proceed, create `owner.json` first, or refuse with the message. */
export type OwnershipDecision =
  | { action: 'proceed' }
  | { action: 'create'; owner: OwnerInfo }
  | { action: 'refuse'; message: string; owner: OwnerInfo };

/** Decides ownership from the current `owner.json` (null when absent); ownership is by system name. */
export function decideOwnership(
  owner: OwnerInfo | null,
  current: PipelineIdentity,
  nowIso: string,
): OwnershipDecision {
  if (owner === null) return { action: 'create', owner: ownerFor(current, nowIso) };
  if (owner.pipeline_name === current.pipeline_name) return { action: 'proceed' };
  return { action: 'refuse', message: ownershipMismatchMessage(owner, current), owner };
}
