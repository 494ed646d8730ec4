import { describe, expect, it } from 'vitest';
import { runtimeStatusOf } from './runtime-status.js';
import { STANDBY_STATE_NAMES } from './standby-state.js';

describe('runtimeStatusOf', () => {
  it('maps every state to a Feldera runtime_status', () => {
    expect(
      Object.fromEntries(STANDBY_STATE_NAMES.map((name) => [name, runtimeStatusOf({ name })])),
    ).toEqual({
      stopped: 'Stopped',
      starting: 'Initializing',
      restoring: 'Initializing',
      standby: 'Standby',
      activating: 'Initializing',
      running: 'Running',
      paused: 'Paused',
      failed: 'Failed',
    });
  });
});
