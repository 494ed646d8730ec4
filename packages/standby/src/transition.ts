import { MAX_TIMER_DELAY_MS } from '@feldera-sync/clock';
import {
  ERR_STANDBY_ENGINE_FAILED,
  ERR_STANDBY_FINAL_PULL_FAILED,
  ERR_STANDBY_INVALID_CONFIG,
  ERR_STANDBY_INTENT_FAILED,
  ERR_STANDBY_INVALID_TRANSITION,
  ERR_STANDBY_MARKER_FAILED,
  ERR_STANDBY_NO_CHECKPOINT,
  ERR_STANDBY_REQUIRES_CHECKPOINT,
  ERR_STANDBY_RESTORE_FAILED,
  ERR_STANDBY_TAKEOVER_FAILED,
  StandbyErrorCodes,
} from './error-codes.js';
import type { LogLevel, StandbyEffect } from './standby-effect.js';
import type { ErrorInfo, PullResult, StandbyEvent } from './standby-event.js';
import type { CheckpointInfo, PullCounters, RunMode, StandbyState } from './standby-state.js';
import { INITIAL_COUNTERS } from './standby-state.js';

/** What happened to an event: whether it changed the state, and whether it was accepted (and why not). */
export interface TransitionOutcome {
  /** False when the returned state is the input state (same object). */
  readonly changed: boolean;
  /** False when the event does not apply here; `activate` maps this to 202 versus 400. */
  readonly accepted: boolean;
  /** Why the event was ignored, rejected or a no-op. */
  readonly reason?: string;
  /** Error code of a rejection (`ERR_STANDBY_INVALID_TRANSITION`, ...). */
  readonly code?: string;
}

/** `[next state, effects to run in order, outcome]`. */
export type TransitionResult = readonly [StandbyState, readonly StandbyEffect[], TransitionOutcome];

type EventOf<T extends StandbyEvent['type']> = Extract<StandbyEvent, { type: T }>;

/** Pure transition function: never throws, never mutates, never reads a clock (time comes in `event.at`). */
export function transition(state: StandbyState, event: StandbyEvent): TransitionResult {
  switch (event.type) {
    case 'start':
      return onStart(state, event);
    case 'tick':
      return onTick(state, event);
    case 'pullSucceeded':
      return onStandbyPullDone(state, event.at, event.result, null);
    case 'pullFailed':
      return onStandbyPullDone(state, event.at, null, event.error);
    case 'activate':
      return onActivate(state, event);
    case 'finalPullSucceeded':
      return onFinalPullSucceeded(state, event);
    case 'finalPullFailed':
      return onFinalPullFailed(state, event);
    case 'restoreSucceeded':
      return onRestoreSucceeded(state, event);
    case 'restoreFailed':
      return onRestoreFailed(state, event);
    case 'intentRecorded':
      return onIntentRecorded(state);
    case 'intentFailed':
      return onIntentFailed(state, event);
    case 'takeoverSucceeded':
      return onTakeoverSucceeded(state, event);
    case 'takeoverFailed':
      return onTakeoverFailed(state, event);
    case 'markerWritten':
      return onMarkerWritten(state);
    case 'markerFailed':
      return onMarkerFailed(state, event);
    case 'engineStarted':
      return onEngineStarted(state);
    case 'engineFailed':
      return onEngineFailed(state, event);
    case 'pause':
      return onPause(state);
    case 'resume':
      return onResume(state);
    case 'stop':
      return onStop(state);
  }
}

function ignored(state: StandbyState, reason: string): TransitionResult {
  return [state, [], { changed: false, accepted: false, reason }];
}

function rejected(state: StandbyState, reason: string, code: string): TransitionResult {
  return [state, [], { changed: false, accepted: false, reason, code }];
}

function noop(state: StandbyState, reason: string): TransitionResult {
  return [state, [], { changed: false, accepted: true, reason }];
}

function moved(next: StandbyState, effects: readonly StandbyEffect[]): TransitionResult {
  return [next, effects, { changed: true, accepted: true }];
}

