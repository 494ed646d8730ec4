import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { ERR_ABORTED, SyncError, localDiskError, throwIfAborted } from '@feldera-sync/errors';
import yauzl from 'yauzl';
import yazl from 'yazl';
import { SyncErrorCodes } from './errors.js';
import type { FileDigest } from './hash.js';

// Fixed timestamps and sorted entries make the zip of a checkpoint byte-identical on every push,
// so a resumed push recognises the zip it uploaded before the kill.
const FIXED_MTIME = new Date(Date.UTC(2000, 0, 1));

/** A stream aborted through its signal as `ERR_ABORTED`; any other error unchanged. */
function cancelledOr(e: unknown, what: string): unknown {
  if (e instanceof Error && e.name === 'AbortError')
    return new SyncError(ERR_ABORTED, `${what} was cancelled`, { cause: e });
  return e;
}

/** A pass-through stream that hashes (SHA-256) and counts what flows through it. */
function hashingTap(): { tap: Transform; digest: () => FileDigest } {
  const hash = createHash('sha256');
  let size = 0;
  const tap = new Transform({
    transform(chunk: Buffer, _enc, cb) {
      hash.update(chunk);
      size += chunk.byteLength;
      cb(null, chunk);
    },
  });
  return { tap, digest: () => ({ size, sha256: hash.digest('hex') }) };
}

/**
 * Zips the named files of `sourceDir` (a Feldera checkpoint directory is flat) into `zipPath` as
 * `namePrefix` + name, sorted, stored uncompressed (checkpoint files are mostly incompressible).
 * One read of every file: each entry is hashed as yazl reads it, and the zip as it is written.
 */
export async function zipDirectory(
  sourceDir: string,
  names: readonly string[],
  zipPath: string,
  namePrefix: string,
  signal?: AbortSignal,
): Promise<FileDigest & { entries: (FileDigest & { name: string; path: string })[] }> {
  throwIfAborted(signal, 'zipping');
  const sorted = names
    .map((n) => ({ path: join(sourceDir, n), name: namePrefix + n }))
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const zip = new yazl.ZipFile();
  // yazl reports a file that vanished or cannot be read on the ZipFile, not on its stream.
  const failed = new Promise<never>((_resolve, reject) => zip.on('error', reject));
  const taps: (() => FileDigest)[] = [];
  for (const { path, name } of sorted) {
    const size = (
      await stat(path).catch((e: unknown) => {
        throw localDiskError(e, 'zip', path);
      })
    ).size;
    const { tap, digest } = hashingTap();
    taps.push(digest);
    zip.addReadStreamLazy(
      name,
      { compress: false, mtime: FIXED_MTIME, mode: 0o100644, size },
      (cb: (err: Error | null, stream: NodeJS.ReadableStream) => void) => {
        const source = createReadStream(path);
        source.on('error', (e) => zip.emit('error', e));
        cb(null, source.pipe(tap));
      },
    );
  }
  zip.end();
  const { tap, digest } = hashingTap();
  try {
    await Promise.race([
      pipeline(zip.outputStream, tap, createWriteStream(zipPath), ...(signal ? [{ signal }] : [])),
      failed,
    ]);
  } catch (e) {
    throw cancelledOr(e, 'zipping');
  }
  const entries = sorted.map((e, i) => ({ ...e, ...taps[i]!() }));
  for (const e of entries) {
    // The file changed size while it was read: the zip's header and its data would disagree.
    const declared = (await stat(e.path)).size;
    if (declared !== e.size)
      throw new SyncError(SyncErrorCodes.invalidLocal, `${e.path} changed while it was zipped`, {
        hint: 'checkpoint files are immutable once committed: something is writing into the checkpoint directory',
        details: { path: e.path },
      });
  }
  return { ...digest(), entries };
}

function openZip(path: string): Promise<yauzl.ZipFile> {
  return new Promise((resolve, reject) => {
    yauzl.open(path, { lazyEntries: true, autoClose: true }, (err, zip) =>
      err ? reject(err) : resolve(zip),
    );
  });
}

/** What a zip may expand to: entry name -> declared size (from the manifest's `zip_files`). */
export type ZipExpectation = ReadonlyMap<string, number>;

function zipIntegrity(message: string, details: Record<string, unknown>): SyncError {
  return new SyncError(SyncErrorCodes.integrity, message, {
    hint: 'the remote checkpoint does not match its manifest; push it again from a healthy pipeline or restore another checkpoint',
    details,
  });
}

