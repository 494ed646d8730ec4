import type { CheckpointRef, PullMode, RunMode } from './standby-state.js';

/** Where a pull may look: the object store only, local storage first, or local storage only. */
export type PullSources = 'remote' | 'local-first' | 'local-only';

/** Log levels of `log` effects. */
export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

/** A log line as data; the app decides where it goes. */
export interface LogEntry {
  readonly level: LogLevel;
  readonly message: string;
  readonly fields?: Readonly<Record<string, unknown>>;
}

/** Something the machine asks the outside world to do; executed by the runner, in order. */
export type StandbyEffect =
  | {
      readonly type: 'pull';
      readonly mode: PullMode;
      readonly checkpoint: CheckpointRef;
      readonly sources: PullSources;
    }
  | { readonly type: 'schedulePull'; readonly delayMs: number }
  | { readonly type: 'cancelScheduledPull' }
  | { readonly type: 'cancelPull' }
  | { readonly type: 'recordActivationIntent' }
  | { readonly type: 'takeOverOwnership' }
  | { readonly type: 'writeActivationMarker' }
  | { readonly type: 'startEngine'; readonly mode: RunMode; readonly checkpointUuid: string | null }
  | { readonly type: 'pauseEngine' }
  | { readonly type: 'resumeEngine' }
  | { readonly type: 'stopEngine' }
  | ({ readonly type: 'log' } & LogEntry);

/** The `type` of every effect. */
export type StandbyEffectType = StandbyEffect['type'];
