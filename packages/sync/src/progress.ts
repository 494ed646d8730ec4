import type { TransferProgress } from '@feldera-sync/checkpoint';

/** Phases a sync goes through, for status displays. */
export type SyncPhase =
  | 'preparing'
  | 'uploading'
  | 'downloading'
  | 'verifying'
  | 'installing'
  | 'committing'
  | 'retention';

/** Progress of the running push or pull. */
export interface SyncProgress {
  operation: 'push' | 'pull' | 'verify';
  uuid: string;
  phase: SyncPhase;
  bytesDone: number;
  bytesTotal: number;
  objectsDone: number;
  objectsTotal: number;
  /** Bytes per second of the current transfer. */
  speed: number;
}

/** Callback for progress events. */
export type ProgressListener = (progress: SyncProgress) => void;

/** Tracks totals across several transfers of one operation and emits combined progress. */
export class ProgressTracker {
  readonly #base: Omit<SyncProgress, 'phase' | 'bytesDone' | 'objectsDone' | 'speed'>;
  readonly #listener: ProgressListener;
  #phase: SyncPhase = 'preparing';
  #bytesDone = 0;
  #objectsDone = 0;

  constructor(
    operation: SyncProgress['operation'],
    uuid: string,
    bytesTotal: number,
    objectsTotal: number,
    listener: ProgressListener,
  ) {
    this.#base = { operation, uuid, bytesTotal, objectsTotal };
    this.#listener = listener;
  }

  /** Moves to a new phase and emits. */
  phase(phase: SyncPhase): void {
    this.#phase = phase;
    this.#emit(0, 0, 0);
  }

  /** A listener for one store transfer; progress is added to what earlier transfers completed. */
  transfer(): (p: TransferProgress) => void {
    return (p) => this.#emit(p.bytesDone, p.objectsDone, p.speed);
  }

  /** Records a finished transfer. */
  done(bytes: number, objects: number): void {
    this.#bytesDone += bytes;
    this.#objectsDone += objects;
    this.#emit(0, 0, 0);
  }

  #emit(bytes: number, objects: number, speed: number): void {
    try {
      this.#listener({
        ...this.#base,
        phase: this.#phase,
        bytesDone: Math.min(this.#base.bytesTotal, this.#bytesDone + bytes),
        objectsDone: Math.min(this.#base.objectsTotal, this.#objectsDone + objects),
        speed,
      });
    } catch {
      // A failing listener must not fail the sync.
    }
  }
}
