import { boundedTimerDelay } from '@feldera-sync/clock';
import { ERR_ABORTED, SyncError, isSyncError } from '@feldera-sync/errors';
import type { Clock, TimerHandle } from '@feldera-sync/clock';
import { ERR_STANDBY_INVALID_TRANSITION, ERR_STANDBY_STOPPED } from './error-codes.js';
import type { RuntimeStatus } from './runtime-status.js';
import { runtimeStatusOf } from './runtime-status.js';
import type { LogEntry, PullSources, StandbyEffect } from './standby-effect.js';
import type { ErrorInfo, PullResult, StandbyEvent } from './standby-event.js';
import type {
  CheckpointInfo,
  CheckpointRef,
  ErrorRecord,
  InitialMode,
  PullMode,
  RunMode,
  StandbyStartConfig,
  StandbyState,
  StandbyStateName,
} from './standby-state.js';
import { initialStandbyState } from './standby-state.js';
import type { TransitionOutcome } from './transition.js';
import { transition } from './transition.js';
import { uuidv7TimeMs } from '@feldera-sync/checkpoint';

/** What the pull handler is asked to do. */
export interface PullRequest {
  readonly mode: PullMode;
  readonly checkpoint: CheckpointRef;
  readonly sources: PullSources;
}

/** What the pull handler reports; `checkpointTimeMs` defaults to the UUIDv7 timestamp. */
export interface PullHandlerResult {
  /** The checkpoint now installed locally; null when none was found. */
  readonly checkpointUuid: string | null;
  readonly checkpointTimeMs?: number;
  readonly bytes?: number;
}

/** What a takeover replaced: the previous owner's system name, or null. */
export interface TakeoverResult {
  readonly previousOwner: string | null;
}

/** What the engine is asked to start with. */
export interface StartEngineRequest {
  readonly mode: RunMode;
  readonly checkpointUuid: string | null;
}

/** The I/O the runner delegates; the app wires these to `sync`, the engine and the storage directory. */
export interface StandbyHandlers {
  /** Pulls (or restores) a checkpoint; must honour `signal`. */
  pull(request: PullRequest, signal: AbortSignal): Promise<PullHandlerResult>;
  /** Starts the engine from what the storage directory holds. */
  startEngine(request: StartEngineRequest, signal: AbortSignal): Promise<void>;
  /**
   * Records the activation intent durably, before the takeover, so that a crash anywhere between
   * here and the marker is completed by the next start (`activationIntentPresent`). Optional: a
   * runner without it goes straight to the takeover.
   */
  recordActivationIntent?(signal: AbortSignal): Promise<void>;
  /**
   * Makes the bucket's `owner.json` name this pipeline (failover), resolving with the system name
   * of the owner it replaced (null when there was none to replace). Optional: without it the
   * activation takes nothing over.
   */
  takeOverOwnership?(signal: AbortSignal): Promise<TakeoverResult>;
  /** Writes `activated.feldera` durably (and then clears the activation intent). */
  writeMarker(signal: AbortSignal): Promise<void>;
  /** Receives the machine's log lines. */
  log?(entry: LogEntry): void;
  pauseEngine?(): Promise<void>;
  resumeEngine?(): Promise<void>;
  /** Stops a started engine; awaited by `stop()`. */
  stopEngine?(): Promise<void>;
}

/** One applied event, as seen by `onTransition` and subscribers. */
export interface TransitionRecord {
  readonly event: StandbyEvent;
  readonly previous: StandbyState;
  readonly state: StandbyState;
  readonly effects: readonly StandbyEffect[];
  readonly outcome: TransitionOutcome;
}

/** What subscribers receive: every transition and every log line. */
export type StandbyNotification =
  | { readonly type: 'transition'; readonly record: TransitionRecord }
  | { readonly type: 'log'; readonly entry: LogEntry; readonly atMs: number };

/** Options of `createStandbyRunner`. */
export interface StandbyRunnerOptions {
  readonly clock: Clock;
  readonly handlers: StandbyHandlers;
  readonly onTransition?: (record: TransitionRecord) => void;
}

/** `start()` input: the start config plus the initial mode. */
export interface StandbyStartOptions extends StandbyStartConfig {
  readonly initial: InitialMode;
}

