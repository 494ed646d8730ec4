import { describe, expect, it } from 'vitest';
import { summary } from './fixtures.test-support.js';
import {
  actionsFor,
  countRoles,
  isBusy,
  lagText,
  lagTone,
  matchesFilter,
  summaryFields,
  transferText,
} from './view-model.js';

const NOW = Date.parse('2026-12-01T12:48:00.000Z');
const field = (s: ReturnType<typeof summary>, key: string) =>
  summaryFields(s, NOW).find((f) => f.key === key);

describe('summaryFields', () => {
  it('shows a primary: checkpoints with age, owner, syncs and the last push', () => {
    const s = summary({
      sync: {
        manual_success: '01a231a5-2fc0-7248-a7ed-f08476ac64c1',
        manual_failure: null,
        periodic_success: null,
        periodic_failure: { uuid: '01a231a6-0000-7000-8000-000000000000', error: 'bucket refused' },
        last_success_at: null,
        last_push: {
          seq: 2,
          kind: 'push',
          result: 'success',
          at: '2026-12-01T12:47:50.000Z',
          checkpoint_uuid: '01a231a5-2fc0-7248-a7ed-f08476ac64c1',
          checkpoint_time: null,
          bytes: 3276,
          duration_ms: 977,
          pull_kind: null,
          error: null,
        },
        last_pull: null,
      },
    });
    expect(field(s, 'local')).toMatchObject({
      value: '…76ac64c1 · 12 s ago',
      title: '01a231a5-2fc0-7248-a7ed-f08476ac64c1',
    });
    expect(field(s, 'owner')?.value).toBe(
      'orders (pipeline-0b5f1f7e-9d2a-4c4b-8f3e-2a1b3c4d5e6f) · this pipeline',
    );
    expect(field(s, 'manual-sync')).toMatchObject({ value: 'succeeded …76ac64c1', tone: 'ok' });
    expect(field(s, 'periodic-sync')).toMatchObject({
      value: 'failed …00000000: bucket refused',
      tone: 'bad',
    });
    expect(field(s, 'last-push')).toMatchObject({
      value: 'succeeded 10 s ago …76ac64c1 · 3.20 KB in 1.0 s',
      tone: 'ok',
    });
    expect(field(s, 'lag')).toBeUndefined();
  });

  it('flags a primary whose bucket another pipeline owns (it has been fenced)', () => {
    const s = summary();
    s.remote!.owner_is_self = false;
    s.remote!.owner = {
      pipeline_name: 'pipeline-x',
      given_name: 'orders-standby',
      created_at: null,
    };
    expect(field(s, 'owner')).toMatchObject({
      value: 'orders-standby (pipeline-x) · not this pipeline: its pushes are refused',
      tone: 'bad',
    });
    const taken = summary({ took_over_from: 'pipeline-y' });
    expect(
      summaryFields(taken, NOW, (n) => (n === 'pipeline-y' ? 'old' : undefined)).at(-1),
    ).toMatchObject({
      key: 'took-over',
      value: 'old (pipeline-y)',
    });
    expect(field(taken, 'took-over')?.value).toBe('pipeline-y');
  });

  it('shows a standby: what it pulled, when, and its lag', () => {
    const s = summary({
      role: 'standby',
      runtime_status: 'Standby',
      runtime_desired_status: 'Standby',
      standby: {
        last_pull_at: '2026-12-01T12:47:55.000Z',
        pulled: {
          uuid: '01a231a5-2fc0-7248-a7ed-f08476ac64c1',
          taken_at: null,
          age_secs: 30,
          size: null,
          steps: null,
        },
        lag_secs: 95,
        consecutive_pull_failures: 2,
        last_pull_error: 'timeout',
      },
    });
    expect(field(s, 'pulled')?.value).toBe('…76ac64c1 · 30 s ago');
    expect(field(s, 'last-pull')?.value).toBe('5.0 s ago');
    expect(field(s, 'lag')).toMatchObject({ value: '1 min 35 s behind the bucket', tone: 'bad' });
    expect(field(s, 'pull-failures')).toMatchObject({ value: '2: timeout', tone: 'bad' });
  });

  it('says what is unknown instead of guessing', () => {
    const reading = summary();
    reading.remote!.checked_at = null;
    reading.remote!.newest = null;
    expect(field(reading, 'remote')).toMatchObject({ value: 'reading the bucket…', tone: 'muted' });
    expect(field(reading, 'owner')).toBeUndefined();
    const broken = summary();
    broken.remote!.error = { message: 'access denied', error_code: 'ObjectStoreAuth' };
    expect(field(broken, 'remote')).toMatchObject({
      value: 'cannot read ckpt/orders: access denied',
      tone: 'bad',
    });
    const none = summary({
      sync_configured: false,
      remote: null,
      local: { newest: null, count: 0, error: null },
    });
    expect(field(none, 'remote')?.value).toBe('sync not configured');
    expect(field(none, 'local')?.value).toBe('none');
    expect(field(none, 'manual-sync')).toBeUndefined();
  });
});

