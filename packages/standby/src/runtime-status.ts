import type { StandbyState } from './standby-state.js';

/** Feldera's `runtime_status` values this machine can be in. */
export type RuntimeStatus =
  'Initializing' | 'Standby' | 'Running' | 'Paused' | 'Stopped' | 'Failed';

/** Maps a machine state to Feldera's `runtime_status`; activation reports Initializing, not Standby. */
export function runtimeStatusOf(state: Pick<StandbyState, 'name'>): RuntimeStatus {
  switch (state.name) {
    case 'stopped':
      return 'Stopped';
    case 'starting':
    case 'restoring':
    case 'activating':
      return 'Initializing';
    case 'standby':
      return 'Standby';
    case 'running':
      return 'Running';
    case 'paused':
      return 'Paused';
    case 'failed':
      return 'Failed';
  }
}