/** Status the server and metrics expose. */
export interface StandbySnapshot {
  readonly state: StandbyStateName;
  readonly runtimeStatus: RuntimeStatus;
  readonly activated: boolean;
  readonly pullInFlight: PullMode | null;
  readonly totalPulls: number;
  readonly failedPulls: number;
  readonly consecutivePullFailures: number;
  readonly lastPullStartedAtMs: number | null;
  readonly lastPullAtMs: number | null;
  readonly lastPulledCheckpoint: CheckpointInfo | null;
  /** Standby freshness: now minus the newest pulled checkpoint's UUIDv7 time. */
  readonly checkpointAgeMs: number | null;
  readonly lastPullError: ErrorRecord | null;
  readonly runningFrom: CheckpointInfo | null;
  readonly failure: ErrorRecord | null;
  /** The bucket owner this activation took over from, or null. */
  readonly tookOverFrom: string | null;
  /** The machine state itself (plain data). */
  readonly machine: StandbyState;
}

/** An `/activate` request: whether it was accepted (202 vs 400) now, and when it finished. */
export interface ActivationRequest {
  readonly outcome: TransitionOutcome;
  /** Resolves when the engine started; rejects with a coded SyncError (already rejected when not accepted). */
  readonly done: Promise<void>;
}

/** A running standby machine. */
export interface StandbyRunner {
  /** Starts; resolves in standby, running or paused, rejects with a coded SyncError otherwise. */
  start(options: StandbyStartOptions): Promise<void>;
  /** Leaves standby; resolves when the engine started, rejects (e.g. `ERR_STANDBY_FINAL_PULL_FAILED`) otherwise. */
  activate(mode?: RunMode): Promise<void>;
  /** Like `activate`, but answers acceptance synchronously, so a server can reply 202 before the engine starts. */
  requestActivate(mode?: RunMode): ActivationRequest;
  /** Pauses a running engine. */
  pause(): Promise<void>;
  /** Resumes a paused engine. */
  resume(): Promise<void>;
  /** Stops: cancels the timer and any pull, stops the engine, resolves once all of it settled. */
  stop(): Promise<void>;
  /** Current status. */
  snapshot(): StandbySnapshot;
  /** The error behind the current failure (the handler's own, with its cause chain), or null. */
  failureError(): SyncError | null;
  /** Current machine state. */
  readonly state: StandbyState;
  /** Subscribes to transitions and logs; returns the unsubscribe function. */
  subscribe(listener: (notification: StandbyNotification) => void): () => void;
}

interface Waiter {
  readonly done: (state: StandbyState) => boolean;
  readonly resolve: () => void;
  readonly reject: (error: SyncError) => void;
}

function errorInfo(error: unknown): ErrorInfo {
  if (isSyncError(error)) return { message: error.message, code: error.code };
  if (error instanceof Error) return { message: error.message };
  return { message: String(error) };
}

/** `Error`-valued cause of a handler failure, so the runner's rejection keeps the original error. */
function asCause(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error));
}

function toPullResult(result: PullHandlerResult): PullResult {
  const uuid = result.checkpointUuid;
  const timeMs = result.checkpointTimeMs ?? (uuid === null ? null : uuidv7TimeMs(uuid));
  return result.bytes === undefined
    ? { checkpointUuid: uuid, checkpointTimeMs: timeMs }
    : { checkpointUuid: uuid, checkpointTimeMs: timeMs, bytes: result.bytes };
}

function rejection(outcome: TransitionOutcome, what: string): SyncError {
  return new SyncError(
    outcome.code ?? ERR_STANDBY_INVALID_TRANSITION,
    outcome.reason ?? `${what} does not apply now`,
  );
}

function failureError(state: StandbyState, cause: Error | null): SyncError {
  if (state.name === 'failed' && state.failure !== null) {
    // The handler's own error (an ERR_STORE_AUTH under ERR_STANDBY_FINAL_PULL_FAILED, say) travels
    // as the cause, so exit codes and HTTP statuses can come from the root cause.
    return cause === null
      ? new SyncError(state.failure.code, state.failure.message)
      : new SyncError(state.failure.code, state.failure.message, {
          cause,
          ...(isSyncError(cause) && cause.hint !== undefined ? { hint: cause.hint } : {}),
          ...(state.failure.causeCode !== undefined
            ? { details: { causeCode: state.failure.causeCode } }
            : {}),
        });
  }
  return new SyncError(
    ERR_STANDBY_STOPPED,
    `the pipeline was ${state.name === 'failed' ? 'failed' : 'stopped'} before it got there`,
  );
}

