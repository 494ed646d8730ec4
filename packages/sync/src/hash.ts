import { stat } from 'node:fs/promises';
import { hashFile } from '@feldera-sync/checkpoint';

/** Size and SHA-256 (hex) of a file. */
export interface FileDigest {
  size: number;
  sha256: string;
}

/**
 * Hashes of immutable files keyed by (path, inode, size, mtime), so a batch file shared by many
 * checkpoints is read once per process, not once per push or pull.
 */
export class HashCache {
  readonly #entries = new Map<string, FileDigest>();
  #hits = 0;

  /** The file's digest, from the cache when the file has not changed. */
  async digest(path: string, signal?: AbortSignal): Promise<FileDigest> {
    const st = await stat(path, { bigint: true });
    const key = `${path}\u0000${st.ino}\u0000${st.size}\u0000${st.mtimeNs}`;
    const cached = this.#entries.get(key);
    if (cached) {
      this.#hits++;
      return cached;
    }
    const digest = await hashFile(path, { signal });
    if (this.#entries.size > 100_000) this.#entries.clear();
    this.#entries.set(key, digest);
    return digest;
  }

  /** Records a digest computed elsewhere (e.g. while downloading). */
  async remember(path: string, digest: FileDigest): Promise<void> {
    const st = await stat(path, { bigint: true });
    this.#entries.set(`${path}\u0000${st.ino}\u0000${st.size}\u0000${st.mtimeNs}`, digest);
  }

  /** Cache hits so far (for tests and metrics). */
  get hits(): number {
    return this.#hits;
  }
}
