/**
 * The fields of Feldera's pipeline object (`PipelineSelectedInfo` in
 * `crates/pipeline-manager/src/api/endpoints/pipeline_management.rs`) computed from what this
 * server knows: the definition and the current run. Pure, so every mapping is unit-tested.
 */
import type { InitialMode, StandbyStateName } from '@feldera-sync/standby';
import { runtimeStatusOf } from '@feldera-sync/standby';

/** Feldera's `CombinedStatus` values this server reports (`db/types/combined_status.rs`). */
export type DeploymentStatus =
  'Stopped' | 'Initializing' | 'Standby' | 'Paused' | 'Running' | 'Stopping';

/** Feldera's `CombinedDesiredStatus` values this server reports. */
export type DeploymentDesiredStatus = 'Stopped' | 'Standby' | 'Paused' | 'Running';

/** Feldera's `ResourcesStatus` values this server reports (`db/types/resources_status.rs`). */
export type ResourcesStatus = 'Stopped' | 'Provisioned' | 'Stopping';

/** Feldera's `RuntimeStatus` values this server reports (`feldera-types/src/runtime_status.rs`). */
export type DeploymentRuntimeStatus = 'Standby' | 'Initializing' | 'Paused' | 'Running';

/** Feldera's `RuntimeDesiredStatus` values this server reports. */
export type DeploymentRuntimeDesiredStatus = 'Standby' | 'Paused' | 'Running';

/** Feldera's `BootstrapPolicy` (snake_case on the wire). */
export type BootstrapPolicy = 'allow' | 'reject' | 'await_approval';

/** Feldera's `StorageStatus` values this server reports (`db/types/storage.rs`). */
export type StorageStatus = 'Cleared' | 'InUse';

/** Feldera's `ErrorResponse`: the shape of `deployment_error`. */
export interface DeploymentError {
  message: string;
  error_code: string;
  details: Record<string, unknown> | null;
}

/** The start parameters Feldera records with a deployment (`BootstrapConfig`). */
export interface BootstrapConfig {
  bootstrap_policy: BootstrapPolicy | null;
  silent_bootstrap: boolean;
  concurrent_bootstrap: boolean;
}

/** What the view needs of one run (incarnation) of a pipeline. */
export interface RunView {
  state: StandbyStateName;
  /** A stop request is in progress. */
  stopping: boolean;
  /** The run ended in failure (failed start, failed activation, failed engine). */
  failed: boolean;
  initial: InitialMode;
  desired: DeploymentRuntimeDesiredStatus | 'Stopped';
  incarnation: string;
  stateSinceMs: number;
  desiredSinceMs: number;
  bootstrap: BootstrapConfig;
}

/** Everything `deploymentFields` maps. */
export interface DeploymentInput {
  /** The current (or last) run; null when the pipeline was never started by this server process. */
  run: RunView | null;
  /** The deployment error not yet dismissed. */
  error: DeploymentError | null;
  /** Whether the pipeline's storage directory is bound (exists or a run is active). */
  storageInUse: boolean;
  /** Since when the pipeline is stopped, when there is no run. */
  stoppedSinceMs: number;
}

/** The deployment part of Feldera's pipeline object. */
export interface DeploymentFields {
  deployment_status: DeploymentStatus;
  deployment_status_since: string;
  deployment_desired_status: DeploymentDesiredStatus;
  deployment_desired_status_since: string;
  deployment_error: DeploymentError | null;
  deployment_id: string | null;
  deployment_initial: 'Standby' | 'Paused' | 'Running' | null;
  deployment_resources_status: ResourcesStatus;
  deployment_resources_status_since: string;
  deployment_resources_desired_status: 'Stopped' | 'Provisioned';
  deployment_resources_desired_status_since: string;
  deployment_runtime_status: DeploymentRuntimeStatus | null;
  deployment_runtime_status_details: Record<string, unknown> | null;
  deployment_runtime_status_since: string | null;
  deployment_runtime_desired_status: DeploymentRuntimeDesiredStatus | null;
  deployment_runtime_desired_status_since: string | null;
  storage_status: StorageStatus;
  storage_status_details: null;
  bootstrap_policy: BootstrapPolicy | null;
  silent_bootstrap: boolean;
  concurrent_bootstrap: boolean;
}

const iso = (ms: number): string => new Date(ms).toISOString();

/** The runtime status of a provisioned run (the machine's, as `runtimeStatusOf` maps it); null when the run is not provisioned. */
function provisionedStatus(state: StandbyStateName): DeploymentRuntimeStatus | null {
  if (state === 'stopped' || state === 'failed') return null;
  return runtimeStatusOf({ name: state }) as DeploymentRuntimeStatus;
}

const INITIAL_NAMES = { running: 'Running', paused: 'Paused', standby: 'Standby' } as const;

/**
 * Maps a run to Feldera's deployment fields. A failed run shows as Feldera shows it: stopped,
 * desired stopped, `deployment_error` set (the Python client's wait loops raise on exactly that).
 */