/** Creates a runner that feeds events into `transition` and executes its effects through `handlers`. */
export function createStandbyRunner(options: StandbyRunnerOptions): StandbyRunner {
  const { clock, handlers, onTransition } = options;
  let state = initialStandbyState();
  // Bumped on start and stop: results of an older incarnation are dropped.
  let generation = 0;
  let timer: { handle: TimerHandle } | null = null;
  let pull: { controller: AbortController } | null = null;
  let engine: { controller: AbortController; started: Promise<unknown> } | null = null;
  // Aborted by stop(): cancels work of the current incarnation that has no effect of its own to cancel it.
  let life = new AbortController();
  let dispatching = false;
  const tasks = new Set<Promise<unknown>>();
  const listeners = new Set<(n: StandbyNotification) => void>();
  let waiters: Waiter[] = [];
  // The error object behind the current failure record (the machine keeps plain data only).
  let failureCause: { record: ErrorRecord; error: Error } | null = null;
  // The error of the event being dispatched, kept if that event fails the machine.
  let dispatchingError: Error | null = null;

  const notify = (n: StandbyNotification): void => {
    for (const listener of listeners) {
      try {
        listener(n);
      } catch {
        // A broken listener must not break the machine.
      }
    }
  };

  const track = <T>(promise: Promise<T>): Promise<T> => {
    tasks.add(promise);
    const forget = (): void => {
      tasks.delete(promise);
    };
    promise.then(forget, forget);
    return promise;
  };

  const call = <T>(fn: () => Promise<T>): Promise<T> => {
    try {
      return fn();
    } catch (error) {
      return Promise.reject(error instanceof Error ? error : new Error(String(error)));
    }
  };

  // Effects run first, with `dispatching` set; observers (listeners, log handler) are called after,
  // so a listener that calls back into the runner never interleaves with a half-applied transition.
  let pendingLogs: LogEntry[] = [];

  const dispatch = (event: StandbyEvent, beforeEffects?: () => void): TransitionOutcome => {
    const previous = state;
    const [next, effects, outcome] = transition(state, event);
    state = next;
    const cause = dispatchingError;
    dispatchingError = null;
    if (next.failure !== null && next.failure !== previous.failure)
      failureCause = cause === null ? null : { record: next.failure, error: cause };
    if (outcome.changed) beforeEffects?.();
    dispatching = true;
    try {
      for (const effect of effects) run(effect);
    } finally {
      dispatching = false;
    }
    const record: TransitionRecord = { event, previous, state: next, effects, outcome };
    if (onTransition) {
      try {
        onTransition(record);
      } catch {
        // Observers never break the machine.
      }
    }
    notify({ type: 'transition', record });
    flushLogs();
    if (outcome.changed) settleWaiters();
    return outcome;
  };

  const settleWaiters = (): void => {
    const pending: Waiter[] = [];
    for (const w of waiters) {
      if (w.done(state)) w.resolve();
      else if (state.name === 'failed' || state.name === 'stopped')
        w.reject(failureError(state, causeOf(state)));
      else pending.push(w);
    }
    waiters = pending;
  };

  const causeOf = (s: StandbyState): Error | null =>
    failureCause !== null && failureCause.record === s.failure ? failureCause.error : null;

  /** Dispatches a failure event, remembering the handler's error as the cause. */
  const dispatchFailure = (event: StandbyEvent, error: unknown): void => {
    dispatchingError = asCause(error);
    dispatch(event);
  };

  const waitFor = (done: (s: StandbyState) => boolean): Promise<void> =>
    new Promise<void>((resolve, reject) => {
      waiters.push({ done, resolve, reject });
      settleWaiters();
    });

  const clearTimer = (): void => {
    if (timer !== null) clock.clearTimeout(timer.handle);
    timer = null;
  };

  const runPull = (effect: Extract<StandbyEffect, { type: 'pull' }>): void => {
    if (pull !== null) {
      // The machine never asks for two; refuse rather than overlap if it ever did.
      emitLog({ level: 'error', message: 'pull requested while another is running; ignored' });
      return;
    }
    const gen = generation;
    const entry = { controller: new AbortController() };
    pull = entry;
    const { mode } = effect;
    const request: PullRequest = { mode, checkpoint: effect.checkpoint, sources: effect.sources };
    const finish = (): boolean => {
      if (pull === entry) pull = null;
      return gen === generation && !entry.controller.signal.aborted;
    };
    void track(
      call(() => handlers.pull(request, entry.controller.signal)).then(
        (raw) => {
          if (!finish()) return;
          const result = toPullResult(raw);
          const at = clock.now();
          switch (mode) {
            case 'standby':
              dispatch({ type: 'pullSucceeded', result, at });
              break;
            case 'final':
              dispatch({ type: 'finalPullSucceeded', result, at });
              break;
            case 'restore':
              dispatch({ type: 'restoreSucceeded', result, at });
              break;
          }
        },
        (error: unknown) => {
          if (!finish()) return;
          const info = errorInfo(error);
          const at = clock.now();
          switch (mode) {
            case 'standby':
              dispatch({ type: 'pullFailed', error: info, at });
              break;
            case 'final':
              dispatchFailure({ type: 'finalPullFailed', error: info, at }, error);
              break;
            case 'restore':
              dispatchFailure({ type: 'restoreFailed', error: info, at }, error);
              break;
          }
        },
      ),
    );
  };

  const runEngineCall = (fn: () => Promise<void>, onOk: (() => void) | null): void => {
    const gen = generation;
    void track(
      call(fn).then(
        () => {
          if (gen === generation && onOk) onOk();
        },
        (error: unknown) => {
          if (gen === generation)
            dispatchFailure(
              { type: 'engineFailed', error: errorInfo(error), at: clock.now() },
              error,
            );
        },
      ),
    );
  };

  /** Runs one activation step's handler; its outcome is fed back unless a stop or restart intervened. */
  const runStep = <T>(
    fn: () => Promise<T>,
    onOk: (value: T) => void,
    onError: (info: ErrorInfo, error: unknown) => void,
  ): void => {
    const gen = generation;
    void track(
      call(fn).then(
        (value) => {
          if (gen === generation) onOk(value);
        },
        (error: unknown) => {
          if (gen === generation) onError(errorInfo(error), error);
        },
      ),
    );
  };

  const flushLogs = (): void => {
    const logs = pendingLogs;
    pendingLogs = [];
    for (const entry of logs) {
      try {
        handlers.log?.(entry);
      } catch {
        // Logging never breaks the machine.
      }
      notify({ type: 'log', entry, atMs: clock.now() });
    }
  };

  const emitLog = (entry: LogEntry): void => {
    pendingLogs.push(entry);
    if (!dispatching) flushLogs();
  };

  const run = (effect: StandbyEffect): void => {
    switch (effect.type) {
      case 'pull':
        runPull(effect);
        return;
      case 'schedulePull': {
        clearTimer();
        const gen = generation;
        // Never a delay Node would turn into 1 ms (a pull loop), whatever clock is injected.
        const delayMs = boundedTimerDelay(effect.delayMs);
        const entry = {
          handle: clock.setTimeout(() => {
            if (timer === entry) timer = null;
            if (gen === generation) dispatch({ type: 'tick', at: clock.now() });
          }, delayMs),
        };
        timer = entry;
        return;
      }
      case 'cancelScheduledPull':
        clearTimer();
        return;
      case 'cancelPull':
        pull?.controller.abort(new SyncError(ERR_ABORTED, 'pull cancelled'));
        return;
      case 'recordActivationIntent': {
        const record = handlers.recordActivationIntent?.bind(handlers);
        runStep(
          () => (record ? record(life.signal) : Promise.resolve()),
          () => dispatch({ type: 'intentRecorded', at: clock.now() }),
          (info, error) =>
            dispatchFailure({ type: 'intentFailed', error: info, at: clock.now() }, error),
        );
        return;
      }
      case 'takeOverOwnership': {
        const takeOver = handlers.takeOverOwnership?.bind(handlers);
        runStep(
          () => (takeOver ? takeOver(life.signal) : Promise.resolve({ previousOwner: null })),
          (result) =>
            dispatch({
              type: 'takeoverSucceeded',
              previousOwner: result.previousOwner,
              at: clock.now(),
            }),
          (info, error) =>
            dispatchFailure({ type: 'takeoverFailed', error: info, at: clock.now() }, error),
        );
        return;
      }
      case 'writeActivationMarker':
        runStep(
          () => handlers.writeMarker(life.signal),
          () => dispatch({ type: 'markerWritten', at: clock.now() }),
          (info, error) =>
            dispatchFailure({ type: 'markerFailed', error: info, at: clock.now() }, error),
        );
        return;
      case 'startEngine': {
        const controller = new AbortController();
        const request: StartEngineRequest = {
          mode: effect.mode,
          checkpointUuid: effect.checkpointUuid,
        };
        const started = call(() => handlers.startEngine(request, controller.signal));
        engine = { controller, started };
        runEngineCall(
          () => started,
          () => dispatch({ type: 'engineStarted', at: clock.now() }),
        );
        return;
      }
      case 'pauseEngine':
        if (handlers.pauseEngine) runEngineCall(handlers.pauseEngine.bind(handlers), null);
        return;
      case 'resumeEngine':
        if (handlers.resumeEngine) runEngineCall(handlers.resumeEngine.bind(handlers), null);
        return;
      case 'stopEngine': {
        const current = engine;
        engine = null;
        current?.controller.abort(new SyncError(ERR_ABORTED, 'engine start cancelled: stopping'));
        const stopEngine = handlers.stopEngine?.bind(handlers);
        void track(
          (async () => {
            // Let a start in flight finish (or give up) before stopping what it started.
            await current?.started.catch(() => undefined);
            if (stopEngine) await stopEngine();
          })().catch((error: unknown) => {
            emitLog({
              level: 'warn',
              message: `stopping the engine failed: ${errorInfo(error).message}`,
            });
          }),
        );
        return;
      }
      case 'log': {
        const { type: _type, ...entry } = effect;
        emitLog(entry);
        return;
      }
    }
  };

  const whenIdle = async (): Promise<void> => {
    // Public calls made from inside a listener wait for the current dispatch to finish.
    while (dispatching) await Promise.resolve();
  };

  return {
    get state() {
      return state;
    },

    async start(opts) {
      await whenIdle();
      const { initial, ...config } = opts;
      const outcome = dispatch({ type: 'start', initial, config, at: clock.now() }, () => {
        // A new incarnation: anything still settling from the previous one is dropped.
        generation++;
        life = new AbortController();
      });
      if (!outcome.accepted) throw rejection(outcome, 'start');
      await waitFor((s) => s.name === 'standby' || s.name === 'running' || s.name === 'paused');
    },

    async activate(mode = 'running') {
      await whenIdle();
      await this.requestActivate(mode).done;
    },

    requestActivate(mode = 'running') {
      if (dispatching) {
        throw new SyncError(
          ERR_STANDBY_INVALID_TRANSITION,
          'requestActivate was called from inside an effect handler',
          {
            hint: 'call it from outside the handler, or use activate(), which waits its turn',
          },
        );
      }
      const outcome = dispatch({ type: 'activate', mode, at: clock.now() });
      const done = outcome.accepted
        ? waitFor((s) => s.name === 'running' || s.name === 'paused')
        : Promise.reject(rejection(outcome, 'activate'));
      // Callers that only look at `outcome` must not cause an unhandled rejection.
      done.catch(() => undefined);
      return { outcome, done };
    },

    async pause() {
      await whenIdle();
      const outcome = dispatch({ type: 'pause', at: clock.now() });
      if (!outcome.accepted) throw rejection(outcome, 'pause');
    },

    async resume() {
      await whenIdle();
      const outcome = dispatch({ type: 'resume', at: clock.now() });
      if (!outcome.accepted) throw rejection(outcome, 'resume');
    },

    async stop() {
      await whenIdle();
      dispatch({ type: 'stop', at: clock.now() });
      generation++;
      life.abort(new SyncError(ERR_ABORTED, 'stopping'));
      clearTimer();
      pull?.controller.abort(new SyncError(ERR_ABORTED, 'pull cancelled: stopping'));
      while (tasks.size > 0) await Promise.allSettled([...tasks]);
    },

    snapshot() {
      const c = state.counters;
      const timeMs = c.lastPulled?.timeMs ?? null;
      return {
        state: state.name,
        runtimeStatus: runtimeStatusOf(state),
        activated: state.activated,
        pullInFlight: state.pullInFlight,
        totalPulls: c.totalPulls,
        failedPulls: c.failedPulls,
        consecutivePullFailures: c.consecutivePullFailures,
        lastPullStartedAtMs: c.lastPullStartedAtMs,
        lastPullAtMs: c.lastPullAtMs,
        lastPulledCheckpoint: c.lastPulled,
        checkpointAgeMs: timeMs === null ? null : Math.max(0, clock.now() - timeMs),
        lastPullError: c.lastPullError,
        runningFrom: state.runningFrom,
        failure: state.failure,
        tookOverFrom: state.tookOverFrom,
        machine: state,
      };
    },

    failureError() {
      return state.failure === null
        ? null
        : failureError({ ...state, name: 'failed' }, causeOf(state));
    },

    subscribe(listener) {
      listeners.add(listener);
      return () => {
        listeners.delete(listener);
      };
    },
  };
}