function log(level: LogLevel, message: string, fields?: Record<string, unknown>): StandbyEffect {
  return fields === undefined
    ? { type: 'log', level, message }
    : { type: 'log', level, message, fields };
}

function fail(
  state: StandbyState,
  code: string,
  message: string,
  at: number,
  extra: readonly StandbyEffect[] = [],
  cause?: ErrorInfo,
): TransitionResult {
  const causeCode = cause?.code !== undefined && cause.code !== code ? cause.code : undefined;
  return moved(
    {
      ...state,
      name: 'failed',
      activationStep: null,
      pullInFlight: null,
      rollingForward: false,
      failure:
        causeCode === undefined
          ? { code, message, atMs: at }
          : { code, message, atMs: at, causeCode },
    },
    [...extra, log('error', message, causeCode === undefined ? { code } : { code, causeCode })],
  );
}

function checkpointOf(result: PullResult): CheckpointInfo | null {
  if (result.checkpointUuid === null) return null;
  return result.bytes === undefined
    ? { uuid: result.checkpointUuid, timeMs: result.checkpointTimeMs }
    : { uuid: result.checkpointUuid, timeMs: result.checkpointTimeMs, bytes: result.bytes };
}

function countSuccess(counters: PullCounters, at: number, result: PullResult): PullCounters {
  return {
    ...counters,
    totalPulls: counters.totalPulls + 1,
    consecutivePullFailures: 0,
    lastPullAtMs: at,
    lastPulled: checkpointOf(result) ?? counters.lastPulled,
  };
}

function countFailure(counters: PullCounters, at: number, error: ErrorInfo): PullCounters {
  return {
    ...counters,
    totalPulls: counters.totalPulls + 1,
    failedPulls: counters.failedPulls + 1,
    consecutivePullFailures: counters.consecutivePullFailures + 1,
    lastPullError: {
      code: error.code ?? StandbyErrorCodes.uncodedPullFailure,
      message: error.message,
      atMs: at,
    },
  };
}

function pullResultFields(result: PullResult): Record<string, unknown> {
  return result.bytes === undefined
    ? { checkpoint: result.checkpointUuid }
    : { checkpoint: result.checkpointUuid, bytes: result.bytes };
}