describe('lag', () => {
  it('is up to date at 0, a warning within two pull intervals (a minute at least), bad beyond', () => {
    expect(lagTone(0, 10)).toBe('ok');
    expect(lagTone(30, 10)).toBe('warn');
    expect(lagTone(61, 10)).toBe('bad');
    expect(lagTone(100, 60)).toBe('warn');
    expect(lagTone(null, 10)).toBe('muted');
    expect(lagText(0)).toBe('up to date with the bucket');
    expect(lagText(12)).toBe('12 s behind the bucket');
    expect(lagText(null)).toBe('unknown (nothing pulled yet, or the bucket not read yet)');
    expect(lagText(null, true)).toBe('nothing to pull: the bucket holds no checkpoint yet');
  });
});

describe('transferText', () => {
  it('says bytes, files, speed and time left', () => {
    expect(
      transferText({
        operation: 'push',
        uuid: '01a231a5-2fc0-7248-a7ed-f08476ac64c1',
        phase: 'uploading',
        bytes_done: 1024 * 1024,
        bytes_total: 4 * 1024 * 1024,
        objects_done: 1,
        objects_total: 3,
        speed_bytes_per_sec: 512 * 1024,
        eta_secs: 6,
      }),
    ).toEqual({
      label: 'Pushing …76ac64c1 (uploading)',
      detail: '1.00 MB of 4.00 MB · 1/3 files · 512 KB/s · about 6.0 s left',
      fraction: 0.25,
    });
  });
});

describe('actionsFor', () => {
  const ids = (s: ReturnType<typeof summary>) =>
    actionsFor(s).map((a) => `${a.id}${a.enabled ? '' : '(off)'}`);
  it('offers what each role can do', () => {
    expect(ids(summary())).toEqual(['checkpoint', 'sync', 'stop']);
    expect(ids(summary({ local: { newest: null, count: 0, error: null } }))).toEqual([
      'checkpoint',
      'sync(off)',
      'stop',
    ]);
    expect(ids(summary({ role: 'primary', runtime_status: 'Initializing' }))).toEqual([
      'checkpoint(off)',
      'sync(off)',
      'stop',
    ]);
    expect(ids(summary({ role: 'standby', runtime_status: 'Standby' }))).toEqual([
      'activate',
      'stop',
    ]);
    expect(ids(summary({ role: 'standby', runtime_status: 'Initializing' }))).toEqual([
      'activate(off)',
      'stop',
    ]);
    expect(ids(summary({ role: 'stopped', runtime_status: 'Stopped' }))).toEqual(['start']);
    expect(ids(summary({ role: 'failed', runtime_status: 'Failed' }))).toEqual(['start']);
  });
});

describe('lists', () => {
  it('counts roles, filters by name and role, and knows when something moves', () => {
    const list = [
      summary({ name: 'orders' }),
      summary({ name: 'orders-standby', role: 'standby', system_name: 'pipeline-1' }),
      summary({ name: 'billing', role: 'failed', system_name: 'pipeline-2' }),
    ];
    expect(countRoles(list)).toEqual({ primary: 1, standby: 1, stopped: 0, failed: 1 });
    expect(list.filter((s) => matchesFilter(s, 'ORD', 'all')).map((s) => s.name)).toEqual([
      'orders',
      'orders-standby',
    ]);
    expect(list.filter((s) => matchesFilter(s, '', 'failed')).map((s) => s.name)).toEqual([
      'billing',
    ]);
    expect(list.filter((s) => matchesFilter(s, 'pipeline-1', 'all')).map((s) => s.name)).toEqual([
      'orders-standby',
    ]);
    expect(isBusy(list)).toBe(false);
    expect(isBusy([summary({ runtime_status: 'Initializing' })])).toBe(true);
  });
});
