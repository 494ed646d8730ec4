import { SimulatedClock } from '@feldera-sync/clock';
import type {
  PullHandlerResult,
  PullRequest,
  StandbyHandlers,
  StandbyRunner,
  StartEngineRequest,
  TakeoverResult,
} from '../standby-runner.js';
import { createStandbyRunner } from '../standby-runner.js';
import type { LogEntry } from '../standby-effect.js';

/** A recorded pull: what was asked, when it started and ended, whether it was aborted. */
export interface PullCall {
  readonly request: PullRequest;
  readonly startedAt: number;
  endedAt: number | null;
  aborted: boolean;
}

export interface HarnessOptions {
  /** How long each pull takes in simulated ms (per call index). */
  pullMs?: (index: number, request: PullRequest) => number;
  /** The outcome of each pull (per call index); throw to fail it. */
  pullResult?: (index: number, request: PullRequest) => PullHandlerResult;
  startEngine?: (request: StartEngineRequest) => Promise<void>;
  writeMarker?: () => Promise<void>;
  recordActivationIntent?: () => Promise<void>;
  takeOverOwnership?: () => Promise<TakeoverResult>;
  startMs?: number;
}

/** A runner on a simulated clock with recording fake handlers. */
export interface Harness {
  readonly clock: SimulatedClock;
  readonly runner: StandbyRunner;
  readonly pulls: PullCall[];
  readonly engineStarts: (StartEngineRequest & { at: number })[];
  readonly markers: number[];
  /** Activation steps in the order the handlers ran: intent, takeover, marker. */
  readonly steps: string[];
  readonly logs: LogEntry[];
  readonly engineStops: number[];
  maxConcurrentPulls: number;
}

export function createHarness(options: HarnessOptions = {}): Harness {
  const clock = new SimulatedClock(options.startMs ?? 0);
  const pulls: PullCall[] = [];
  const engineStarts: (StartEngineRequest & { at: number })[] = [];
  const markers: number[] = [];
  const steps: string[] = [];
  const logs: LogEntry[] = [];
  const engineStops: number[] = [];
  let active = 0;
  const h: Harness = {
    clock,
    runner: undefined as unknown as StandbyRunner,
    pulls,
    engineStarts,
    markers,
    steps,
    logs,
    engineStops,
    maxConcurrentPulls: 0,
  };
  const handlers: StandbyHandlers = {
    async pull(request, signal) {
      const index = pulls.length;
      const call: PullCall = { request, startedAt: clock.now(), endedAt: null, aborted: false };
      pulls.push(call);
      active++;
      h.maxConcurrentPulls = Math.max(h.maxConcurrentPulls, active);
      try {
        await clock.sleep(options.pullMs?.(index, request) ?? 1_000, signal);
        return options.pullResult?.(index, request) ?? { checkpointUuid: null };
      } catch (error) {
        call.aborted = signal.aborted;
        throw error;
      } finally {
        active--;
        call.endedAt = clock.now();
      }
    },
    async startEngine(request) {
      engineStarts.push({ ...request, at: clock.now() });
      await options.startEngine?.(request);
    },
    async writeMarker() {
      markers.push(clock.now());
      steps.push('marker');
      await options.writeMarker?.();
    },
    async recordActivationIntent() {
      steps.push('intent');
      await options.recordActivationIntent?.();
    },
    async takeOverOwnership() {
      steps.push('takeover');
      return (await options.takeOverOwnership?.()) ?? { previousOwner: null };
    },
    log: (entry) => logs.push(entry),
    stopEngine: () => {
      engineStops.push(clock.now());
      return Promise.resolve();
    },
  };
  (h as { runner: StandbyRunner }).runner = createStandbyRunner({ clock, handlers });
  return h;
}