function onStart(state: StandbyState, event: EventOf<'start'>): TransitionResult {
  if (state.name !== 'stopped' && state.name !== 'failed') {
    return rejected(
      state,
      `cannot start: the pipeline is ${state.name}; stop it first`,
      ERR_STANDBY_INVALID_TRANSITION,
    );
  }
  const { config, initial, at } = event;
  if (initial === 'standby') {
    if (config.startFromCheckpoint === null) {
      return rejected(
        state,
        'standby needs start_from_checkpoint ("latest" or a checkpoint UUID) to know what to pull',
        ERR_STANDBY_REQUIRES_CHECKPOINT,
      );
    }
    if (
      !Number.isFinite(config.pullIntervalMs) ||
      config.pullIntervalMs <= 0 ||
      config.pullIntervalMs > MAX_TIMER_DELAY_MS
    ) {
      return rejected(
        state,
        `pull interval must be a positive number of milliseconds up to ${MAX_TIMER_DELAY_MS} (about 24.8 days; a longer timer would fire every millisecond), got ${String(config.pullIntervalMs)}`,
        ERR_STANDBY_INVALID_CONFIG,
      );
    }
  }
  const fresh: StandbyState = {
    name: 'starting',
    config,
    targetMode: null,
    activationStep: null,
    pullInFlight: null,
    activated: config.activatedMarkerPresent,
    rollingForward: false,
    tookOverFrom: null,
    runningFrom: null,
    failure: null,
    counters: INITIAL_COUNTERS,
  };

  if (config.activationIntentPresent === true) {
    // An activation was interrupted after its intent was recorded (a crash or kill between intent,
    // takeover and marker): complete it rather than go back to standby with a bucket that may
    // already name this pipeline. Then run, as an activated pipeline does, from local storage.
    return moved(
      {
        ...fresh,
        name: 'activating',
        activationStep: 'takingOver',
        targetMode: initial === 'standby' ? 'running' : initial,
        rollingForward: true,
      },
      [
        log('warn', 'an interrupted activation was found: completing it (takeover, then marker)'),
        { type: 'takeOverOwnership' },
      ],
    );
  }

  if (initial === 'standby' && config.activatedMarkerPresent) {
    // Activated before and storage intact: run from the newest *local* checkpoint. Pulling the
    // remote now could install an older primary's checkpoint over this pipeline's own progress.
    const auto = { ...fresh, targetMode: 'running' as const };
    const why = log(
      'info',
      'activated.feldera present: activating by itself from the newest local checkpoint',
    );
    if (config.hasLocalCheckpoint === false) {
      if (config.failIfNoCheckpoint) {
        return fail(
          auto,
          ERR_STANDBY_NO_CHECKPOINT,
          'activated.feldera present but no local checkpoint, and fail_if_no_checkpoint is set',
          at,
          [why],
        );
      }
      return moved(auto, [
        why,
        log('info', 'no local checkpoint: starting from empty state'),
        { type: 'startEngine', mode: 'running', checkpointUuid: null },
      ]);
    }
    return moved({ ...auto, name: 'restoring', pullInFlight: 'restore' }, [
      why,
      { type: 'pull', mode: 'restore', checkpoint: 'latest', sources: 'local-only' },
    ]);
  }

  if (initial === 'standby') {
    const checkpoint = config.startFromCheckpoint ?? 'latest';
    return moved(
      {
        ...fresh,
        name: 'standby',
        pullInFlight: 'standby',
        counters: { ...INITIAL_COUNTERS, lastPullStartedAtMs: at },
      },
      [
        log('info', 'entering standby', {
          startFromCheckpoint: checkpoint,
          pullIntervalMs: config.pullIntervalMs,
        }),
        { type: 'pull', mode: 'standby', checkpoint, sources: 'remote' },
      ],
    );
  }

  const withMode = { ...fresh, targetMode: initial };
  if (config.startFromCheckpoint !== null) {
    return moved({ ...withMode, name: 'restoring', pullInFlight: 'restore' }, [
      {
        type: 'pull',
        mode: 'restore',
        checkpoint: config.startFromCheckpoint,
        sources: 'local-first',
      },
    ]);
  }
  return moved(withMode, [{ type: 'startEngine', mode: initial, checkpointUuid: null }]);
}

function onTick(state: StandbyState, event: EventOf<'tick'>): TransitionResult {
  if (state.name !== 'standby')
    return ignored(state, `tick ignored: not in standby (${state.name})`);
  if (state.pullInFlight !== null) return ignored(state, 'tick ignored: a pull is already running');
  const checkpoint = state.config?.startFromCheckpoint ?? 'latest';
  return moved(
    {
      ...state,
      pullInFlight: 'standby',
      counters: { ...state.counters, lastPullStartedAtMs: event.at },
    },
    [{ type: 'pull', mode: 'standby', checkpoint, sources: 'remote' }],
  );
}

/** Next pull `pullInterval` after the previous one started, or now when it outlasted the interval. */
function nextPullDelay(state: StandbyState, at: number): number {
  const interval = state.config?.pullIntervalMs ?? 0;
  const startedAt = state.counters.lastPullStartedAtMs ?? at;
  return Math.max(0, startedAt + interval - at);
}

function finalPull(state: StandbyState, at: number): { next: StandbyState; effect: StandbyEffect } {
  const checkpoint = state.config?.startFromCheckpoint ?? 'latest';
  return {
    next: {
      ...state,
      activationStep: 'finalPull',
      pullInFlight: 'final',
      counters: { ...state.counters, lastPullStartedAtMs: at },
    },
    effect: { type: 'pull', mode: 'final', checkpoint, sources: 'remote' },
  };
}

