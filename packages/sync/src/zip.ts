import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, readdir } from 'node:fs/promises';
import { dirname, join, posix, relative, sep } from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { SyncError, throwIfAborted } from '@feldera-sync/errors';
import yauzl from 'yauzl';
import yazl from 'yazl';
import { SyncErrorCodes } from './errors.js';
import type { FileDigest } from './hash.js';

// Fixed timestamps and sorted entries make the zip of a checkpoint byte-identical on every push,
// so a resumed push recognises the zip it uploaded before the kill.
const FIXED_MTIME = new Date(Date.UTC(2000, 0, 1));

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

async function walk(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const d of await readdir(dir, { withFileTypes: true })) {
    const p = join(dir, d.name);
    if (d.isDirectory()) out.push(...(await walk(p)));
    else if (d.isFile()) out.push(p);
  }
  return out;
}

/**
 * Zips every file under `sourceDir` (named `namePrefix` + path relative to it) into `zipPath`, stored uncompressed
 * (checkpoint files are mostly incompressible), hashing the zip while it is written.
 */
export async function zipDirectory(
  sourceDir: string,
  zipPath: string,
  namePrefix: string,
  signal?: AbortSignal,
): Promise<FileDigest & { entries: { name: string; path: string }[] }> {
  throwIfAborted(signal, 'zipping');
  const entries = (await walk(sourceDir))
    .map((path) => ({ path, name: namePrefix + relative(sourceDir, path).split(sep).join('/') }))
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const zip = new yazl.ZipFile();
  for (const { path, name } of entries) {
    zip.addFile(path, name, { compress: false, mtime: FIXED_MTIME, mode: 0o100644 });
  }
  zip.end();
  const { tap, digest } = hashingTap();
  await pipeline(
    zip.outputStream,
    tap,
    createWriteStream(zipPath),
    ...(signal ? [{ signal }] : []),
  );
  return { ...digest(), entries };
}

function openZip(path: string): Promise<yauzl.ZipFile> {
  return new Promise((resolve, reject) => {
    yauzl.open(path, { lazyEntries: true, autoClose: true }, (err, zip) =>
      err ? reject(err) : resolve(zip),
    );
  });
}

/**
 * Extracts `zipPath` into `targetDir`, refusing entries that would escape it, and hashes every file
 * while it is written. Returns each file's size and SHA-256 by its (normalised) entry name.
 */
export async function unzipTo(
  zipPath: string,
  targetDir: string,
  signal?: AbortSignal,
): Promise<Map<string, FileDigest>> {
  throwIfAborted(signal, 'unzipping');
  const zip = await openZip(zipPath);
  const written = new Map<string, FileDigest>();
  await new Promise<void>((resolve, reject) => {
    const fail = (e: unknown): void => {
      zip.close();
      reject(e instanceof Error ? e : new Error(String(e)));
    };
    zip.on('error', fail);
    zip.on('end', () => resolve());
    zip.on('entry', (entry: yauzl.Entry) => {
      const name = entry.fileName;
      const normal = posix.normalize(name);
      if (name.startsWith('/') || normal.startsWith('..') || name.includes('\\')) {
        fail(
          new SyncError(
            SyncErrorCodes.integrity,
            `zip entry ${JSON.stringify(name)} escapes the checkpoint directory`,
          ),
        );
        return;
      }
      if (name.endsWith('/')) {
        mkdir(join(targetDir, normal), { recursive: true }).then(() => zip.readEntry(), fail);
        return;
      }
      const target = join(targetDir, normal);
      const { tap, digest } = hashingTap();
      mkdir(dirname(target), { recursive: true })
        .then(
          () =>
            new Promise<void>((res, rej) => {
              zip.openReadStream(entry, (err, stream) => {
                if (err) return rej(err);
                pipeline(
                  stream,
                  tap,
                  createWriteStream(target),
                  ...(signal ? [{ signal }] : []),
                ).then(res, rej);
              });
            }),
        )
        .then(() => {
          written.set(normal, digest());
          zip.readEntry();
        }, fail);
    });
    zip.readEntry();
  });
  return written;
}
