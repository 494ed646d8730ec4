import type { RecoverySummary } from './api-types.js';

/** A recovery summary as the server answers it, with `over` replacing fields. */
export function summary(over: Partial<RecoverySummary> = {}): RecoverySummary {
  return {
    name: 'orders',
    system_name: 'pipeline-0b5f1f7e-9d2a-4c4b-8f3e-2a1b3c4d5e6f',
    role: 'primary',
    runtime_status: 'Running',
    runtime_desired_status: 'Running',
    incarnation_uuid: '1186553b-fccb-4352-b2d7-3fac23e2ca7d',
    error: null,
    sync_configured: true,
    standby_configured: false,
    pull_interval_secs: 10,
    push_interval_secs: 60,
    local: {
      newest: {
        uuid: '01a231a5-2fc0-7248-a7ed-f08476ac64c1',
        taken_at: '2026-12-01T12:47:18.976Z',
        age_secs: 12,
        size: 100,
        steps: 2,
      },
      count: 1,
      error: null,
    },
    remote: {
      bucket: 'ckpt/orders',
      newest: {
        uuid: '01a231a5-2fc0-7248-a7ed-f08476ac64c1',
        taken_at: '2026-12-01T12:47:18.976Z',
        age_secs: 12,
        size: 100,
        steps: 2,
      },
      count: 1,
      owner: {
        pipeline_name: 'pipeline-0b5f1f7e-9d2a-4c4b-8f3e-2a1b3c4d5e6f',
        given_name: 'orders',
        created_at: null,
      },
      owner_is_self: true,
      checked_at: '2026-12-01T12:47:20.000Z',
      error: null,
    },
    standby: null,
    sync: {
      manual_success: null,
      manual_failure: null,
      periodic_success: null,
      periodic_failure: null,
      last_success_at: null,
      last_push: null,
      last_pull: null,
    },
    transfer: null,
    restored_from: null,
    took_over_from: null,
    history_seq: 0,
    ...over,
  };
}
