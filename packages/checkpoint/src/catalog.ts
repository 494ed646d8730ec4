import { z } from 'zod';
import { SyncError } from '@feldera-sync/errors';
import { ERR_CHECKPOINT_CATALOG_CORRUPT } from './errors.js';
import { JsonSyntaxError, parseJsonLossless, stringifyJsonLossless } from './lossless-json.js';
import { isUuid } from './uuidv7.js';

/** One checkpoint in a catalog: Feldera's `CheckpointMetadata`. */
export type CatalogEntry = {
  uuid: string;
  identifier: string | null;
  /** Circuit fingerprint, a u64; kept exact as a bigint. */
  fingerprint: bigint;
  size: number | null;
  steps: number | null;
  processed_records: number | null;
  /** Fields this version does not know, kept so a rewrite does not drop them. */
  extra?: Record<string, unknown>;
};

const U64_MAX = (1n << 64n) - 1n;
const KNOWN = new Set(['uuid', 'identifier', 'fingerprint', 'size', 'steps', 'processed_records']);
const count = z.number().int().nonnegative().nullable().optional();

/** Schema of one catalog entry after lossless JSON parsing; output is a `CatalogEntry`. */
export const CatalogEntrySchema = z
  .looseObject({
    uuid: z.string().refine(isUuid, 'must be a UUID'),
    identifier: z.string().nullable().optional(),
    fingerprint: z
      .union([z.bigint(), z.number().int()])
      .transform((v) => BigInt(v))
      .refine((v) => v >= 0n && v <= U64_MAX, 'must be an unsigned 64-bit integer'),
    size: count,
    steps: count,
    processed_records: count,
  })
  .transform((raw): CatalogEntry => {
    const entry: CatalogEntry = {
      uuid: raw.uuid.toLowerCase(),
      identifier: raw.identifier ?? null,
      fingerprint: raw.fingerprint,
      size: raw.size ?? null,
      steps: raw.steps ?? null,
      processed_records: raw.processed_records ?? null,
    };
    const extra: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(raw)) if (!KNOWN.has(k)) extra[k] = v;
    if (Object.keys(extra).length > 0) entry.extra = extra;
    return entry;
  });

/**
 * Most entries a catalog may hold. Feldera keeps two locally; a bucket keeps what retention keeps
 * (`retention_min_age` days of pushes): 50,000 is a push every 52 s for 30 days.
 */
export const MAX_CATALOG_ENTRIES = 50_000;

/** Schema of a whole catalog: an array of entries, oldest first, with unique UUIDs. */
export const CatalogSchema = z
  .array(CatalogEntrySchema)
  .max(MAX_CATALOG_ENTRIES)
  .superRefine((entries, ctx) => {
    const seen = new Set<string>();
    for (const [index, e] of entries.entries()) {
      if (seen.has(e.uuid))
        ctx.addIssue({
          code: 'custom',
          message: `duplicate uuid ${e.uuid}`,
          path: [index, 'uuid'],
        });
      seen.add(e.uuid);
    }
  });

/** Formats zod issues as `path: message; ...` for error messages. */
export function describeIssues(error: z.ZodError): string {
  return error.issues
    .slice(0, 5)
    .map((issue) => `${issue.path.length > 0 ? issue.path.join('.') : '(root)'}: ${issue.message}`)
    .join('; ');
}

/** Parses JSON losslessly, turning syntax errors into a coded error that names the file. */
export function parseJsonFile(text: string, fileName: string, code: string, what: string): unknown {
  try {
    return parseJsonLossless(text);
  } catch (e) {
    const reason = e instanceof JsonSyntaxError ? e.message : String(e);
    const truncated = e instanceof JsonSyntaxError && e.position >= text.length;
    throw new SyncError(
      code,
      `${what} '${fileName}' is ${truncated ? 'truncated' : 'corrupt'}: ${reason}`,
      {
        cause: e,
        details: { file: fileName },
        hint: 'restore the file from a backup or remove the damaged checkpoint; it is never repaired automatically',
      },
    );
  }
}

/** Parses the text of a `checkpoints.feldera` catalog; throws `ERR_CHECKPOINT_CATALOG_CORRUPT` naming `fileName`. */
export function parseCatalog(text: string, fileName: string): CatalogEntry[] {
  const json = parseJsonFile(text, fileName, ERR_CHECKPOINT_CATALOG_CORRUPT, 'checkpoint catalog');
  const result = CatalogSchema.safeParse(json);
  if (!result.success) {
    throw new SyncError(
      ERR_CHECKPOINT_CATALOG_CORRUPT,
      `checkpoint catalog '${fileName}' is corrupt: ${describeIssues(result.error)}`,
      {
        details: { file: fileName },
        hint: 'restore the file from a backup; it is never repaired automatically',
      },
    );
  }
  return result.data;
}

/** The JSON object of one entry, known fields first, fingerprint as a bare integer. */
export function catalogEntryToJson(entry: CatalogEntry): Record<string, unknown> {
  return {
    uuid: entry.uuid,
    identifier: entry.identifier,
    fingerprint: entry.fingerprint,
    size: entry.size,
    steps: entry.steps,
    processed_records: entry.processed_records,
    ...Object.fromEntries(Object.entries(entry.extra ?? {}).filter(([k]) => !KNOWN.has(k))),
  };
}

/**
 * Serialises a catalog (oldest first) as Feldera's `update_checkpoint_file` does through
 * `serde_json::to_writer`: a compact JSON array, fingerprints as exact JSON numbers.
 */
export function serializeCatalog(entries: readonly CatalogEntry[]): string {
  return stringifyJsonLossless(entries.map(catalogEntryToJson));
}

/** The catalog with `entry` placed in UUID (time) order, replacing an entry with the same UUID. */
export function insertCatalogEntry(
  entries: readonly CatalogEntry[],
  entry: CatalogEntry,
): CatalogEntry[] {
  const uuid = entry.uuid.toLowerCase();
  const out = entries.filter((e) => e.uuid.toLowerCase() !== uuid);
  let at = out.length;
  while (at > 0 && out[at - 1]!.uuid.toLowerCase() > uuid) at--;
  out.splice(at, 0, entry);
  return out;
}
