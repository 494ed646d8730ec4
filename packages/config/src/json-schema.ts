import { z } from 'zod';
import { RuntimeConfigSchema } from './runtime-config-schema.js';
import { SyncConfigSchema } from './sync-config-schema.js';

function inputSchema(schema: z.ZodType): Record<string, unknown> {
  // "input": the schema describes what a file may contain (defaults optional, unknown keys allowed).
  return z.toJSONSchema(schema, { io: 'input', target: 'draft-2020-12' });
}

/** JSON Schema (2020-12) of the accepted sync object, generated from SyncConfigSchema. */
export const SYNC_CONFIG_JSON_SCHEMA: Readonly<Record<string, unknown>> =
  inputSchema(SyncConfigSchema);

/** JSON Schema (2020-12) of the accepted runtime config, generated from RuntimeConfigSchema. */
export const RUNTIME_CONFIG_JSON_SCHEMA: Readonly<Record<string, unknown>> =
  inputSchema(RuntimeConfigSchema);

/** The committed schema files (`schema/<name>`) and their exact contents. */
export function jsonSchemaFiles(): Record<string, string> {
  const render = (schema: unknown): string => `${JSON.stringify(schema, null, 2)}\n`;
  return {
    'sync-config.schema.json': render(SYNC_CONFIG_JSON_SCHEMA),
    'runtime-config.schema.json': render(RUNTIME_CONFIG_JSON_SCHEMA),
  };
}

/** The command that rewrites the committed schema files. */
export const JSON_SCHEMA_REGENERATE_COMMAND = 'pnpm --filter @feldera-sync/config run schema';
