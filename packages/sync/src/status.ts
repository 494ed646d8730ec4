import type { SyncProgress } from './progress.js';

/** A failed sync, as status reports it. */
export interface SyncFailure {
  uuid: string;
  error: string;
  code?: string | undefined;
  at: number;
}

/** The `sync_status` answer (docs/http-api.md), plus the running sync and the periodic pusher's state. */
export interface SyncStatus {
  /** UUID of the last successful manual sync. */
  success: string | null;
  /** The last failed manual sync, cleared by a later success of that or a newer checkpoint. */
  failure: { uuid: string; error: string } | null;
  /** UUID of the last successful periodic sync. */
  periodic: string | null;
  /** The newest checkpoint known to be in the remote catalog through this synchroniser. */
  lastSynced: string | null;
  /** When the last successful sync (either kind) ended, ms since the epoch. */
  lastSuccessAt: number | null;
  /** The running push or pull. */
  running: SyncProgress | null;
  /** The last failed periodic attempt and how many failed in a row. */
  periodicFailure: (SyncFailure & { consecutive: number }) | null;
}

/** Events the synchroniser feeds to `reduceStatus`. */
export type StatusEvent =
  | { type: 'started'; progress: SyncProgress }
  | { type: 'progress'; progress: SyncProgress }
  | { type: 'push-succeeded'; uuid: string; periodic: boolean; at: number }
  | {
      type: 'push-failed';
      uuid: string;
      periodic: boolean;
      at: number;
      error: string;
      code?: string | undefined;
    }
  | { type: 'finished' };

/** The status before anything happened. */
export const initialStatus: SyncStatus = {
  success: null,
  failure: null,
  periodic: null,
  lastSynced: null,
  lastSuccessAt: null,
  running: null,
  periodicFailure: null,
};

const newer = (a: string | null, b: string): string => (a !== null && a > b ? a : b);

/** Pure status reducer. */
export function reduceStatus(state: SyncStatus, event: StatusEvent): SyncStatus {
  switch (event.type) {
    case 'started':
    case 'progress':
      return { ...state, running: event.progress };
    case 'finished':
      return { ...state, running: null };
    case 'push-succeeded': {
      const base = {
        ...state,
        lastSynced: newer(state.lastSynced, event.uuid),
        lastSuccessAt: event.at,
      };
      if (event.periodic) return { ...base, periodic: event.uuid, periodicFailure: null };
      const clear = state.failure !== null && state.failure.uuid <= event.uuid;
      return { ...base, success: event.uuid, failure: clear ? null : state.failure };
    }
    case 'push-failed': {
      if (event.periodic) {
        const consecutive = (state.periodicFailure?.consecutive ?? 0) + 1;
        return {
          ...state,
          periodicFailure: {
            uuid: event.uuid,
            error: event.error,
            code: event.code,
            at: event.at,
            consecutive,
          },
        };
      }
      return { ...state, failure: { uuid: event.uuid, error: event.error } };
    }
  }
}
