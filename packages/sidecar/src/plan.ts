import { compareUuidv7, uuidv7TimeMs } from '@feldera-sync/checkpoint';
import { nextPeriodicDelay } from '@feldera-sync/sync';

/** How the sidecar pushes: `push_interval` (null: as soon as a checkpoint is complete) and retry pacing. */
export interface SidecarConfig {
  /** `push_interval` in milliseconds; null pushes every new complete checkpoint as soon as it can. */
  readonly pushIntervalMs: number | null;
  /** First retry delay after a failed push (default: the smaller of the interval and 5 s). */
  readonly retryBaseMs?: number | undefined;
  /** Longest retry delay (default: the larger of the interval and 5 min). */
  readonly retryCapMs?: number | undefined;
}

/** One catalog entry as a scan saw it: complete means its `state.json` and every file it needs are there. */
export interface ObservedCheckpoint {
  readonly uuid: string;
  readonly complete: boolean;
}

/** Counters for status and metrics. */
export interface SidecarCounters {
  readonly pushes: number;
  readonly pushFailures: number;
  readonly pinned: number;
  /** Checkpoints that vanished (engine GC) before they could be pinned: never chosen. */
  readonly pinFailures: number;
  /** Pinned checkpoints released unpushed because a newer one was pinned. */
  readonly superseded: number;
}

/** The planner's whole state: plain data. */
export interface SidecarState {
  readonly config: SidecarConfig;
  /** Pins held, oldest first (never more than the one being pushed and the newest). */
  readonly pins: readonly string[];
  readonly pinning: string | null;
  readonly pushing: string | null;
  /** Newest complete checkpoint considered for a pin (pinned, or vanished before it could be). */
  readonly newestSeen: string | null;
  /** Newest complete local checkpoint in the last scan. */
  readonly newestLocal: string | null;
  /** Newest checkpoint this sidecar pushed. */
  readonly lastPushed: string | null;
  readonly lastPushStartedAtMs: number | null;
  readonly lastPushSucceededAtMs: number | null;
  readonly consecutiveFailures: number;
  /** Earliest time of the next attempt after a failure. */
  readonly retryAtMs: number | null;
  /** When the runner must feed `tick` (a push is waiting for its interval or retry); null: no timer. */
  readonly wakeAtMs: number | null;
  readonly stopping: boolean;
  readonly counters: SidecarCounters;
}

/** What can happen to the sidecar; `at` is the clock reading. */
export type SidecarEvent =
  /** Pins a killed run left in the mirror: checkpoints it had chosen, pushed now. */
  | { readonly type: 'recovered'; readonly pins: readonly string[]; readonly at: number }
  /** A scan of the storage directory's catalog (entries newer than what was seen; any order). */
  | {
      readonly type: 'observed';
      readonly checkpoints: readonly ObservedCheckpoint[];
      readonly at: number;
    }
  | { readonly type: 'pinned'; readonly uuid: string; readonly at: number }
  | { readonly type: 'pinFailed'; readonly uuid: string; readonly at: number }
  | { readonly type: 'pushSucceeded'; readonly uuid: string; readonly at: number }
  /** `pinLost`: the pin's files are gone (the mirror was removed, e.g. by Feldera's startup GC). */
  | {
      readonly type: 'pushFailed';
      readonly uuid: string;
      readonly pinLost: boolean;
      readonly at: number;
    }
  | { readonly type: 'tick'; readonly at: number }
  | { readonly type: 'stop'; readonly at: number };

/** What the runner must do, in order. */
export type SidecarEffect =
  | { readonly type: 'pin'; readonly uuid: string }
  | { readonly type: 'unpin'; readonly uuid: string }
  | { readonly type: 'push'; readonly uuid: string };

/** The state of a fresh sidecar. */
export function initialSidecarState(config: SidecarConfig): SidecarState {
  return {
    config,
    pins: [],
    pinning: null,
    pushing: null,
    newestSeen: null,
    newestLocal: null,
    lastPushed: null,
    lastPushStartedAtMs: null,
    lastPushSucceededAtMs: null,
    consecutiveFailures: 0,
    retryAtMs: null,
    wakeAtMs: null,
    stopping: false,
    counters: { pushes: 0, pushFailures: 0, pinned: 0, pinFailures: 0, superseded: 0 },
  };
}

