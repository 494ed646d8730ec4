import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import type { IoOptions } from './atomic-file.js';
import { ioError } from './atomic-file.js';

/** Size and SHA-256 (lowercase hex) of one file, hashed while streaming it once. */
export async function hashFile(
  path: string,
  options: IoOptions = {},
): Promise<{ size: number; sha256: string }> {
  const hash = createHash('sha256');
  let size = 0;
  try {
    const stream = createReadStream(path, { highWaterMark: 1 << 20, signal: options.signal });
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      hash.update(chunk);
      size += chunk.byteLength;
    }
  } catch (e) {
    throw ioError(e, 'hash', path);
  }
  return { size, sha256: hash.digest('hex') };
}
