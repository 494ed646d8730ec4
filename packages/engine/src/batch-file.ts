import { createHash } from 'node:crypto';
import { open, rename, rm } from 'node:fs/promises';
import { basename } from 'node:path';
import { throwIfAborted } from '@feldera-sync/errors';
import { EngineErrorCodes, corruptFileError, engineError } from './errors.js';

/** Value of the header's `format` field. */
export const BATCH_FORMAT = 'feldera-sync-engine-batch';
/** Current batch file format version. */
export const BATCH_FORMAT_VERSION = 1;

const TRAILER_PREFIX = '#sha256 ';
const TRAILER_LENGTH = TRAILER_PREFIX.length + 64 + 1;
const CHUNK_BYTES = 1 << 20;

/** First line of a batch file. */
export interface BatchHeader {
  format: typeof BATCH_FORMAT;
  version: number;
  table: string;
  /** Number of (row, weight) lines that follow. */
  entries: number;
}

/** What writing a batch file produced. */
export interface WrittenBatch {
  entries: number;
  bytes: number;
}

/** Options of the batch file I/O functions. */
export interface BatchIoOptions {
  signal?: AbortSignal | undefined;
}

/**
 * Writes a batch file: a JSON header line, one `<weight> <canonical row>\n` line per entry in key
 * order, and a `#sha256 <hex>\n` trailer over everything before it. Written to `<path>.mut`,
 * fsynced, then renamed into place, so the file either exists complete or not at all (the
 * directory fsync that makes the rename durable is the checkpointer's job).
 */
export async function writeBatchFile(
  path: string,
  table: string,
  entries: readonly (readonly [string, number])[],
  options: BatchIoOptions = {},
): Promise<WrittenBatch> {
  throwIfAborted(options.signal, 'writing a batch file');
  const header: BatchHeader = {
    format: BATCH_FORMAT,
    version: BATCH_FORMAT_VERSION,
    table,
    entries: entries.length,
  };
  const tmp = `${path}.mut`;
  const hash = createHash('sha256');
  let bytes = 0;
  const handle = await open(tmp, 'w');
  try {
    const put = async (text: string): Promise<void> => {
      const buf = Buffer.from(text, 'utf8');
      hash.update(buf);
      bytes += buf.length;
      await handle.write(buf);
    };
    let chunk = `${JSON.stringify(header)}\n`;
    for (const [key, weight] of entries) {
      chunk += `${String(weight)} ${key}\n`;
      if (chunk.length >= CHUNK_BYTES) {
        await put(chunk);
        chunk = '';
        throwIfAborted(options.signal, 'writing a batch file');
      }
    }
    await put(chunk);
    const trailer = `${TRAILER_PREFIX}${hash.digest('hex')}\n`;
    await handle.write(trailer);
    bytes += trailer.length;
    await handle.sync();
  } catch (error) {
    await handle.close().catch(() => undefined);
    await rm(tmp, { force: true });
    throw error;
  }
  await handle.close();
  await rename(tmp, path);
  return { entries: entries.length, bytes };
}

/**
 * Streams a batch file, calling `onEntry` for every (row, weight) line, and checks its header,
 * entry count, order and checksum. Throws `ERR_ENGINE_MISSING_FILE` or `ERR_ENGINE_CORRUPT_FILE`
 * naming the file.
 */
export async function readBatchFile(
  path: string,
  expectedTable: string,
  onEntry: (key: string, weight: number) => void,
  options: BatchIoOptions = {},
): Promise<BatchHeader> {
  throwIfAborted(options.signal, 'reading a batch file');
  const name = basename(path);
  let handle;
  try {
    handle = await open(path, 'r');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
      throw engineError(EngineErrorCodes.MISSING_FILE, `batch file ${name} is missing`, {
        hint: 'the checkpoint needs this file; restore the storage directory from the object store',
        details: { file: name },
        cause: error,
      });
    }
    throw error;
  }
  try {
    const { size } = await handle.stat();
    const bodyEnd = size - TRAILER_LENGTH;
    if (bodyEnd <= 0) throw corruptFileError(name, 'file is too short');
    const hash = createHash('sha256');
    let header: BatchHeader | undefined;
    let count = 0;
    let previous: string | undefined;
    let carry: Buffer = Buffer.alloc(0);
    let position = 0;
    const chunk = Buffer.allocUnsafe(CHUNK_BYTES);
    while (position < bodyEnd) {
      throwIfAborted(options.signal, 'reading a batch file');
      const want = Math.min(CHUNK_BYTES, bodyEnd - position);
      const { bytesRead } = await handle.read(chunk, 0, want, position);
      if (bytesRead === 0) throw corruptFileError(name, 'file shrank while reading');
      position += bytesRead;
      const fresh = chunk.subarray(0, bytesRead);
      hash.update(fresh);
      const buf = carry.length === 0 ? fresh : Buffer.concat([carry, fresh]);
      let start = 0;
      for (;;) {
        const nl = buf.indexOf(10, start);
        if (nl < 0) break;
        if (header === undefined) {
          header = parseHeader(buf.toString('utf8', start, nl), name, expectedTable);
        } else {
          const space = buf.indexOf(32, start);
          if (space < 0 || space > nl)
            throw corruptFileError(name, `line ${count + 2} has no weight`);
          const weight = Number(buf.toString('latin1', start, space));
          if (!Number.isSafeInteger(weight) || weight === 0) {
            throw corruptFileError(name, `line ${count + 2} has an invalid weight`);
          }
          const key = buf.toString('utf8', space + 1, nl);
          if (previous !== undefined && !(previous < key)) {
            throw corruptFileError(name, `line ${count + 2} is out of order`);
          }
          previous = key;
          count += 1;
          onEntry(key, weight);
        }
        start = nl + 1;
      }
      // Copy the partial line: `chunk` is reused by the next read.
      carry = Buffer.from(buf.subarray(start));
    }
    if (carry.length > 0) throw corruptFileError(name, 'last line is incomplete');
    if (header === undefined) throw corruptFileError(name, 'header line is missing');
    if (count !== header.entries) {
      throw corruptFileError(name, `header promises ${header.entries} entries, found ${count}`);
    }
    const trailer = Buffer.alloc(TRAILER_LENGTH);
    await handle.read(trailer, 0, TRAILER_LENGTH, bodyEnd);
    if (trailer.toString('latin1') !== `${TRAILER_PREFIX}${hash.digest('hex')}\n`) {
      throw corruptFileError(name, 'checksum does not match');
    }
    return header;
  } finally {
    await handle.close();
  }
}

function parseHeader(line: string, name: string, expectedTable: string): BatchHeader {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch (error) {
    throw corruptFileError(name, 'header is not JSON', error);
  }
  const header = value as Partial<BatchHeader> | null;
  if (
    header === null ||
    typeof header !== 'object' ||
    header.format !== BATCH_FORMAT ||
    header.version !== BATCH_FORMAT_VERSION ||
    typeof header.table !== 'string' ||
    typeof header.entries !== 'number' ||
    !Number.isSafeInteger(header.entries) ||
    header.entries < 0
  ) {
    throw corruptFileError(name, 'header is not a version 1 engine batch header');
  }
  if (header.table !== expectedTable) {
    throw corruptFileError(name, `holds table ${header.table}, expected ${expectedTable}`);
  }
  return header as BatchHeader;
}
