import { describe, expect, it } from 'vitest';
import { STANDBY_STATE_NAMES } from '@feldera-sync/standby';
import type { StandbyStateName } from '@feldera-sync/standby';
import { deploymentFields, pipelineId, programFields } from '../src/feldera-view.js';
import type { DeploymentInput, RunView } from '../src/feldera-view.js';

// The value sets of Feldera's Python client (python/feldera/enums.py): every status the server
// reports must be a member, or the client's `from_str` raises.
const PIPELINE_STATUS = [
  'NOT_FOUND',
  'STOPPED',
  'PROVISIONING',
  'UNAVAILABLE',
  'STANDBY',
  'AWAITINGAPPROVAL',
  'INITIALIZING',
  'BOOTSTRAPPING',
  'REPLAYING',
  'PAUSED',
  'RUNNING',
  'SUSPENDED',
  'STOPPING',
  'CONCURRENTBOOTSTRAPPING',
  'SYNCHRONIZING',
];
const DESIRED_STATUS = ['STOPPED', 'UNAVAILABLE', 'STANDBY', 'PAUSED', 'RUNNING', 'SUSPENDED'];
const RESOURCES_STATUS = ['STOPPED', 'PROVISIONING', 'PROVISIONED', 'STOPPING'];
const RESOURCES_DESIRED = ['STOPPED', 'PROVISIONED'];
const RUNTIME_STATUS = [
  'UNAVAILABLE',
  'STANDBY',
  'AWAITINGAPPROVAL',
  'INITIALIZING',
  'BOOTSTRAPPING',
  'REPLAYING',
  'PAUSED',
  'RUNNING',
  'SUSPENDED',
  'CONCURRENTBOOTSTRAPPING',
  'SYNCHRONIZING',
];
const RUNTIME_DESIRED = ['UNAVAILABLE', 'STANDBY', 'PAUSED', 'RUNNING', 'SUSPENDED'];
const STORAGE_STATUS = ['CLEARED', 'INUSE', 'CLEARING'];

/** The client's `Enum.from_str`: a case-insensitive match on the member name. */
function fromStr(members: string[], value: string): string {
  const hit = members.find((m) => m.toLowerCase() === value.toLowerCase());
  if (!hit) throw new Error(`Unknown value '${value}'`);
  return hit;
}

const T0 = Date.parse('2026-01-01T00:00:00.000Z');

function run(overrides: Partial<RunView> = {}): RunView {
  return {
    state: 'running',
    stopping: false,
    failed: false,
    initial: 'running',
    desired: 'Running',
    incarnation: '11111111-1111-4111-8111-111111111111',
    stateSinceMs: T0 + 5000,
    desiredSinceMs: T0 + 1000,
    bootstrap: {
      bootstrap_policy: 'await_approval',
      silent_bootstrap: false,
      concurrent_bootstrap: false,
    },
    ...overrides,
  };
}

function input(overrides: Partial<DeploymentInput> = {}): DeploymentInput {
  return { run: null, error: null, storageInUse: false, stoppedSinceMs: T0, ...overrides };
}