function onStandbyPullDone(
  state: StandbyState,
  at: number,
  result: PullResult | null,
  error: ErrorInfo | null,
): TransitionResult {
  if (state.pullInFlight !== 'standby')
    return ignored(state, 'pull result ignored: no standby pull in flight');
  const counters =
    result !== null
      ? countSuccess(state.counters, at, result)
      : countFailure(state.counters, at, error ?? { message: 'unknown error' });
  const note =
    result !== null
      ? result.checkpointUuid === null
        ? log('info', 'no checkpoint to pull yet')
        : log('info', 'checkpoint pulled successfully', pullResultFields(result))
      : log('warn', `checkpoint pull failed: ${error?.message ?? 'unknown error'}`, {
          code: error?.code ?? StandbyErrorCodes.uncodedPullFailure,
          consecutiveFailures: counters.consecutivePullFailures,
        });
  const after: StandbyState = { ...state, pullInFlight: null, counters };
  if (state.name === 'activating') {
    // The pull that was running when /activate came may predate the primary's last push: do one more.
    const { next, effect } = finalPull(after, at);
    return moved(next, [note, log('info', 'activating: final catch-up pull'), effect]);
  }
  if (state.name === 'standby') {
    return moved(after, [note, { type: 'schedulePull', delayMs: nextPullDelay(state, at) }]);
  }
  return ignored(state, `pull result ignored in ${state.name}`);
}

function onActivate(state: StandbyState, event: EventOf<'activate'>): TransitionResult {
  switch (state.name) {
    case 'standby': {
      const activating: StandbyState = { ...state, name: 'activating', targetMode: event.mode };
      if (state.pullInFlight !== null) {
        return moved({ ...activating, activationStep: 'awaitingPull' }, [
          { type: 'cancelScheduledPull' },
          log(
            'info',
            'activation requested: waiting for the running pull, then one final catch-up pull',
            { mode: event.mode },
          ),
        ]);
      }
      const { next, effect } = finalPull(activating, event.at);
      return moved(next, [
        { type: 'cancelScheduledPull' },
        log('info', 'activation requested: final catch-up pull', { mode: event.mode }),
        effect,
      ]);
    }
    case 'activating':
      return noop(state, 'activation already in progress');
    case 'running':
    case 'paused':
      return noop(state, `already activated (${state.name})`);
    case 'restoring':
    case 'starting':
      if (state.activated) return noop(state, 'activating by itself (activated.feldera present)');
      return rejected(
        state,
        `cannot activate: the pipeline is ${state.name}, not in standby`,
        ERR_STANDBY_INVALID_TRANSITION,
      );
    case 'stopped':
    case 'failed':
      return rejected(
        state,
        `cannot activate: the pipeline is ${state.name}, not in standby`,
        ERR_STANDBY_INVALID_TRANSITION,
      );
  }
}

function onFinalPullSucceeded(
  state: StandbyState,
  event: EventOf<'finalPullSucceeded'>,
): TransitionResult {
  if (state.name !== 'activating' || state.pullInFlight !== 'final')
    return ignored(state, 'final pull result ignored: no final pull in flight');
  const counters = countSuccess(state.counters, event.at, event.result);
  const after: StandbyState = { ...state, pullInFlight: null, counters };
  const from = counters.lastPulled;
  if (from === null && state.config?.failIfNoCheckpoint === true) {
    return fail(
      after,
      ERR_STANDBY_NO_CHECKPOINT,
      'activation failed: no checkpoint to start from, and fail_if_no_checkpoint is set',
      event.at,
    );
  }
  return moved({ ...after, activationStep: 'recordingIntent', runningFrom: from }, [
    event.result.checkpointUuid === null
      ? log('info', 'final pull found no checkpoint', { startingFrom: from?.uuid ?? null })
      : log('info', 'checkpoint pulled successfully', {
          ...pullResultFields(event.result),
          final: true,
        }),
    { type: 'recordActivationIntent' },
  ]);
}

