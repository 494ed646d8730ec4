import { ApiErrorCodes, apiError } from './api-errors.js';

/** Largest body of a create, update or patch of a definition (they are stored whole). */
export const DEFINITION_BODY_LIMIT = 4 * 1024 * 1024;

/**
 * What one stored definition field may hold, in bytes of its JSON. A runtime config is a few
 * kilobytes; unknown keys in it are reported as warnings, which is no reason to store megabytes.
 */
export const DEFINITION_FIELD_LIMITS = {
  runtime_config: 256 * 1024,
  program_code: 2 * 1024 * 1024,
  udf_rust: 1024 * 1024,
  udf_toml: 64 * 1024,
  program_config: 16 * 1024,
  description: 64 * 1024,
  tags: 32 * 1024,
} as const;

/** Most tags a definition may carry, and the longest tag. */
export const MAX_TAGS = 200;
export const MAX_TAG_LENGTH = 256;

type Field = keyof typeof DEFINITION_FIELD_LIMITS;

/** Throws a coded 413 (or 400 for tags) when a definition field is over its limit. */
export function assertDefinitionBounds(fields: { [K in Field]?: unknown }): void {
  for (const field of Object.keys(DEFINITION_FIELD_LIMITS) as Field[]) {
    const value = fields[field];
    if (value === undefined || value === null) continue;
    const size = Buffer.byteLength(typeof value === 'string' ? value : JSON.stringify(value));
    const limit = DEFINITION_FIELD_LIMITS[field];
    if (size > limit) {
      throw apiError(
        ApiErrorCodes.PayloadTooLarge,
        `${field} is ${size} bytes; a definition's ${field} may hold at most ${limit}`,
        { field, size, limit },
      );
    }
  }
  const tags = fields.tags;
  if (Array.isArray(tags)) {
    if (tags.length > MAX_TAGS)
      throw apiError(
        ApiErrorCodes.InvalidRequest,
        `${tags.length} tags; at most ${MAX_TAGS} are kept`,
        {
          field: 'tags',
          limit: MAX_TAGS,
        },
      );
    const longest = (tags as unknown[]).reduce<number>(
      (max, t) => (typeof t === 'string' ? Math.max(max, t.length) : max),
      0,
    );
    if (longest > MAX_TAG_LENGTH)
      throw apiError(
        ApiErrorCodes.InvalidRequest,
        `a tag is ${longest} characters; at most ${MAX_TAG_LENGTH}`,
        { field: 'tags', limit: MAX_TAG_LENGTH },
      );
  }
}
