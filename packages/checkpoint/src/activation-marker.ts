import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { throwIfAborted } from '@feldera-sync/errors';
import type { IoOptions } from './atomic-file.js';
import { fsyncDir, ioError, isNotFound, writeFileAtomic } from './atomic-file.js';
import { ACTIVATION_MARKER } from './local-paths.js';

/** Contents of `activated.feldera`; its presence is what matters, the fields are informative. */
export interface ActivationInfo {
  /** ISO-8601 time of activation, or null when the marker holds no readable time. */
  activated_at: string | null;
  /** The checkpoint the pipeline activated from, when known. */
  checkpoint: string | null;
}

/** The activation marker, or null when absent. A present but unreadable marker still counts (fields null). */
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
  try {
    const json = JSON.parse(text) as unknown;
    if (typeof json === 'object' && json !== null) {
      const { activated_at, checkpoint } = json as Record<string, unknown>;
      return {
        activated_at: typeof activated_at === 'string' ? activated_at : null,
        checkpoint: typeof checkpoint === 'string' ? checkpoint : null,
      };
    }
  } catch {
    // Feldera may write an empty marker; presence alone activates.
  }
  return { activated_at: null, checkpoint: null };
}

/** Writes `activated.feldera` atomically. */
export async function writeActivationMarker(
  storageDir: string,
  info: ActivationInfo,
  options: IoOptions = {},
): Promise<void> {
  await writeFileAtomic(join(storageDir, ACTIVATION_MARKER), JSON.stringify(info) + '\n', options);
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
