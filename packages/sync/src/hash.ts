import { stat } from 'node:fs/promises';
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
}

/**
 * Hashes of immutable files keyed by what identifies their content: (device, inode, size, mtime in
 * ns). Not by path: a push hashes through hard links in a per-push staging directory, which share
 * the original's inode and mtime, so a batch file shared by many checkpoints is read once per
 * process, not once per push or pull. Bounded, least recently used first out.
 */
export class HashCache {
  readonly #entries = new Map<string, FileDigest>();
  readonly #max: number;
  readonly #onHashed: ((path: string, size: number) => void) | undefined;
  #hits = 0;
  #misses = 0;
  #hashedBytes = 0;

  constructor(options: HashCacheOptions = {}) {
    this.#max = Math.max(1, options.maxEntries ?? 200_000);
    this.#onHashed = options.onHashed;
  }

  static async #key(path: string): Promise<string> {
    const st = await stat(path, { bigint: true });
    return `${st.dev}:${st.ino}:${st.size}:${st.mtimeNs}`;
  }

  #set(key: string, digest: FileDigest): void {
    this.#entries.delete(key);
    this.#entries.set(key, digest);
    while (this.#entries.size > this.#max) {
      const oldest = this.#entries.keys().next();
      if (oldest.done) break;
      this.#entries.delete(oldest.value);
    }
  }

  /** The file's digest, from the cache when the same inode has not changed. */
  async digest(path: string, signal?: AbortSignal): Promise<FileDigest> {
    const key = await HashCache.#key(path);
    const cached = this.#entries.get(key);
    if (cached) {
      this.#hits++;
      // Refresh its place in the LRU order.
      this.#entries.delete(key);
      this.#entries.set(key, cached);
      return cached;
    }
    const digest = await hashFile(path, { signal });
    this.#misses++;
    this.#hashedBytes += digest.size;
    this.#onHashed?.(path, digest.size);
    this.#set(key, digest);
    return digest;
  }

  /** Records a digest computed elsewhere (e.g. while downloading). */
  async remember(path: string, digest: FileDigest): Promise<void> {
    this.#set(await HashCache.#key(path), { size: digest.size, sha256: digest.sha256 });
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
