import { link, mkdir, readdir, rm, rmdir, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { CatalogEntry } from '@feldera-sync/checkpoint';
import {
  CATALOG_FILE,
  STAGING_DIR,
  compareUuidv7,
  fsyncDir,
  inspectLocalCheckpoint,
  readLocalCatalog,
  writeLocalCatalog,
} from '@feldera-sync/checkpoint';
import { SyncError, throwIfAborted } from '@feldera-sync/errors';
import { SidecarErrorCodes } from './errors.js';

/** The default pin directory inside a storage directory: under the synchroniser's own staging directory. */
export function defaultPinDir(storageDir: string): string {
  return join(storageDir, STAGING_DIR, 'sidecar');
}

/** Error codes of the pin mirror (the pin entries of `SidecarErrorCodes`). */
export const PinMirrorErrorCodes = {
  /** The pin directory is on another filesystem than the storage directory: no hard links. */
  crossDevice: SidecarErrorCodes.pinCrossDevice,
  /** A pin could not be made or released (I/O). */
  io: SidecarErrorCodes.pinIo,
} as const;

/** Why a pin was not made: the checkpoint was incomplete or vanished (engine GC) while linking. */
export type PinRefusal = 'incomplete' | 'vanished';

/** What a pin attempt did. */
export type PinResult = { pinned: true } | { pinned: false; reason: PinRefusal; detail: string };

/**
 * Pins as a storage directory of their own, in Feldera's layout: `checkpoints.feldera` naming the
 * pinned checkpoints, `<uuid>/` and the batch files they need, all hard links to the engine's files
 * (same inode: no copy, and the engine's GC may unlink the originals). The synchroniser pushes from
 * it unchanged, with its incremental, crash-safe push. It lives under the storage directory's
 * `.sync-staging/` (or any directory on the same filesystem): Feldera's startup GC only looks at the
 * root, keeps no unknown directory, and restores only what the root catalog names, so nothing here
 * can trip it; a Feldera restart deletes it, which loses pins, never data.
 */
export interface PinMirror {
  /** The mirror directory (a storage directory the synchroniser can push from). */
  readonly dir: string;
  /** Checks the filesystem, then removes incomplete leftovers; resolves to the complete pins a killed run left. */
  open(signal?: AbortSignal): Promise<string[]>;
  /** Hard-links a complete checkpoint of the storage directory into the mirror. */
  pin(entry: CatalogEntry, signal?: AbortSignal): Promise<PinResult>;
  /** Releases a pin: its catalog entry, its directory, the batch links no other pin needs. */
  unpin(uuid: string): Promise<void>;
  /** Pinned checkpoints, oldest first. */
  pinned(): Promise<string[]>;
  /** Removes the whole mirror (and `.sync-staging/` when that leaves it empty). */
  clear(): Promise<void>;
}

const isNotFound = (e: unknown): boolean => (e as NodeJS.ErrnoException).code === 'ENOENT';

function ioError(e: unknown, what: string, path: string): SyncError {
  return new SyncError(
    PinMirrorErrorCodes.io,
    `pin mirror: cannot ${what} ${path}: ${(e as Error).message}`,
    { cause: e, details: { path } },
  );
}

/** Creates the pin mirror of `storageDir` at `dir` (default: `defaultPinDir`). */
export function createPinMirror(storageDir: string, dir = defaultPinDir(storageDir)): PinMirror {
  const catalog = async (): Promise<CatalogEntry[]> => {
    try {
      return await readLocalCatalog(dir);
    } catch {
      // Missing or damaged: the mirror is ours and rebuilt from nothing.
      return [];
    }
  };

  /** The batch names the given pins need (from their own dependencies in the mirror). */
  const neededBatches = async (uuids: readonly string[]): Promise<Set<string>> => {
    const out = new Set<string>();
    for (const uuid of uuids) {
      const found = await inspectLocalCheckpoint(dir, uuid).catch(() => null);
      for (const b of found?.deps?.batches ?? []) out.add(b);
    }
    return out;
  };

  /** Removes every root entry that is not the catalog, the synchroniser's staging, a kept pin or a batch it needs. */
  const sweep = async (keep: readonly string[]): Promise<void> => {
    const batches = await neededBatches(keep);
    let names: string[];
    try {
      names = await readdir(dir);
    } catch (e) {
      if (isNotFound(e)) return;
      throw ioError(e, 'list', dir);
    }
    for (const name of names) {
      if (name === CATALOG_FILE || name === STAGING_DIR || keep.includes(name) || batches.has(name))
        continue;
      await rm(join(dir, name), { recursive: true, force: true });
    }
  };

  const linkInto = async (source: string, target: string): Promise<'linked' | 'missing'> => {
    try {
      await link(source, target);
      return 'linked';
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'EEXIST') return 'linked';
      if (code === 'ENOENT') return 'missing';
      if (code === 'EXDEV')
        throw new SyncError(
          PinMirrorErrorCodes.crossDevice,
          `pin directory ${dir} is on another filesystem than ${storageDir}: pins need hard links`,
          {
            cause: e,
            hint: 'put the pin directory on the storage volume (the default is inside it)',
          },
        );
      throw ioError(e, 'link', target);
    }
  };

  return {
    dir,
    async open(signal) {
      throwIfAborted(signal, 'opening the pin mirror');
      try {
        await mkdir(dir, { recursive: true, mode: 0o700 });
        const [a, b] = await Promise.all([stat(storageDir), stat(dir)]);
        if (a.dev !== b.dev)
          throw new SyncError(
            PinMirrorErrorCodes.crossDevice,
            `pin directory ${dir} is on another filesystem than ${storageDir}: pins need hard links`,
            { hint: 'put the pin directory on the storage volume (the default is inside it)' },
          );
      } catch (e) {
        if (e instanceof SyncError) throw e;
        throw ioError(e, 'create', dir);
      }
      const entries = await catalog();
      const complete: CatalogEntry[] = [];
      for (const e of entries) {
        const found = await inspectLocalCheckpoint(dir, e.uuid).catch(() => null);
        if (found?.complete) complete.push(e);
      }
      if (complete.length !== entries.length) await writeLocalCatalog(dir, complete);
      const keep = complete.map((e) => e.uuid);
      await sweep(keep);
      return keep;
    },

    async pin(entry, signal) {
      const uuid = entry.uuid;
      const source = await inspectLocalCheckpoint(storageDir, uuid, signal ? { signal } : {});
      if (!source.complete || source.deps === null)
        return {
          pinned: false,
          reason: 'incomplete',
          detail: source.missing.slice(0, 5).join(', '),
        };
      const target = join(dir, uuid);
      try {
        await mkdir(target, { recursive: true });
      } catch (e) {
        throw ioError(e, 'create', target);
      }
      const vanished = async (detail: string): Promise<PinResult> => {
        await rm(target, { recursive: true, force: true });
        await sweep(await this.pinned());
        return { pinned: false, reason: 'vanished', detail };
      };
      // Batches first (immutable and shared), then the checkpoint's own files.
      for (const b of source.shared) {
        throwIfAborted(signal, 'pinning');
        if ((await linkInto(join(storageDir, b.path), join(dir, b.path))) === 'missing')
          return vanished(b.path);
      }
      for (const file of source.files) {
        if ((await linkInto(join(storageDir, file), join(dir, file))) === 'missing')
          return vanished(file);
      }
      // The engine removes a checkpoint from its catalog before deleting any of its files (Feldera's
      // gc_checkpoint): still catalogued now, after every link, means every link is of an intact file.
      let still = false;
      try {
        still = (await readLocalCatalog(storageDir)).some((e) => e.uuid === uuid);
      } catch {
        still = false;
      }
      const pinnedCopy = await inspectLocalCheckpoint(dir, uuid).catch(() => null);
      const verifiable = (pinnedCopy?.deps?.state_files.length ?? 0) > 0;
      if (!pinnedCopy?.complete || (!still && !verifiable))
        return vanished(
          still ? 'incomplete after linking' : 'removed from the catalog while pinning',
        );
      const entries = (await catalog()).filter((e) => e.uuid !== uuid);
      entries.push(entry);
      entries.sort((x, y) => compareUuidv7(x.uuid, y.uuid));
      await writeLocalCatalog(dir, entries);
      await fsyncDir(dir);
      return { pinned: true };
    },

    async unpin(uuid) {
      const entries = await catalog();
      const rest = entries.filter((e) => e.uuid !== uuid);
      if (rest.length !== entries.length) await writeLocalCatalog(dir, rest);
      await rm(join(dir, uuid), { recursive: true, force: true });
      await sweep(rest.map((e) => e.uuid));
    },

    async pinned() {
      return (await catalog()).map((e) => e.uuid);
    },

    async clear() {
      await rm(dir, { recursive: true, force: true });
      const parent = dirname(dir);
      if (parent === join(storageDir, STAGING_DIR)) await rmdir(parent).catch(() => undefined);
    },
  };
}