const newer = (a: string | null, b: string | null): boolean =>
  a !== null && (b === null || compareUuidv7(a, b) > 0);

const newestOf = (uuids: readonly string[]): string | null =>
  uuids.reduce<string | null>((best, u) => (newer(u, best) ? u : best), null);

const sorted = (uuids: Iterable<string>): string[] => [...new Set(uuids)].sort(compareUuidv7);

function count(s: SidecarState, key: keyof SidecarCounters, by = 1): SidecarCounters {
  return { ...s.counters, [key]: s.counters[key] + by };
}

/** Releases every pin but `keep` and the one being pushed; returns the state and unpin effects. */
function release(
  s: SidecarState,
  keep: (uuid: string) => boolean,
): { state: SidecarState; effects: SidecarEffect[] } {
  const gone = s.pins.filter((u) => !keep(u) && u !== s.pushing);
  if (gone.length === 0) return { state: s, effects: [] };
  return {
    state: { ...s, pins: s.pins.filter((u) => !gone.includes(u)) },
    effects: gone.map((uuid) => ({ type: 'unpin', uuid })),
  };
}

/** Starts the push of the newest pin when it is due; else sets when to look again. */
function maybePush(s: SidecarState, at: number): { state: SidecarState; effects: SidecarEffect[] } {
  if (s.stopping || s.pushing !== null) return { state: { ...s, wakeAtMs: null }, effects: [] };
  const target = newestOf(s.pins);
  if (target === null) return { state: { ...s, wakeAtMs: null }, effects: [] };
  const interval = s.config.pushIntervalMs;
  const intervalDue =
    interval === null || s.lastPushStartedAtMs === null ? at : s.lastPushStartedAtMs + interval;
  // After a failure the backoff decides (sooner than the interval, as the periodic pusher retries).
  const due = s.consecutiveFailures > 0 && s.retryAtMs !== null ? s.retryAtMs : intervalDue;
  if (at < due) return { state: { ...s, wakeAtMs: due }, effects: [] };
  return {
    state: { ...s, pushing: target, lastPushStartedAtMs: at, wakeAtMs: null },
    effects: [{ type: 'push', uuid: target }],
  };
}

/** Delay before retrying after `failures` consecutive failed pushes (the synchroniser's backoff). */
export function retryDelayMs(config: SidecarConfig, failures: number): number {
  return nextPeriodicDelay(
    {
      intervalMs: config.pushIntervalMs ?? 5_000,
      retryBaseMs: config.retryBaseMs,
      retryCapMs: config.retryCapMs,
    },
    failures,
  );
}

/**
 * The sidecar's decisions, pure: given successive catalog snapshots and the outcomes of pins and
 * pushes, what to pin, release and push. A new complete checkpoint is pinned at once (so the
 * engine's own GC can delete the originals); a newer pin releases older unpushed ones; the newest
 * pin is pushed every `push_interval` (or as soon as it is complete without one), and released as
 * soon as its push ends. Never two pushes at once, never a pin held past the push that needs it.
 */