/**
 * yauzl's own complaints (an escaping or absolute entry name, a bad header, a size mismatch) are the
 * zip's fault: `ERR_SYNC_INTEGRITY`. Coded errors and system errors (ENOSPC, EIO) pass unchanged.
 */
function malformed(e: unknown): unknown {
  if (e instanceof SyncError) return e;
  if (e instanceof Error && e.name === 'AbortError') return cancelledOr(e, 'unzipping');
  if (e instanceof Error && typeof (e as NodeJS.ErrnoException).code === 'string') return e;
  const message = e instanceof Error ? e.message : String(e);
  return new SyncError(SyncErrorCodes.integrity, `the checkpoint zip is malformed: ${message}`, {
    cause: e,
    hint: 'the remote checkpoint is damaged or was not written by feldera-sync; push it again from a healthy pipeline',
  });
}

/** A pass-through that fails as soon as more than `limit` bytes flow (a zip bomb stops at its declared size). */
function limitTap(limit: number, name: string): Transform {
  let seen = 0;
  return new Transform({
    transform(chunk: Buffer, _enc, cb) {
      seen += chunk.byteLength;
      if (seen > limit)
        cb(
          zipIntegrity(
            `zip entry ${JSON.stringify(name)} expands beyond its declared ${limit} bytes`,
            { entry: name },
          ),
        );
      else cb(null, chunk);
    },
  });
}

/**
 * Extracts `zipPath` into `targetDir`, hashing every file while it is written. Only the entries
 * `expected` lists are accepted, each at most once and stopped at its declared size, so the total
 * written is bounded by the manifest; any other entry (a directory, an unlisted or escaping name, a
 * duplicate, a size other than declared) fails with `ERR_SYNC_INTEGRITY` before more is written.
 * Returns each file's size and SHA-256 by entry name.
 */
export async function unzipTo(
  zipPath: string,
  targetDir: string,
  expected: ZipExpectation,
  signal?: AbortSignal,
): Promise<Map<string, FileDigest>> {
  throwIfAborted(signal, 'unzipping');
  const zip = await openZip(zipPath).catch((e: unknown) => {
    throw malformed(e);
  });
  const written = new Map<string, FileDigest>();
  await new Promise<void>((resolve, reject) => {
    const fail = (e: unknown): void => {
      zip.close();
      const err = malformed(e);
      reject(err instanceof Error ? err : new Error(String(err)));
    };
    zip.on('error', fail);
    zip.on('end', () => resolve());
    zip.on('entry', (entry: yauzl.Entry) => {
      const name = entry.fileName;
      const declared = expected.get(name);
      if (declared === undefined) {
        fail(
          zipIntegrity(
            `zip entry ${JSON.stringify(name)} is not listed in the manifest's zip_files`,
            { entry: name },
          ),
        );
        return;
      }
      if (written.has(name)) {
        fail(zipIntegrity(`zip entry ${JSON.stringify(name)} appears twice`, { entry: name }));
        return;
      }
      if (entry.uncompressedSize !== declared) {
        fail(
          zipIntegrity(
            `zip entry ${JSON.stringify(name)} declares ${entry.uncompressedSize} bytes, the manifest ${declared}`,
            { entry: name },
          ),
        );
        return;
      }
      // Names in `expected` are `<uuid>/<bare name>` (the manifest schema checks it): nothing escapes.
      const target = join(targetDir, name);
      const { tap, digest } = hashingTap();
      mkdir(dirname(target), { recursive: true })
        .then(
          () =>
            new Promise<void>((res, rej) => {
              zip.openReadStream(entry, (err, stream) => {
                if (err) return rej(err);
                pipeline(
                  stream,
                  limitTap(declared, name),
                  tap,
                  createWriteStream(target, { flags: 'wx' }),
                  ...(signal ? [{ signal }] : []),
                ).then(res, rej);
              });
            }),
        )
        .then(() => {
          written.set(name, digest());
          zip.readEntry();
        }, fail);
    });
    zip.readEntry();
  });
  for (const name of expected.keys()) {
    if (!written.has(name))
      throw zipIntegrity(`zip lacks ${JSON.stringify(name)}, which the manifest lists`, {
        entry: name,
      });
  }
  return written;
}