function onFinalPullFailed(
  state: StandbyState,
  event: EventOf<'finalPullFailed'>,
): TransitionResult {
  if (state.name !== 'activating' || state.pullInFlight !== 'final')
    return ignored(state, 'final pull result ignored: no final pull in flight');
  const counters = countFailure(state.counters, event.at, event.error);
  return fail(
    { ...state, counters },
    ERR_STANDBY_FINAL_PULL_FAILED,
    `activation failed: the final catch-up pull failed (${event.error.message}); not running on possibly stale data`,
    event.at,
    [],
    event.error,
  );
}

function onRestoreSucceeded(
  state: StandbyState,
  event: EventOf<'restoreSucceeded'>,
): TransitionResult {
  if (state.name !== 'restoring' || state.pullInFlight !== 'restore')
    return ignored(state, 'restore result ignored: no restore in flight');
  const mode: RunMode = state.targetMode ?? 'running';
  const from = checkpointOf(event.result);
  const after: StandbyState = { ...state, name: 'starting', pullInFlight: null, runningFrom: from };
  if (from === null) {
    if (state.config?.failIfNoCheckpoint === true) {
      return fail(
        after,
        ERR_STANDBY_NO_CHECKPOINT,
        `no checkpoint found for start_from_checkpoint=${state.config.startFromCheckpoint ?? 'latest'}, and fail_if_no_checkpoint is set`,
        event.at,
      );
    }
    return moved(after, [
      log('info', 'no checkpoint found: starting from empty state'),
      { type: 'startEngine', mode, checkpointUuid: null },
    ]);
  }
  return moved(after, [
    log('info', 'checkpoint restored', pullResultFields(event.result)),
    { type: 'startEngine', mode, checkpointUuid: from.uuid },
  ]);
}

function onRestoreFailed(state: StandbyState, event: EventOf<'restoreFailed'>): TransitionResult {
  if (state.name !== 'restoring' || state.pullInFlight !== 'restore')
    return ignored(state, 'restore result ignored: no restore in flight');
  // Keep the cause's code (an auth or network failure, say) so callers can tell failures apart.
  return fail(
    state,
    event.error.code ?? ERR_STANDBY_RESTORE_FAILED,
    `restoring the start checkpoint failed: ${event.error.message}`,
    event.at,
  );
}

function onIntentRecorded(state: StandbyState): TransitionResult {
  if (state.name !== 'activating' || state.activationStep !== 'recordingIntent')
    return ignored(state, 'intentRecorded ignored: not recording the activation intent');
  return moved({ ...state, activationStep: 'takingOver' }, [{ type: 'takeOverOwnership' }]);
}

function onIntentFailed(state: StandbyState, event: EventOf<'intentFailed'>): TransitionResult {
  if (state.name !== 'activating' || state.activationStep !== 'recordingIntent')
    return ignored(state, 'intentFailed ignored: not recording the activation intent');
  return fail(
    state,
    ERR_STANDBY_INTENT_FAILED,
    `activation failed: could not record the activation intent (${event.error.message}); nothing was taken over`,
    event.at,
    [],
    event.error,
  );
}

function onTakeoverSucceeded(
  state: StandbyState,
  event: EventOf<'takeoverSucceeded'>,
): TransitionResult {
  if (state.name !== 'activating' || state.activationStep !== 'takingOver')
    return ignored(state, 'takeoverSucceeded ignored: not taking over');
  const effects: StandbyEffect[] = [];
  if (event.previousOwner !== null)
    effects.push(log('info', 'took over the bucket', { previousOwner: event.previousOwner }));
  effects.push({ type: 'writeActivationMarker' });
  return moved(
    {
      ...state,
      activationStep: 'writingMarker',
      tookOverFrom: event.previousOwner ?? state.tookOverFrom,
    },
    effects,
  );
}

function onTakeoverFailed(state: StandbyState, event: EventOf<'takeoverFailed'>): TransitionResult {
  if (state.name !== 'activating' || state.activationStep !== 'takingOver')
    return ignored(state, 'takeoverFailed ignored: not taking over');
  return fail(
    state,
    ERR_STANDBY_TAKEOVER_FAILED,
    `activation failed: could not take over the bucket's ownership (${event.error.message}); the activation intent is kept, so the next start completes it`,
    event.at,
    [],
    event.error,
  );
}