describe('deploymentFields', () => {
  it('reports a never-started pipeline as Feldera reports a stopped, cleared one', () => {
    expect(deploymentFields(input())).toMatchObject({
      deployment_status: 'Stopped',
      deployment_desired_status: 'Stopped',
      deployment_resources_status: 'Stopped',
      deployment_resources_desired_status: 'Stopped',
      deployment_runtime_status: null,
      deployment_runtime_desired_status: null,
      deployment_error: null,
      deployment_id: null,
      deployment_initial: null,
      storage_status: 'Cleared',
      deployment_status_since: '2026-01-01T00:00:00.000Z',
    });
    expect(deploymentFields(input({ storageInUse: true })).storage_status).toBe('InUse');
  });

  it.each<[StandbyStateName, string | null]>([
    ['starting', 'Initializing'],
    ['restoring', 'Initializing'],
    ['activating', 'Initializing'],
    ['standby', 'Standby'],
    ['running', 'Running'],
    ['paused', 'Paused'],
    ['stopped', 'Stopped'],
    ['failed', 'Stopped'],
  ])('maps the run state %s to deployment_status %s', (state, expected) => {
    const fields = deploymentFields(input({ run: run({ state }) }));
    expect(fields.deployment_status).toBe(expected);
  });

  it('answers only values the Python client parses, for every state, failure and stop', () => {
    for (const state of STANDBY_STATE_NAMES) {
      for (const failed of [false, true]) {
        for (const stopping of [false, true]) {
          for (const desired of ['Running', 'Paused', 'Standby', 'Stopped'] as const) {
            const f = deploymentFields(
              input({ run: run({ state, failed, stopping, desired }), storageInUse: true }),
            );
            fromStr(PIPELINE_STATUS, f.deployment_status);
            fromStr(DESIRED_STATUS, f.deployment_desired_status);
            fromStr(RESOURCES_STATUS, f.deployment_resources_status);
            fromStr(RESOURCES_DESIRED, f.deployment_resources_desired_status);
            fromStr(STORAGE_STATUS, f.storage_status);
            if (f.deployment_runtime_status !== null)
              fromStr(RUNTIME_STATUS, f.deployment_runtime_status);
            if (f.deployment_runtime_desired_status !== null)
              fromStr(RUNTIME_DESIRED, f.deployment_runtime_desired_status);
            // Provisioned exactly when a runtime status is reported, as in Feldera's CombinedStatus.
            expect(f.deployment_runtime_status !== null).toBe(
              f.deployment_resources_status === 'Provisioned',
            );
          }
        }
      }
    }
  });

  it('shows a failed run as stopped, desired stopped, with the error: what the client raises on', () => {
    const error = {
      message: "checkpoint 'x' not found",
      error_code: 'CheckpointNotFound',
      details: null,
    };
    const f = deploymentFields(input({ run: run({ state: 'failed', failed: true }), error }));
    expect(f).toMatchObject({
      deployment_status: 'Stopped',
      deployment_desired_status: 'Stopped',
      deployment_error: error,
      deployment_runtime_status: null,
    });
    // A failure seen while the machine has not left its start state yet reads the same.
    expect(
      deploymentFields(input({ run: run({ state: 'restoring', failed: true }), error })),
    ).toMatchObject({ deployment_status: 'Stopped', deployment_desired_status: 'Stopped' });
  });

  it('reports a running run as provisioned with its incarnation, initial and bootstrap policy', () => {
    const f = deploymentFields(
      input({ run: run({ state: 'standby', initial: 'standby', desired: 'Standby' }) }),
    );
    expect(f).toMatchObject({
      deployment_status: 'Standby',
      deployment_desired_status: 'Standby',
      deployment_resources_status: 'Provisioned',
      deployment_resources_desired_status: 'Provisioned',
      deployment_runtime_status: 'Standby',
      deployment_runtime_desired_status: 'Standby',
      deployment_id: '11111111-1111-4111-8111-111111111111',
      deployment_initial: 'Standby',
      storage_status: 'InUse',
      bootstrap_policy: 'await_approval',
      deployment_status_since: '2026-01-01T00:00:05.000Z',
      deployment_desired_status_since: '2026-01-01T00:00:01.000Z',
    });
    const activating = deploymentFields(
      input({ run: run({ state: 'activating', initial: 'standby', desired: 'Running' }) }),
    );
    expect(activating).toMatchObject({
      deployment_status: 'Initializing',
      deployment_desired_status: 'Running',
    });
  });

  it('reports a stop in progress as Stopping, desired Stopped', () => {
    const f = deploymentFields(input({ run: run({ stopping: true, desired: 'Stopped' }) }));
    expect(f).toMatchObject({
      deployment_status: 'Stopping',
      deployment_desired_status: 'Stopped',
      deployment_resources_status: 'Stopping',
      deployment_runtime_status: null,
      storage_status: 'InUse',
    });
  });

  it('keeps an undismissed error on a stopped pipeline', () => {
    const error = { message: 'boom', error_code: 'InternalError', details: null };
    const f = deploymentFields(
      input({ run: run({ state: 'stopped', desired: 'Stopped' }), error }),
    );
    expect(f).toMatchObject({ deployment_status: 'Stopped', deployment_error: error });
  });
});

describe('programFields', () => {
  it('reports the program as compiled, with an empty schema the client can walk', () => {
    const f = programFields({
      program_code: 'CREATE TABLE t (x INT);',
      udf_rust: '',
      udf_toml: '',
      program_config: { profile: 'optimized' },
      program_version: 3,
      program_since: '2026-01-01T00:00:00.000Z',
    });
    expect(f.program_status).toBe('Success');
    expect(f.program_version).toBe(3);
    expect(f.program_code).toBe('CREATE TABLE t (x INT);');
    // Pipeline.from_dict iterates program_info.schema.inputs and .outputs.
    expect(f.program_info.schema).toEqual({ inputs: [], outputs: [] });
    // Pipeline.errors() reports every program_error entry whose exit_code is not 0.
    for (const value of Object.values(f.program_error)) {
      if (value && typeof value === 'object') expect(value).toMatchObject({ exit_code: 0 });
    }
  });
});

describe('pipelineId', () => {
  it('is the UUID of the system name, so `pipeline-<id>` is the system name', () => {
    expect(pipelineId('pipeline-0190a1b2-0000-7000-8000-000000000000')).toBe(
      '0190a1b2-0000-7000-8000-000000000000',
    );
  });
});
