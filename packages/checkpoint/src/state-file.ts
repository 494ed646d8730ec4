import { SyncError } from '@feldera-sync/errors';
import { parseJsonFile } from './catalog.js';
import { ERR_CHECKPOINT_STATE_CORRUPT } from './errors.js';
import { stringifyJsonLossless } from './lossless-json.js';

/** Parses a `state.json` as an opaque JSON object; throws `ERR_CHECKPOINT_STATE_CORRUPT` naming the file. */
export function parseStateFile(text: string, fileName: string): Record<string, unknown> {
  const json = parseJsonFile(text, fileName, ERR_CHECKPOINT_STATE_CORRUPT, 'checkpoint state');
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    throw new SyncError(
      ERR_CHECKPOINT_STATE_CORRUPT,
      `checkpoint state '${fileName}' is not a JSON object`,
      {
        details: { file: fileName },
      },
    );
  }
  return json as Record<string, unknown>;
}

/** The bytes to write for a state given as bytes, text or a JSON object (bigints kept exact). */
export function stateFileBytes(
  data: Uint8Array | string | Record<string, unknown>,
): Uint8Array | string {
  if (typeof data === 'string' || data instanceof Uint8Array) return data;
  return stringifyJsonLossless(data, 2) + '\n';
}
