/**
 * A pipeline's recent recovery events (checkpoints taken, pushes, pulls) for the console's timeline
 * and `GET .../recovery/history`: a bounded ring per pipeline, kept in memory while the server runs.
 */

/** What happened. */
export type RecoveryEventKind = 'checkpoint' | 'push' | 'pull';

/** Which pull: a standby's periodic pull, the final pull of an activation, or a start's restore. */
export type PullKind = 'standby' | 'final' | 'restore';

/** One event as the history route answers it. */
export interface RecoveryEvent {
  /** Increases by one per event of this pipeline; `after=` pages on it. */
  seq: number;
  kind: RecoveryEventKind;
  result: 'success' | 'failure';
  /** When it ended (ISO 8601). */
  at: string;
  checkpoint_uuid: string | null;
  /** When the checkpoint was taken (its UUIDv7 time), ISO 8601. */
  checkpoint_time: string | null;
  bytes: number | null;
  duration_ms: number | null;
  /** Set for pulls. */
  pull_kind: PullKind | null;
  error: string | null;
}

/** An event before it gets its sequence number. */
export type RecoveryEventInput = Omit<RecoveryEvent, 'seq'>;

/** Events kept per pipeline: at a push a minute and a pull every 10 s that changed, hours of it. */
export const HISTORY_CAPACITY = 1000;

/** The bounded event ring of one pipeline. */
export class RecoveryHistory {
  private events: RecoveryEvent[] = [];
  private nextSeq = 1;
  /** Checkpoints already recorded as taken, so a catalog read twice records each once. */
  private readonly taken = new Set<string>();

  constructor(readonly capacity: number = HISTORY_CAPACITY) {}

  /** Appends one event; the oldest ones drop out beyond `capacity`. */
  record(event: RecoveryEventInput): RecoveryEvent {
    const full: RecoveryEvent = { seq: this.nextSeq++, ...event };
    this.events.push(full);
    if (this.events.length > this.capacity)
      this.events.splice(0, this.events.length - this.capacity);
    if (event.kind === 'checkpoint' && event.checkpoint_uuid) this.taken.add(event.checkpoint_uuid);
    return full;
  }

  /** Records a checkpoint as taken unless it already was; answers whether it recorded. */
  recordTaken(event: RecoveryEventInput & { checkpoint_uuid: string }): boolean {
    if (this.taken.has(event.checkpoint_uuid)) return false;
    this.record(event);
    // Bound the set as the ring is bounded: forget what fell out of the ring.
    if (this.taken.size > this.capacity * 2) {
      const kept = new Set(
        this.events.filter((e) => e.kind === 'checkpoint').map((e) => e.checkpoint_uuid),
      );
      for (const uuid of this.taken) if (!kept.has(uuid)) this.taken.delete(uuid);
    }
    return true;
  }

  /** Marks checkpoints as seen without recording them (a standby's pulled checkpoints). */
  markSeen(uuids: Iterable<string>): void {
    for (const uuid of uuids) this.taken.add(uuid);
  }

  /** Whether a checkpoint was recorded or marked seen. */
  hasSeen(uuid: string): boolean {
    return this.taken.has(uuid);
  }

  /** Events with `seq > after`, oldest first, at most `limit`. */
  since(after = 0, limit = this.capacity): RecoveryEvent[] {
    const from = this.events.findIndex((e) => e.seq > after);
    if (from < 0) return [];
    return this.events.slice(from, from + limit);
  }

  /** The newest event of a kind, if any. */
  last(kind: RecoveryEventKind): RecoveryEvent | null {
    for (let i = this.events.length - 1; i >= 0; i--)
      if (this.events[i]!.kind === kind) return this.events[i]!;
    return null;
  }

  /** Sequence number of the newest event (0 before any). */
  get lastSeq(): number {
    return this.nextSeq - 1;
  }

  get size(): number {
    return this.events.length;
  }
}
