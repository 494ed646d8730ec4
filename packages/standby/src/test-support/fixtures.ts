import type { StandbyEvent } from '../standby-event.js';
import type { InitialMode, StandbyStartConfig, StandbyState } from '../standby-state.js';
import { initialStandbyState } from '../standby-state.js';
import { transition } from '../transition.js';

/** A UUIDv7 whose timestamp is `ms` (random bits fixed by `n`). */
export function uuidV7At(ms: number, n = 0): string {
  const hex = ms.toString(16).padStart(12, '0');
  const tail = n.toString(16).padStart(12, '0');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-7000-8000-${tail}`;
}

export const CP1 = uuidV7At(1_700_000_000_000, 1);
export const CP2 = uuidV7At(1_700_000_010_000, 2);

export const standbyConfig: StandbyStartConfig = {
  startFromCheckpoint: 'latest',
  pullIntervalMs: 10_000,
  failIfNoCheckpoint: false,
  activatedMarkerPresent: false,
};

export function start(
  initial: InitialMode,
  config: Partial<StandbyStartConfig> = {},
  at = 0,
): StandbyEvent {
  return { type: 'start', initial, config: { ...standbyConfig, ...config }, at };
}

export const ok = (uuid: string | null = CP1) => ({
  checkpointUuid: uuid,
  checkpointTimeMs: uuid === null ? null : 0,
});
export const boom = { message: 'SignatureDoesNotMatch', code: 'ERR_RCLONE_AUTH' };

/** Applies events in order from `from`, returning the final state. */
export function run(
  events: readonly StandbyEvent[],
  from: StandbyState = initialStandbyState(),
): StandbyState {
  return events.reduce<StandbyState>((s, e) => transition(s, e)[0], from);
}

const S = start('standby');

/** Named, reachable states (built through real transitions, not by hand). */
export const FIXTURES: Record<string, StandbyState> = {
  fresh: initialStandbyState(),
  'standby/pulling': run([S]),
  'standby/idle': run([S, { type: 'pullSucceeded', result: ok(), at: 100 }]),
  'activating/awaitingPull': run([S, { type: 'activate', mode: 'running', at: 50 }]),
  'activating/finalPull': run([
    S,
    { type: 'pullSucceeded', result: ok(), at: 100 },
    { type: 'activate', mode: 'running', at: 200 },
  ]),
  'activating/recordingIntent': run([
    S,
    { type: 'pullSucceeded', result: ok(), at: 100 },
    { type: 'activate', mode: 'running', at: 200 },
    { type: 'finalPullSucceeded', result: ok(CP2), at: 300 },
  ]),
  'activating/takingOver': run([
    S,
    { type: 'pullSucceeded', result: ok(), at: 100 },
    { type: 'activate', mode: 'running', at: 200 },
    { type: 'finalPullSucceeded', result: ok(CP2), at: 300 },
    { type: 'intentRecorded', at: 302 },
  ]),
  'activating/writingMarker': run([
    S,
    { type: 'pullSucceeded', result: ok(), at: 100 },
    { type: 'activate', mode: 'running', at: 200 },
    { type: 'finalPullSucceeded', result: ok(CP2), at: 300 },
    { type: 'intentRecorded', at: 302 },
    { type: 'takeoverSucceeded', previousOwner: 'pipeline-primary', at: 304 },
  ]),
  'activating/startingEngine': run([
    S,
    { type: 'pullSucceeded', result: ok(), at: 100 },
    { type: 'activate', mode: 'paused', at: 200 },
    { type: 'finalPullSucceeded', result: ok(CP2), at: 300 },
    { type: 'intentRecorded', at: 302 },
    { type: 'takeoverSucceeded', previousOwner: 'pipeline-primary', at: 304 },
    { type: 'markerWritten', at: 310 },
  ]),
  'activating/rollForward': run([start('standby', { activationIntentPresent: true })]),
  'activating/rollForwardMarker': run([
    start('standby', { activationIntentPresent: true }),
    { type: 'takeoverSucceeded', previousOwner: null, at: 5 },
  ]),
  'restoring/plain': run([start('running')]),
  'restoring/auto': run([start('standby', { activatedMarkerPresent: true })]),
  'starting/plain': run([start('running', { startFromCheckpoint: null })]),
  'starting/auto': run([
    start('standby', { activatedMarkerPresent: true }),
    { type: 'restoreSucceeded', result: ok(), at: 10 },
  ]),
  running: run([
    start('running', { startFromCheckpoint: null }),
    { type: 'engineStarted', at: 10 },
  ]),
  paused: run([start('paused', { startFromCheckpoint: null }), { type: 'engineStarted', at: 10 }]),
  'failed/finalPull': run([
    S,
    { type: 'pullSucceeded', result: ok(), at: 100 },
    { type: 'activate', mode: 'running', at: 200 },
    { type: 'finalPullFailed', error: boom, at: 300 },
  ]),
  'stopped/afterRun': run([
    start('running', { startFromCheckpoint: null }),
    { type: 'engineStarted', at: 10 },
    { type: 'stop', at: 20 },
  ]),
};

/** One or more sample events of every type. */
export const SAMPLE_EVENTS: readonly StandbyEvent[] = [
  start('standby'),
  start('running'),
  start('paused', { startFromCheckpoint: null }),
  start('standby', { startFromCheckpoint: null }),
  start('standby', { activatedMarkerPresent: true }),
  start('standby', {
    activatedMarkerPresent: true,
    hasLocalCheckpoint: false,
    failIfNoCheckpoint: true,
  }),
  { type: 'tick', at: 10_000 },
  { type: 'pullSucceeded', result: ok(), at: 1_000 },
  { type: 'pullSucceeded', result: ok(null), at: 1_000 },
  { type: 'pullFailed', error: boom, at: 1_000 },
  { type: 'activate', mode: 'running', at: 1_000 },
  { type: 'activate', mode: 'paused', at: 1_000 },
  { type: 'finalPullSucceeded', result: ok(CP2), at: 1_000 },
  { type: 'finalPullSucceeded', result: ok(null), at: 1_000 },
  { type: 'finalPullFailed', error: boom, at: 1_000 },
  { type: 'restoreSucceeded', result: ok(), at: 1_000 },
  { type: 'restoreSucceeded', result: ok(null), at: 1_000 },
  { type: 'restoreFailed', error: boom, at: 1_000 },
  start('standby', { activationIntentPresent: true }),
  start('running', { activationIntentPresent: true }),
  { type: 'intentRecorded', at: 1_000 },
  { type: 'intentFailed', error: { message: 'disk full' }, at: 1_000 },
  { type: 'takeoverSucceeded', previousOwner: 'pipeline-primary', at: 1_000 },
  { type: 'takeoverSucceeded', previousOwner: null, at: 1_000 },
  { type: 'takeoverFailed', error: { message: 'denied', code: 'ERR_STORE_AUTH' }, at: 1_000 },
  { type: 'markerWritten', at: 1_000 },
  { type: 'markerFailed', error: { message: 'disk full' }, at: 1_000 },
  { type: 'engineStarted', at: 1_000 },
  { type: 'engineFailed', error: { message: 'panic' }, at: 1_000 },
  { type: 'pause', at: 1_000 },
  { type: 'resume', at: 1_000 },
  { type: 'stop', at: 1_000 },
];
