import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { throwIfAborted } from '@feldera-sync/errors';
import type { IoOptions } from './atomic-file.js';
import { fsyncDir, ioError, isNotFound, writeFileAtomic } from './atomic-file.js';
import type { CatalogEntry } from './catalog.js';
import { CatalogEntrySchema, catalogEntryToJson } from './catalog.js';
import { parseJsonLossless, stringifyJsonLossless } from './lossless-json.js';
import { ACTIVATION_MARKER } from './local-paths.js';

/**
 * What `activated.feldera` says. Feldera (adapters `controller/sync.rs`, `continuous_pull`) writes
 * the pulled checkpoint's `CheckpointMetadata` as JSON, or `null` when the standby activated from
 * scratch, and reads it leniently: the file's presence is what activates.
 */
export interface ActivationInfo {
  /** The checkpoint the pipeline activated from, or null (from scratch, or not readable). */
  checkpoint: string | null;
  /** Its full metadata when the marker holds Feldera's form. */
  entry: CatalogEntry | null;
}

/** Reads the marker's content as leniently as Feldera does (`.ok().flatten()`). */
export function parseActivationMarker(text: string): ActivationInfo {
  let json: unknown;
  try {
    json = parseJsonLossless(text);
  } catch {
    return { checkpoint: null, entry: null };
  }
  const parsed = CatalogEntrySchema.safeParse(json);
  if (parsed.success) return { checkpoint: parsed.data.uuid, entry: parsed.data };
  // Markers written by feldera-sync before it followed Feldera's form: {activated_at, checkpoint}.
  if (typeof json === 'object' && json !== null && !Array.isArray(json)) {
    const checkpoint = (json as { checkpoint?: unknown }).checkpoint;
    if (typeof checkpoint === 'string') return { checkpoint, entry: null };
  }
  return { checkpoint: null, entry: null };
}

/** The marker's text in Feldera's form: the entry's `CheckpointMetadata`, or `null`. */
export function serializeActivationMarker(entry: CatalogEntry | null): string {
  return entry === null ? 'null' : stringifyJsonLossless(catalogEntryToJson(entry));
}

/** The activation marker, or null when absent. A present but unreadable marker still counts. */
export async function readActivationMarker(
  storageDir: string,
  options: IoOptions = {},
): Promise<ActivationInfo | null> {
  throwIfAborted(options.signal, 'reading the activation marker');
  const path = join(storageDir, ACTIVATION_MARKER);
  let text: string;
  try {
    text = await readFile(path, { encoding: 'utf8', signal: options.signal });
  } catch (e) {
    if (isNotFound(e)) return null;
    throw ioError(e, 'read', path);
  }
  return parseActivationMarker(text);
}

/** Writes `activated.feldera` atomically, in Feldera's form, for the checkpoint activated from. */
export async function writeActivationMarker(
  storageDir: string,
  entry: CatalogEntry | null,
  options: IoOptions = {},
): Promise<void> {
  await writeFileAtomic(
    join(storageDir, ACTIVATION_MARKER),
    serializeActivationMarker(entry),
    options,
  );
}

/** Removes `activated.feldera`; absent is fine. */
export async function removeActivationMarker(
  storageDir: string,
  options: IoOptions = {},
): Promise<void> {
  throwIfAborted(options.signal, 'removing the activation marker');
  const path = join(storageDir, ACTIVATION_MARKER);
  try {
    await rm(path, { force: true });
  } catch (e) {
    throw ioError(e, 'remove', path);
  }
  await fsyncDir(storageDir);
}
