export { transition } from './transition.js';
export type { TransitionOutcome, TransitionResult } from './transition.js';
export { initialStandbyState, INITIAL_COUNTERS, STANDBY_STATE_NAMES } from './standby-state.js';
export type {
  ActivationStep,
  CheckpointInfo,
  CheckpointRef,
  ErrorRecord,
  InitialMode,
  PullCounters,
  PullMode,
  RunMode,
  StandbyStartConfig,
  StandbyState,
  StandbyStateName,
} from './standby-state.js';
export { STANDBY_EVENT_TYPES } from './standby-event.js';
export type { ErrorInfo, PullResult, StandbyEvent, StandbyEventType } from './standby-event.js';
export type {
  LogEntry,
  LogLevel,
  PullSources,
  StandbyEffect,
  StandbyEffectType,
} from './standby-effect.js';
export { runtimeStatusOf } from './runtime-status.js';
export type { RuntimeStatus } from './runtime-status.js';
// One copy of each lives in the lowest package that needs it; re-exported for existing importers.
export { uuidv7TimeMs as uuidV7TimeMs } from '@feldera-sync/checkpoint';
export { SimulatedClock, systemClock } from '@feldera-sync/clock';
export type { Clock, TimerHandle } from '@feldera-sync/clock';
export { createStandbyRunner } from './standby-runner.js';
export type {
  ActivationRequest,
  PullHandlerResult,
  PullRequest,
  StandbyHandlers,
  StandbyNotification,
  StandbyRunner,
  StandbyRunnerOptions,
  StandbySnapshot,
  StandbyStartOptions,
  StartEngineRequest,
  TakeoverResult,
  TransitionRecord,
} from './standby-runner.js';
export {
  ERR_STANDBY_ENGINE_FAILED,
  ERR_STANDBY_FINAL_PULL_FAILED,
  ERR_STANDBY_INVALID_CONFIG,
  ERR_STANDBY_INTENT_FAILED,
  ERR_STANDBY_INVALID_TRANSITION,
  ERR_STANDBY_MARKER_FAILED,
  ERR_STANDBY_NO_CHECKPOINT,
  ERR_STANDBY_REQUIRES_CHECKPOINT,
  ERR_STANDBY_RESTORE_FAILED,
  ERR_STANDBY_STOPPED,
  ERR_STANDBY_TAKEOVER_FAILED,
  StandbyErrorCodes,
} from './error-codes.js';
export type { StandbyErrorCode } from './error-codes.js';
