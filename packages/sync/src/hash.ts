import { statSync } from 'node:fs';
import { readFile, rename, stat, writeFile } from 'node:fs/promises';
import { hashFile } from '@feldera-sync/checkpoint';

/** Size and SHA-256 (hex) of a file. */
export interface FileDigest {
  size: number;
  sha256: string;
}

/** Options of a `HashCache`. */
export interface HashCacheOptions {
  /** Entries kept at most; the least recently used go first. Default 200,000 (about 40 MiB). */
  maxEntries?: number | undefined;
  /** Called after every file actually read and hashed (a cache miss), e.g. to count hashed bytes. */
  onHashed?: ((path: string, size: number) => void) | undefined;
  /**
   * A file that keeps the digests across processes (the CLI, a restarted server), so an incremental
   * push from a fresh process reads only the new files. Written atomically (`.mut`, rename); a
   * damaged or missing file only costs a re-hash.
   */
  persistPath?: string | undefined;
  /** Keep digests in `<storage>/.feldera-sync.hashes` across processes (default true). */
  persist?: boolean | undefined;
}

/**
 * The persisted hash cache, in the storage directory: hard links (pins) need the same filesystem
 * and the cache follows the files it describes. Feldera's startup GC keeps unknown files.
 */
export const HASH_CACHE_FILE = '.feldera-sync.hashes';

interface Entry extends FileDigest {
  /** ctime (ns) the file had when we were last done with it; a persisted entry must still match. */
  ctimeNs: bigint;
  /** Read back from the file and not yet confirmed in this process. */
  fromDisk: boolean;
}

const LINE = /^(\d+) (\d+) (\d+) (\d+) (\d+) ([0-9a-f]{64})$/;
/** A persisted cache larger than this is ignored (it cannot have been written by us). */
const MAX_FILE_BYTES = 64 * 1024 * 1024;

/**
 * Hashes of immutable files keyed by what identifies their content: (device, inode, size, mtime in
 * ns). Not by path: a push hashes through hard links in a per-push staging directory, which share
 * the original's inode and mtime, so a batch file shared by many checkpoints is read once, not once
 * per push or pull. Bounded, least recently used first out.
 *
 * Persisted entries also carry the file's ctime, which user space cannot set back: a digest read
 * back from the file is used only when device, inode, size, mtime and ctime all still match. Our
 * own hard links change a file's ctime, so `settle` records the ctime once a push is done with it.
 */
export class HashCache {
  readonly #entries = new Map<string, Entry>();
  readonly #max: number;
  readonly #onHashed: ((path: string, size: number) => void) | undefined;
  readonly #persistPath: string | undefined;
  #loaded: Promise<void> | null = null;
  #dirty = false;
  #hits = 0;
  #misses = 0;
  #hashedBytes = 0;

  constructor(options: HashCacheOptions = {}) {
    this.#max = Math.max(1, options.maxEntries ?? 200_000);
    this.#onHashed = options.onHashed;
    this.#persistPath = options.persistPath;
  }

