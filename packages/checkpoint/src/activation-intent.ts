import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { throwIfAborted } from '@feldera-sync/errors';
import type { IoOptions } from './atomic-file.js';
import { fsyncDir, ioError, isNotFound, writeFileAtomic } from './atomic-file.js';
import { isUuid } from './uuidv7.js';

/**
 * The activation intent: recorded in the storage directory before a standby takes over the
 * bucket's ownership, cleared after `activated.feldera` is written. Found at start, it means an
 * activation was interrupted, and the start completes it. Feldera's startup GC keeps files it does
 * not know (dbsp `checkpointer.rs`, `gc_startup`: "Keeping unexpected File"), and the name ends in
 * neither `.feldera` nor `.mut`, so Feldera never deletes or trips over it; it is present only
 * between the final pull and the marker, before any engine starts.
 */
export const ACTIVATION_INTENT_FILE = '.feldera-sync-activation.json';

/** What an intent records (informative: its presence is what counts). */
export interface ActivationIntent {
  /** The checkpoint the activation runs from, or null (from scratch, or not readable). */
  checkpoint: string | null;
  /** The pipeline taking over, `pipeline-<uuid>`, or null when not recorded. */
  pipelineName: string | null;
  givenName: string | null;
  /** When it was recorded (ISO time), or null. */
  recordedAt: string | null;
}

/** The intent file's text. */
export function serializeActivationIntent(intent: ActivationIntent): string {
  return (
    JSON.stringify({
      format_version: 1,
      checkpoint: intent.checkpoint,
      pipeline_name: intent.pipelineName,
      given_name: intent.givenName,
      recorded_at: intent.recordedAt,
    }) + '\n'
  );
}

function text(value: unknown, max: number): string | null {
  return typeof value === 'string' && value.length <= max ? value : null;
}

/** Reads an intent leniently: unreadable content still counts as an intent, with nothing known. */
export function parseActivationIntent(content: string): ActivationIntent {
  let json: unknown;
  try {
    json = JSON.parse(content);
  } catch {
    json = null;
  }
  const o =
    typeof json === 'object' && json !== null && !Array.isArray(json)
      ? (json as Record<string, unknown>)
      : {};
  const checkpoint = text(o.checkpoint, 36);
  return {
    checkpoint: checkpoint !== null && isUuid(checkpoint) ? checkpoint.toLowerCase() : null,
    pipelineName: text(o.pipeline_name, 200),
    givenName: text(o.given_name, 200),
    recordedAt: text(o.recorded_at, 40),
  };
}

/** The recorded intent, or null when there is none. */
export async function readActivationIntent(
  storageDir: string,
  options: IoOptions = {},
): Promise<ActivationIntent | null> {
  throwIfAborted(options.signal, 'reading the activation intent');
  const path = join(storageDir, ACTIVATION_INTENT_FILE);
  let content: string;
  try {
    content = await readFile(path, { encoding: 'utf8', signal: options.signal });
  } catch (e) {
    if (isNotFound(e)) return null;
    throw ioError(e, 'read', path);
  }
  return parseActivationIntent(content.slice(0, 4096));
}

/** Records the intent durably (`.mut`, fsync, rename, fsync of the directory). */
export async function writeActivationIntent(
  storageDir: string,
  intent: ActivationIntent,
  options: IoOptions = {},
): Promise<void> {
  await writeFileAtomic(
    join(storageDir, ACTIVATION_INTENT_FILE),
    serializeActivationIntent(intent),
    options,
  );
}

/** Clears the intent durably; absent is fine. */
export async function removeActivationIntent(
  storageDir: string,
  options: IoOptions = {},
): Promise<void> {
  throwIfAborted(options.signal, 'removing the activation intent');
  const path = join(storageDir, ACTIVATION_INTENT_FILE);
  try {
    await rm(path, { force: true });
  } catch (e) {
    throw ioError(e, 'remove', path);
  }
  await fsyncDir(storageDir);
}
