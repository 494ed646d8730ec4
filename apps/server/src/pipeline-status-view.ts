import type { SyncError } from '@feldera-sync/errors';
import { runtimeStatusOf } from '@feldera-sync/standby';
import type { StandbySnapshot, StandbyStateName } from '@feldera-sync/standby';
import type { RunView } from './feldera-view.js';
import type { PipelineStatus, RuntimeStatus } from './pipeline-service.js';
import type { RestoredFrom } from './restore-origin.js';

/** What one run knows of itself that its status answers are made from. */
export interface RunFacts {
  state: StandbyStateName;
  desired: RuntimeStatus;
  startError: SyncError | null;
  /** The failure was dismissed (`/dismiss_error`). */
  errorDismissed: boolean;
}

/** Whether a run ended in failure (and was not stopped or dismissed since). */
export function runFailedNow(facts: RunFacts): boolean {
  if (facts.desired === 'Stopped' && facts.state === 'stopped') return false;
  return facts.state === 'failed' || (facts.startError !== null && facts.state !== 'running');
}

/** The run as the Feldera view of the pipeline needs it (its deployment fields). */
export function runViewOf(
  facts: RunFacts,
  run: Omit<RunView, 'state' | 'failed' | 'desired'>,
): RunView {
  const failedNow = runFailedNow(facts);
  const failed = !facts.errorDismissed && failedNow;
  const dismissedFailure = facts.errorDismissed && failedNow;
  return {
    ...run,
    state: dismissedFailure ? 'stopped' : facts.state,
    failed,
    desired:
      failed || dismissedFailure
        ? 'Stopped'
        : facts.desired === 'Stopped'
          ? 'Stopped'
          : facts.desired === 'Standby' || facts.desired === 'Paused'
            ? facts.desired
            : 'Running',
  };
}

/** The status answer's runtime part, from the run's facts and the standby runner's snapshot. */
export function pipelineStatusOf(
  base: { name: string; system_name: string },
  facts: RunFacts,
  run: {
    snap: StandbySnapshot;
    incarnation: string;
    engine: { step: number; processed_records: number } | null;
    restoredFrom: RestoredFrom | null;
  },
  now: number,
): PipelineStatus {
  const { snap } = run;
  // Stopped on request: Stopped, whatever the start did before (a failed start used to stay
  // Failed after POST /stop, so waiting for Stopped never ended).
  const stoppedOnRequest =
    (facts.desired === 'Stopped' && snap.state === 'stopped') ||
    (facts.errorDismissed && runFailedNow(facts));
  const failure = stoppedOnRequest
    ? null
    : (snap.failure ??
      (facts.startError
        ? { code: facts.startError.code, message: facts.startError.message }
        : null));
  const runtime = stoppedOnRequest
    ? 'Stopped'
    : facts.startError && snap.state !== 'running'
      ? 'Failed'
      : runtimeStatusOf(snap.machine);
  const standbyLike =
    snap.state === 'standby' || snap.state === 'activating' || snap.totalPulls > 0;
  return {
    ...base,
    runtime_status: runtime,
    runtime_desired_status: facts.desired,
    incarnation_uuid: run.incarnation,
    error: failure ? { message: failure.message, error_code: failure.code } : null,
    standby: standbyLike
      ? {
          last_pull_at:
            snap.lastPullAtMs === null ? null : new Date(snap.lastPullAtMs).toISOString(),
          last_pulled_checkpoint: snap.lastPulledCheckpoint?.uuid ?? null,
          last_pulled_checkpoint_age_secs:
            snap.lastPulledCheckpoint?.timeMs == null
              ? null
              : Math.max(0, (now - snap.lastPulledCheckpoint.timeMs) / 1000),
          consecutive_pull_failures: snap.consecutivePullFailures,
          last_pull_error: snap.lastPullError?.message ?? null,
        }
      : null,
    restored_from: run.restoredFrom,
    took_over_from: snap.tookOverFrom,
    processed_records: run.engine?.processed_records ?? null,
    steps: run.engine?.step ?? null,
  };
}