function onMarkerWritten(state: StandbyState): TransitionResult {
  if (state.name !== 'activating' || state.activationStep !== 'writingMarker')
    return ignored(state, 'markerWritten ignored: not writing the marker');
  if (state.rollingForward) {
    // A completed roll-forward runs like any activated pipeline: from its newest local checkpoint.
    return moved(
      {
        ...state,
        name: 'restoring',
        activationStep: null,
        pullInFlight: 'restore',
        activated: true,
        rollingForward: false,
      },
      [
        log('info', 'interrupted activation completed'),
        { type: 'pull', mode: 'restore', checkpoint: 'latest', sources: 'local-only' },
      ],
    );
  }
  return moved({ ...state, activationStep: 'startingEngine', activated: true }, [
    {
      type: 'startEngine',
      mode: state.targetMode ?? 'running',
      checkpointUuid: state.runningFrom?.uuid ?? null,
    },
  ]);
}

function onMarkerFailed(state: StandbyState, event: EventOf<'markerFailed'>): TransitionResult {
  if (state.name !== 'activating' || state.activationStep !== 'writingMarker')
    return ignored(state, 'markerFailed ignored: not writing the marker');
  return fail(
    state,
    ERR_STANDBY_MARKER_FAILED,
    `activation failed: could not write activated.feldera (${event.error.message})`,
    event.at,
    [],
    event.error,
  );
}

function engineStarting(state: StandbyState): boolean {
  return (
    state.name === 'starting' ||
    (state.name === 'activating' && state.activationStep === 'startingEngine')
  );
}

function onEngineStarted(state: StandbyState): TransitionResult {
  if (!engineStarting(state))
    return ignored(state, 'engineStarted ignored: no engine start in flight');
  const mode: RunMode = state.targetMode ?? 'running';
  return moved({ ...state, name: mode, activationStep: null }, [
    log('info', mode === 'running' ? 'pipeline running' : 'pipeline paused', {
      checkpoint: state.runningFrom?.uuid ?? null,
    }),
  ]);
}

function onEngineFailed(state: StandbyState, event: EventOf<'engineFailed'>): TransitionResult {
  if (!engineStarting(state) && state.name !== 'running' && state.name !== 'paused') {
    return ignored(state, 'engineFailed ignored: no engine');
  }
  return fail(
    state,
    ERR_STANDBY_ENGINE_FAILED,
    `engine failed: ${event.error.message}`,
    event.at,
    [],
    event.error,
  );
}

function onPause(state: StandbyState): TransitionResult {
  if (state.name === 'paused') return noop(state, 'already paused');
  if (state.name !== 'running')
    return rejected(
      state,
      `cannot pause: the pipeline is ${state.name}`,
      ERR_STANDBY_INVALID_TRANSITION,
    );
  return moved({ ...state, name: 'paused', targetMode: 'paused' }, [{ type: 'pauseEngine' }]);
}

function onResume(state: StandbyState): TransitionResult {
  if (state.name === 'running') return noop(state, 'already running');
  if (state.name !== 'paused')
    return rejected(
      state,
      `cannot resume: the pipeline is ${state.name}`,
      ERR_STANDBY_INVALID_TRANSITION,
    );
  return moved({ ...state, name: 'running', targetMode: 'running' }, [{ type: 'resumeEngine' }]);
}

function onStop(state: StandbyState): TransitionResult {
  if (state.name === 'stopped') return noop(state, 'already stopped');
  const effects: StandbyEffect[] = [];
  if (state.name === 'standby') effects.push({ type: 'cancelScheduledPull' });
  if (state.pullInFlight !== null) effects.push({ type: 'cancelPull' });
  if (engineStarting(state) || state.name === 'running' || state.name === 'paused')
    effects.push({ type: 'stopEngine' });
  effects.push(log('info', 'stopped', { from: state.name }));
  return moved(
    {
      ...state,
      name: 'stopped',
      activationStep: null,
      pullInFlight: null,
      rollingForward: false,
      failure: null,
    },
    effects,
  );
}
