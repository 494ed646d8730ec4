import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { ConfigError, safeParseConfigFile } from '@feldera-sync/config';
import type { ConfigWarning, ParsedConfigFile, SyncConfig } from '@feldera-sync/config';
import { SyncError } from '@feldera-sync/errors';
import { CliErrorCodes } from './error-codes.js';

/** Top-level keys the CLI reads itself (owner identity), so they are not reported as unknown. */
const CLI_KEYS = ['name', 'system_name'];

/** A config file read from disk: the parsed config plus what the CLI reads beside it. */
export interface LoadedConfigFile {
  path: string;
  parsed: ParsedConfigFile;
  /** Warnings, minus unknown-key warnings for keys the CLI understands. */
  warnings: ConfigWarning[];
  /** Top-level `name`, for the owner identity. */
  name: string | undefined;
  /** Top-level `system_name` (`pipeline-<uuid>`), for the owner identity. */
  systemName: string | undefined;
}

/** The outcome of checking a config file without throwing on invalid content. */
export type ConfigFileCheck =
  { ok: true; file: LoadedConfigFile } | { ok: false; path: string; error: ConfigError };

/** Reads and JSON-parses a config file; unreadable files and invalid JSON throw coded errors. */
export async function readConfigJson(
  file: string,
  cwd: string,
): Promise<{ path: string; json: unknown }> {
  const path = resolve(cwd, file);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    const reason =
      (err as NodeJS.ErrnoException).code === 'ENOENT'
        ? 'does not exist'
        : `cannot be read (${(err as Error).message})`;
    throw new SyncError(CliErrorCodes.configRead, `config file ${path} ${reason}`, {
      cause: err,
      hint: 'pass --config FILE with a runtime config or a bare sync object (JSON)',
    });
  }
  try {
    return { path, json: JSON.parse(text) as unknown };
  } catch (err) {
    throw new ConfigError(
      [
        {
          path: '$',
          rule: 'json',
          message: `is not valid JSON: ${(err as Error).message}`,
          value: undefined,
        },
      ],
      {
        what: `config file ${path}`,
      },
    );
  }
}

function stringField(json: unknown, key: string): string | undefined {
  if (typeof json !== 'object' || json === null || Array.isArray(json)) return undefined;
  const value = (json as Record<string, unknown>)[key];
  return typeof value === 'string' ? value : undefined;
}

function isCliKeyWarning(warning: ConfigWarning): boolean {
  return CLI_KEYS.some((key) => warning.path === `$.${key}`);
}

/** Reads a config file of either shape and validates it, returning the ConfigError instead of throwing it. */
export async function checkConfigFile(file: string, cwd: string): Promise<ConfigFileCheck> {
  const { path, json } = await readConfigJson(file, cwd);
  const result = safeParseConfigFile(json);
  if (!result.ok) return { ok: false, path, error: result.error };
  const { ok: _ok, ...parsed } = result;
  return {
    ok: true,
    file: {
      path,
      parsed,
      warnings: parsed.warnings.filter((w) => !isCliKeyWarning(w)),
      name: parsed.config.name ?? stringField(json, 'name'),
      systemName: stringField(json, 'system_name'),
    },
  };
}

/** Reads a config file that must configure sync; throws ConfigError otherwise. */
export async function loadSyncConfigFile(
  file: string,
  cwd: string,
): Promise<LoadedConfigFile & { sync: SyncConfig }> {
  const check = await checkConfigFile(file, cwd);
  if (!check.ok) throw check.error;
  const sync = check.file.parsed.sync;
  if (sync === null) {
    throw new ConfigError(
      [
        {
          path: '$.storage.backend.config.sync',
          rule: 'required',
          message: 'is required: this command needs checkpoint sync settings',
          value: undefined,
        },
      ],
      { what: `config file ${check.file.path}` },
    );
  }
  return { ...check.file, sync };
}