export function deploymentFields(input: DeploymentInput): DeploymentFields {
  const { run } = input;
  const storage_status: StorageStatus = input.storageInUse ? 'InUse' : 'Cleared';
  const runtime = run && !run.failed && !run.stopping ? provisionedStatus(run.state) : null;
  const stopped = {
    deployment_id: null,
    deployment_initial: null,
    deployment_runtime_status: null,
    deployment_runtime_status_details: null,
    deployment_runtime_status_since: null,
    deployment_runtime_desired_status: null,
    deployment_runtime_desired_status_since: null,
    bootstrap_policy: null,
    silent_bootstrap: false,
    concurrent_bootstrap: false,
  } as const;
  if (!run || (runtime === null && !run.stopping)) {
    const since = iso(run ? run.stateSinceMs : input.stoppedSinceMs);
    return {
      deployment_status: 'Stopped',
      deployment_status_since: since,
      deployment_desired_status: 'Stopped',
      deployment_desired_status_since: since,
      deployment_error: input.error,
      deployment_resources_status: 'Stopped',
      deployment_resources_status_since: since,
      deployment_resources_desired_status: 'Stopped',
      deployment_resources_desired_status_since: since,
      storage_status,
      storage_status_details: null,
      ...stopped,
    };
  }
  const since = iso(run.stateSinceMs);
  const desiredSince = iso(run.desiredSinceMs);
  if (run.stopping || runtime === null) {
    return {
      deployment_status: 'Stopping',
      deployment_status_since: since,
      deployment_desired_status: 'Stopped',
      deployment_desired_status_since: desiredSince,
      deployment_error: input.error,
      deployment_resources_status: 'Stopping',
      deployment_resources_status_since: since,
      deployment_resources_desired_status: 'Stopped',
      deployment_resources_desired_status_since: desiredSince,
      storage_status: 'InUse',
      storage_status_details: null,
      ...stopped,
      deployment_id: run.incarnation,
    };
  }
  const desired: DeploymentRuntimeDesiredStatus =
    run.desired === 'Stopped' ? INITIAL_NAMES[run.initial] : run.desired;
  return {
    deployment_status: runtime,
    deployment_status_since: since,
    deployment_desired_status: desired,
    deployment_desired_status_since: desiredSince,
    deployment_error: input.error,
    deployment_id: run.incarnation,
    deployment_initial: INITIAL_NAMES[run.initial],
    deployment_resources_status: 'Provisioned',
    deployment_resources_status_since: since,
    deployment_resources_desired_status: 'Provisioned',
    deployment_resources_desired_status_since: desiredSince,
    deployment_runtime_status: runtime,
    deployment_runtime_status_details: {},
    deployment_runtime_status_since: since,
    deployment_runtime_desired_status: desired,
    deployment_runtime_desired_status_since: desiredSince,
    storage_status: 'InUse',
    storage_status_details: null,
    bootstrap_policy: run.bootstrap.bootstrap_policy,
    silent_bootstrap: run.bootstrap.silent_bootstrap,
    concurrent_bootstrap: run.bootstrap.concurrent_bootstrap,
  };
}

/** What the program fields are computed from. */
export interface ProgramInput {
  program_code: string;
  udf_rust: string;
  udf_toml: string;
  program_config: Record<string, unknown>;
  program_version: number;
  /** When the program last changed. */
  program_since: string;
}

/** Feldera's program fields of the pipeline object. */
export interface ProgramFields {
  program_code: string;
  udf_rust: string;
  udf_toml: string;
  program_config: Record<string, unknown>;
  program_version: number;
  program_status: 'Success';
  program_status_since: string;
  program_error: {
    sql_compilation: { exit_code: number; messages: unknown[] };
    rust_compilation: { exit_code: number; stdout: string; stderr: string };
    system_error: string | null;
  };
  program_info: {
    schema: { inputs: unknown[]; outputs: unknown[] };
    udf_stubs: string;
    input_connectors: Record<string, unknown>;
    output_connectors: Record<string, unknown>;
  };
}

/**
 * Feldera's program fields for a pipeline whose program compiled: there is no SQL compiler here
 * (the reference engine's tables are schemaless), so the program is reported as compiled, with
 * empty compiler output and a schema that lists no tables or views.
 */
export function programFields(input: ProgramInput): ProgramFields {
  return {
    program_code: input.program_code,
    udf_rust: input.udf_rust,
    udf_toml: input.udf_toml,
    program_config: input.program_config,
    program_version: input.program_version,
    program_status: 'Success',
    program_status_since: input.program_since,
    program_error: {
      sql_compilation: { exit_code: 0, messages: [] },
      rust_compilation: { exit_code: 0, stdout: '', stderr: '' },
      system_error: null,
    },
    program_info: {
      schema: { inputs: [], outputs: [] },
      udf_stubs: '',
      input_connectors: {},
      output_connectors: {},
    },
  };
}

/** Feldera's pipeline `id`: the UUID inside the system name `pipeline-<uuid>`. */
export function pipelineId(systemName: string): string {
  return systemName.startsWith('pipeline-') ? systemName.slice('pipeline-'.length) : systemName;
}
