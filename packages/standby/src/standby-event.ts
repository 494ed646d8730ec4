import type { InitialMode, RunMode, StandbyStartConfig } from './standby-state.js';

/** A failure reported to the machine: plain data, no Error object. */
export interface ErrorInfo {
  readonly message: string;
  readonly code?: string;
}

/** What a pull (or restore) installed; `checkpointUuid` null means no checkpoint was found. */
export interface PullResult {
  readonly checkpointUuid: string | null;
  /** Time of the checkpoint (UUIDv7 timestamp); null when unknown. */
  readonly checkpointTimeMs: number | null;
  readonly bytes?: number;
}

/** Everything that can happen to the machine. `at` is the clock reading when it happened. */
export type StandbyEvent =
  | {
      readonly type: 'start';
      readonly initial: InitialMode;
      readonly config: StandbyStartConfig;
      readonly at: number;
    }
  | { readonly type: 'tick'; readonly at: number }
  | { readonly type: 'pullSucceeded'; readonly result: PullResult; readonly at: number }
  | { readonly type: 'pullFailed'; readonly error: ErrorInfo; readonly at: number }
  | { readonly type: 'activate'; readonly mode: RunMode; readonly at: number }
  | { readonly type: 'finalPullSucceeded'; readonly result: PullResult; readonly at: number }
  | { readonly type: 'finalPullFailed'; readonly error: ErrorInfo; readonly at: number }
  | { readonly type: 'restoreSucceeded'; readonly result: PullResult; readonly at: number }
  | { readonly type: 'restoreFailed'; readonly error: ErrorInfo; readonly at: number }
  | { readonly type: 'intentRecorded'; readonly at: number }
  | { readonly type: 'intentFailed'; readonly error: ErrorInfo; readonly at: number }
  | {
      readonly type: 'takeoverSucceeded';
      /** System name of the owner taken over from; null when there was nothing to take over. */
      readonly previousOwner: string | null;
      readonly at: number;
    }
  | { readonly type: 'takeoverFailed'; readonly error: ErrorInfo; readonly at: number }
  | { readonly type: 'markerWritten'; readonly at: number }
  | { readonly type: 'markerFailed'; readonly error: ErrorInfo; readonly at: number }
  | { readonly type: 'engineStarted'; readonly at: number }
  | { readonly type: 'engineFailed'; readonly error: ErrorInfo; readonly at: number }
  | { readonly type: 'pause'; readonly at: number }
  | { readonly type: 'resume'; readonly at: number }
  | { readonly type: 'stop'; readonly at: number };

/** The `type` of every event. */
export type StandbyEventType = StandbyEvent['type'];

/** Every event type, for exhaustive tests. */
export const STANDBY_EVENT_TYPES: readonly StandbyEventType[] = [
  'start',
  'tick',
  'pullSucceeded',
  'pullFailed',
  'activate',
  'finalPullSucceeded',
  'finalPullFailed',
  'restoreSucceeded',
  'restoreFailed',
  'intentRecorded',
  'intentFailed',
  'takeoverSucceeded',
  'takeoverFailed',
  'markerWritten',
  'markerFailed',
  'engineStarted',
  'engineFailed',
  'pause',
  'resume',
  'stop',
];