export function sidecarTransition(
  s: SidecarState,
  event: SidecarEvent,
): readonly [SidecarState, readonly SidecarEffect[]] {
  switch (event.type) {
    case 'recovered': {
      const pins = sorted([...s.pins, ...event.pins]);
      const newest = newestOf(pins);
      const next = { ...s, pins, newestSeen: newer(newest, s.newestSeen) ? newest : s.newestSeen };
      // Only the newest of them is still worth a push.
      const old = release(next, (u) => u === newest);
      const push = maybePush(old.state, event.at);
      return [push.state, [...old.effects, ...push.effects]];
    }
    case 'observed': {
      const complete = event.checkpoints.filter((c) => c.complete).map((c) => c.uuid);
      const newest = newestOf(complete);
      let next: SidecarState = {
        ...s,
        newestLocal: newer(newest, s.newestLocal) ? newest : s.newestLocal,
      };
      const effects: SidecarEffect[] = [];
      if (
        !s.stopping &&
        s.pinning === null &&
        newest !== null &&
        newer(newest, s.newestSeen) &&
        newer(newest, s.lastPushed)
      ) {
        next = { ...next, pinning: newest, newestSeen: newest };
        effects.push({ type: 'pin', uuid: newest });
        return [next, effects];
      }
      const push = maybePush(next, event.at);
      return [push.state, push.effects];
    }
    case 'pinned': {
      if (s.pinning !== event.uuid) return [s, []];
      let next: SidecarState = {
        ...s,
        pinning: null,
        pins: sorted([...s.pins, event.uuid]),
        counters: count(s, 'pinned'),
      };
      if (next.stopping) {
        const all = release(next, () => false);
        return [all.state, all.effects];
      }
      const old = release(next, (u) => u === event.uuid);
      next = {
        ...old.state,
        counters: {
          ...old.state.counters,
          superseded: old.state.counters.superseded + old.effects.length,
        },
      };
      const push = maybePush(next, event.at);
      return [push.state, [...old.effects, ...push.effects]];
    }
    case 'pinFailed': {
      if (s.pinning !== event.uuid) return [s, []];
      const next = { ...s, pinning: null, counters: count(s, 'pinFailures') };
      const push = maybePush(next, event.at);
      return [push.state, push.effects];
    }
    case 'pushSucceeded': {
      if (s.pushing !== event.uuid) return [s, []];
      let next: SidecarState = {
        ...s,
        pushing: null,
        lastPushed: newer(event.uuid, s.lastPushed) ? event.uuid : s.lastPushed,
        lastPushSucceededAtMs: event.at,
        consecutiveFailures: 0,
        retryAtMs: null,
        counters: count(s, 'pushes'),
      };
      // Done with it, and with anything older; only a newer pin (waiting for its turn) stays.
      const done = release(next, (u) => !s.stopping && newer(u, event.uuid));
      next = done.state;
      const push = maybePush(next, event.at);
      return [push.state, [...done.effects, ...push.effects]];
    }
    case 'pushFailed': {
      if (s.pushing !== event.uuid) return [s, []];
      const failures = s.consecutiveFailures + 1;
      let next: SidecarState = {
        ...s,
        pushing: null,
        consecutiveFailures: failures,
        retryAtMs: event.at + retryDelayMs(s.config, failures),
        counters: count(s, 'pushFailures'),
      };
      // Keep the failed pin for the retry unless it is lost, superseded or we are stopping.
      const supersededBy = s.pins.some((u) => newer(u, event.uuid));
      const drop = event.pinLost || supersededBy || s.stopping;
      const out = release(next, (u) => u !== event.uuid || !drop);
      next = out.state;
      const push = maybePush(next, event.at);
      return [push.state, [...out.effects, ...push.effects]];
    }
    case 'tick': {
      const push = maybePush(s, event.at);
      return [push.state, push.effects];
    }
    case 'stop': {
      if (s.stopping) return [s, []];
      const out = release({ ...s, stopping: true, wakeAtMs: null }, () => false);
      return [out.state, out.effects];
    }
  }
}

function uuidTimeMs(uuid: string | null): number | null {
  return uuid === null ? null : uuidv7TimeMs(uuid);
}

/** What status and metrics report, derived from the state at `now` (pure). */
export interface SidecarView {
  lastPushed: string | null;
  /** now minus the last pushed checkpoint's UUIDv7 time, in seconds; null before the first push. */
  lastPushedAgeSeconds: number | null;
  lastPushedTimeMs: number | null;
  newestLocal: string | null;
  newestLocalTimeMs: number | null;
  /** How far the bucket is behind local storage: newest local time minus last pushed time (0 when level; null before both are known). */
  lagSeconds: number | null;
  pushing: string | null;
  pins: readonly string[];
  consecutiveFailures: number;
  counters: SidecarCounters;
}

/** The view of `s` at `now`. */
export function sidecarView(s: SidecarState, now: number): SidecarView {
  const pushedMs = uuidTimeMs(s.lastPushed);
  const localMs = uuidTimeMs(s.newestLocal);
  return {
    lastPushed: s.lastPushed,
    lastPushedTimeMs: pushedMs,
    lastPushedAgeSeconds: pushedMs === null ? null : Math.max(0, (now - pushedMs) / 1000),
    newestLocal: s.newestLocal,
    newestLocalTimeMs: localMs,
    lagSeconds:
      localMs === null || pushedMs === null ? null : Math.max(0, (localMs - pushedMs) / 1000),
    pushing: s.pushing,
    pins: s.pins,
    consecutiveFailures: s.consecutiveFailures,
    counters: s.counters,
  };
}