  /**
   * Synchronous on purpose: a checkpoint of 10,000 small batch files asks this 3 or 4 times per file,
   * and an asynchronous stat costs 30-75 us of CPU here against 3-6 us for the same syscall (an
   * inode lookup; no data is read).
   */
  static #stat(path: string): { key: string; ctimeNs: bigint; size: number } {
    const st = statSync(path, { bigint: true });
    return {
      key: `${st.dev}:${st.ino}:${st.size}:${st.mtimeNs}`,
      ctimeNs: st.ctimeNs,
      size: Number(st.size),
    };
  }

  #set(key: string, entry: Entry): void {
    this.#entries.delete(key);
    this.#entries.set(key, entry);
    this.#dirty = true;
    while (this.#entries.size > this.#max) {
      const oldest = this.#entries.keys().next();
      if (oldest.done) break;
      this.#entries.delete(oldest.value);
    }
  }

  /** Reads the persisted digests once; anything unreadable is ignored (it only costs a re-hash). */
  #load(): Promise<void> {
    this.#loaded ??= (async () => {
      if (!this.#persistPath) return;
      let text: string;
      try {
        if ((await stat(this.#persistPath)).size > MAX_FILE_BYTES) return;
        text = await readFile(this.#persistPath, 'utf8');
      } catch {
        return;
      }
      for (const line of text.split('\n')) {
        const m = LINE.exec(line);
        if (!m) continue;
        const size = Number(m[3]);
        if (!Number.isSafeInteger(size)) continue;
        this.#entries.set(`${m[1]}:${m[2]}:${m[3]}:${m[4]}`, {
          size,
          sha256: m[6]!,
          ctimeNs: BigInt(m[5]!),
          fromDisk: true,
        });
      }
      while (this.#entries.size > this.#max) {
        const oldest = this.#entries.keys().next();
        if (oldest.done) break;
        this.#entries.delete(oldest.value);
      }
    })();
    return this.#loaded;
  }

  /** The file's digest, from the cache when the same inode has not changed. */
  async digest(path: string, signal?: AbortSignal): Promise<FileDigest> {
    await this.#load();
    const { key, ctimeNs, size } = HashCache.#stat(path);
    const cached = this.#entries.get(key);
    if (cached && (!cached.fromDisk || cached.ctimeNs === ctimeNs)) {
      this.#hits++;
      // Refresh its place in the LRU order; confirmed for the rest of this process.
      this.#entries.delete(key);
      this.#entries.set(key, { ...cached, fromDisk: false });
      return { size: cached.size, sha256: cached.sha256 };
    }
    const digest = await hashFile(path, { signal, sizeHint: size });
    this.#misses++;
    this.#hashedBytes += digest.size;
    this.#onHashed?.(path, digest.size);
    this.#set(key, { ...digest, ctimeNs, fromDisk: false });
    return digest;
  }

  /** Records a digest computed elsewhere (e.g. while downloading), for the file as it is now. */
  async remember(path: string, digest: FileDigest): Promise<void> {
    await this.#load();
    const { key, ctimeNs } = HashCache.#stat(path);
    this.#set(key, { size: digest.size, sha256: digest.sha256, ctimeNs, fromDisk: false });
  }

  /**
   * Confirms persisted digests of `paths` against the files as they are now (ctime included),
   * before anything of ours (hard links) changes their ctime; a confirmed digest is then used for
   * the rest of this process, through any link to the same inode.
   */
  async confirm(paths: Iterable<string>): Promise<void> {
    await this.#load();
    for (const path of paths) {
      let now;
      try {
        now = HashCache.#stat(path);
      } catch {
        continue;
      }
      const entry = this.#entries.get(now.key);
      if (entry?.fromDisk && entry.ctimeNs === now.ctimeNs)
        this.#entries.set(now.key, { ...entry, fromDisk: false });
    }
  }

  /**
   * Records the current ctime of files this process is done with (after its staging links are
   * gone), so a later process finds them unchanged. Files that vanished are skipped.
   */
  settle(paths: Iterable<string>): void {
    for (const path of paths) {
      let now;
      try {
        now = HashCache.#stat(path);
      } catch {
        continue;
      }
      const entry = this.#entries.get(now.key);
      if (entry && entry.ctimeNs !== now.ctimeNs) {
        this.#entries.set(now.key, { ...entry, ctimeNs: now.ctimeNs });
        this.#dirty = true;
      }
    }
  }

  /** Writes the digests to the persist file when they changed (atomically: `.mut`, rename). */
  async flush(): Promise<void> {
    if (!this.#persistPath || !this.#dirty) return;
    const lines: string[] = [];
    for (const [key, e] of this.#entries) {
      const [dev, ino, size, mtime] = key.split(':');
      lines.push(`${dev} ${ino} ${size} ${mtime} ${e.ctimeNs} ${e.sha256}`);
    }
    const tmp = `${this.#persistPath}.mut`;
    await writeFile(tmp, lines.join('\n') + '\n', { mode: 0o600 });
    await rename(tmp, this.#persistPath);
    this.#dirty = false;
  }

  /** Cache hits so far (for tests and metrics). */
  get hits(): number {
    return this.#hits;
  }

  /** Files read and hashed so far (cache misses). */
  get misses(): number {
    return this.#misses;
  }

  /** Bytes read and hashed so far (cache misses). */
  get hashedBytes(): number {
    return this.#hashedBytes;
  }

  /** Entries held now. */
  get size(): number {
    return this.#entries.size;
  }
}
