/**
 * Checkpoints whose files local garbage collection must keep, counted: a push in flight pins its
 * checkpoint, and so does a push request waiting its turn, from the moment it is made, so the
 * engine's GC cannot delete what a queued request names before that request runs.
 */
export class PinSet implements Iterable<string> {
  readonly #counts = new Map<string, number>();

  /** Pins `uuid` until the returned function is called (once; later calls do nothing). */
  pin(uuid: string): () => void {
    const id = uuid.toLowerCase();
    this.#counts.set(id, (this.#counts.get(id) ?? 0) + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const n = (this.#counts.get(id) ?? 1) - 1;
      if (n <= 0) this.#counts.delete(id);
      else this.#counts.set(id, n);
    };
  }

  has(uuid: string): boolean {
    return this.#counts.has(uuid.toLowerCase());
  }

  [Symbol.iterator](): Iterator<string> {
    return this.#counts.keys();
  }
}
