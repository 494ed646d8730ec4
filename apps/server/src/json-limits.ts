import { ApiErrorCodes, apiError } from './api-errors.js';

/**
 * Deepest nesting a JSON body may have. Runtime configs are a few levels deep and rows rarely a
 * dozen; anything deeper is refused before it is parsed, because code that walks a parsed value
 * recursively (secret redaction, canonical JSON) would overflow the stack.
 */
export const MAX_JSON_DEPTH = 128;

/** Throws a coded 400 when `text` nests arrays and objects deeper than `max` (a linear scan, no parse). */
export function assertJsonDepth(text: string, max = MAX_JSON_DEPTH): void {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c /* \ */) i++;
      else if (c === 0x22 /* " */) inString = false;
      continue;
    }
    if (c === 0x22) inString = true;
    else if (c === 0x7b /* { */ || c === 0x5b /* [ */) {
      if (++depth > max) {
        throw apiError(
          ApiErrorCodes.InvalidRequest,
          `the JSON body is nested deeper than ${max} levels`,
          {
            limit: max,
          },
        );
      }
    } else if (c === 0x7d /* } */ || c === 0x5d /* ] */) depth--;
  }
}
