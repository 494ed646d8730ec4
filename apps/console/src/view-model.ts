/** What each pipeline card shows and offers, computed from the recovery API's answer. Pure. */
import type { CheckpointRef, RecoveryEvent, RecoverySummary, Role, Transfer } from './api-types.js';
import { formatAge, formatBytes, formatDuration, formatSpeed, shortUuid } from './format.js';

export type Tone = 'ok' | 'warn' | 'bad' | 'muted' | 'plain';

/** One labelled line of a card. */
export interface Field {
  key: string;
  label: string;
  value: string;
  tone: Tone;
  /** Full text (a whole UUID) for the tooltip. */
  title?: string;
}

export const ROLE_LABELS: Record<Role, string> = {
  primary: 'Primary',
  standby: 'Standby',
  stopped: 'Stopped',
  failed: 'Failed',
};

function checkpointText(ref: CheckpointRef | null, none: string): Pick<Field, 'value' | 'title'> {
  if (!ref) return { value: none };
  return { value: `${shortUuid(ref.uuid)} · ${formatAge(ref.age_secs)}`, title: ref.uuid };
}

/** A standby that is more than two pull intervals (at least a minute) behind is falling behind. */
export function lagTone(lagSecs: number | null, pullIntervalSecs: number | null): Tone {
  if (lagSecs === null) return 'muted';
  if (lagSecs === 0) return 'ok';
  const limit = Math.max(60, 2 * (pullIntervalSecs ?? 10));
  return lagSecs > limit ? 'bad' : 'warn';
}

/** `lag 0` reads as up to date; otherwise how far behind; when unknown, why. */
export function lagText(lagSecs: number | null, bucketEmpty = false): string {
  if (lagSecs === null)
    return bucketEmpty
      ? 'nothing to pull: the bucket holds no checkpoint yet'
      : 'unknown (nothing pulled yet, or the bucket not read yet)';
  if (lagSecs === 0) return 'up to date with the bucket';
  return `${formatDuration(lagSecs)} behind the bucket`;
}

function eventText(
  event: RecoveryEvent | null,
  nowMs: number,
): Pick<Field, 'value' | 'tone' | 'title'> {
  if (!event) return { value: 'none since the server started', tone: 'muted' };
  const ago = formatAge(Math.max(0, (nowMs - Date.parse(event.at)) / 1000));
  const uuid = event.checkpoint_uuid ? ` ${shortUuid(event.checkpoint_uuid)}` : '';
  if (event.result === 'failure') {
    return { value: `failed ${ago}${uuid}: ${event.error ?? 'unknown error'}`, tone: 'bad' };
  }
  const size = event.bytes === null ? '' : ` · ${formatBytes(event.bytes)}`;
  const took = event.duration_ms === null ? '' : ` in ${formatDuration(event.duration_ms / 1000)}`;
  return {
    value: `succeeded ${ago}${uuid}${size}${took}`,
    tone: 'ok',
    ...(event.checkpoint_uuid ? { title: event.checkpoint_uuid } : {}),
  };
}

function syncText(
  success: string | null,
  failure: { uuid: string; error: string } | null,
): Pick<Field, 'value' | 'tone' | 'title'> {
  if (failure) return { value: `failed ${shortUuid(failure.uuid)}: ${failure.error}`, tone: 'bad' };
  if (success) return { value: `succeeded ${shortUuid(success)}`, tone: 'ok', title: success };
  return { value: 'none yet', tone: 'muted' };
}

/** The labelled lines of a card, in display order. */
export function summaryFields(
  s: RecoverySummary,
  nowMs: number,
  nameOf: (systemName: string) => string | undefined = () => undefined,
): Field[] {
  const fields: Field[] = [];
  const add = (key: string, label: string, f: Partial<Field> & { value: string }): void => {
    fields.push({ key, label, tone: 'plain', ...f });
  };
  add('status', 'Runtime status', {
    value:
      s.runtime_status === s.runtime_desired_status
        ? s.runtime_status
        : `${s.runtime_status} (wants ${s.runtime_desired_status})`,
  });
  add('incarnation', 'Incarnation', {
    value: s.incarnation_uuid ? shortUuid(s.incarnation_uuid) : 'none (not started)',
    ...(s.incarnation_uuid ? { title: s.incarnation_uuid } : { tone: 'muted' }),
  });
  add('local', 'Newest local checkpoint', {
    ...(s.local.error
      ? { value: `unreadable: ${s.local.error}`, tone: 'bad' }
      : checkpointText(s.local.newest, 'none')),
  });
  if (!s.sync_configured || !s.remote) {
    add('remote', 'Bucket', { value: 'sync not configured', tone: 'muted' });
  } else {
    const r = s.remote;
    const checked = r.checked_at === null ? 'reading the bucket…' : null;
    add('remote', 'Newest bucket checkpoint', {
      ...(r.error
        ? { value: `cannot read ${r.bucket}: ${r.error.message}`, tone: 'bad' }
        : checked
          ? { value: checked, tone: 'muted' }
          : checkpointText(r.newest, `none in ${r.bucket}`)),
    });
    if (!r.error && r.checked_at !== null) {
      const owner = r.owner;
      add('owner', 'Bucket owner', {
        value: owner
          ? `${owner.given_name} (${owner.pipeline_name})${
              r.owner_is_self
                ? ' · this pipeline'
                : s.role === 'primary'
                  ? ' · not this pipeline: its pushes are refused'
                  : ''
            }`
          : 'none recorded yet',
        tone: owner ? (r.owner_is_self || s.role !== 'primary' ? 'plain' : 'bad') : 'muted',
      });
    }
  }
  if (s.role === 'standby' && s.standby) {
    const sb = s.standby;
    add('pulled', 'Newest pulled checkpoint', checkpointText(sb.pulled, 'none yet'));
    add('last-pull', 'Last pull', {
      value: sb.last_pull_at
        ? formatAge(Math.max(0, (nowMs - Date.parse(sb.last_pull_at)) / 1000))
        : 'not yet',
      tone: sb.last_pull_at ? 'plain' : 'muted',
    });
    add('lag', 'Standby lag', {
      value: lagText(
        sb.lag_secs,
        s.remote !== null && s.remote.checked_at !== null && s.remote.newest === null,
      ),
      tone: lagTone(sb.lag_secs, s.pull_interval_secs),
    });
    if (sb.consecutive_pull_failures > 0) {
      add('pull-failures', 'Failed pulls in a row', {
        value: `${sb.consecutive_pull_failures}: ${sb.last_pull_error ?? 'unknown error'}`,
        tone: 'bad',
      });
    }
  }
  if (s.sync_configured) {
    add('manual-sync', 'Last manual sync', syncText(s.sync.manual_success, s.sync.manual_failure));
    add('periodic-sync', 'Last periodic sync', {
      ...(s.push_interval_secs === null && !s.sync.periodic_success && !s.sync.periodic_failure
        ? { value: 'periodic push off', tone: 'muted' }
        : syncText(s.sync.periodic_success, s.sync.periodic_failure)),
    });
    add('last-push', 'Last push', eventText(s.sync.last_push, nowMs));
    if (s.sync.last_pull || s.role === 'standby')
      add('last-pull-result', 'Last pull result', eventText(s.sync.last_pull, nowMs));
  }
  if (s.took_over_from) {
    const name = nameOf(s.took_over_from);
    add('took-over', 'Took over from', {
      value: name ? `${name} (${s.took_over_from})` : s.took_over_from,
    });
  }
  return fields;
}

/** The progress bar's label and value text. */
export function transferText(t: Transfer): { label: string; detail: string; fraction: number } {
  const verb =
    t.operation === 'push' ? 'Pushing' : t.operation === 'pull' ? 'Pulling' : 'Verifying';
  const fraction = t.bytes_total > 0 ? Math.min(1, t.bytes_done / t.bytes_total) : 0;
  const parts = [
    `${formatBytes(t.bytes_done)} of ${formatBytes(t.bytes_total)}`,
    `${t.objects_done}/${t.objects_total} files`,
  ];
  if (t.speed_bytes_per_sec > 0) parts.push(formatSpeed(t.speed_bytes_per_sec));
  if (t.eta_secs !== null && t.eta_secs > 0) parts.push(`about ${formatDuration(t.eta_secs)} left`);
  return {
    label: `${verb} ${shortUuid(t.uuid)} (${t.phase})`,
    detail: parts.join(' · '),
    fraction,
  };
}

export type ActionId = 'checkpoint' | 'sync' | 'activate' | 'stop' | 'start';

export interface Action {
  id: ActionId;
  label: string;
  enabled: boolean;
  /** Why it is disabled. */
  reason?: string;
}

/** The buttons a card offers, by role and status. */
export function actionsFor(s: RecoverySummary): Action[] {
  const running = s.runtime_status === 'Running' || s.runtime_status === 'Paused';
  switch (s.role) {
    case 'primary':
      return [
        {
          id: 'checkpoint',
          label: 'Checkpoint',
          enabled: running,
          ...(running ? {} : { reason: 'not running yet' }),
        },
        {
          id: 'sync',
          label: 'Sync',
          enabled: running && s.sync_configured && s.local.newest !== null,
          ...(!s.sync_configured
            ? { reason: 'sync not configured' }
            : s.local.newest === null
              ? { reason: 'no local checkpoint: take one first' }
              : running
                ? {}
                : { reason: 'not running yet' }),
        },
        { id: 'stop', label: 'Stop', enabled: true },
      ];
    case 'standby':
      return [
        {
          id: 'activate',
          label: 'Activate',
          enabled: s.runtime_status === 'Standby',
          ...(s.runtime_status === 'Standby' ? {} : { reason: 'activation in progress' }),
        },
        { id: 'stop', label: 'Stop', enabled: true },
      ];
    case 'stopped':
    case 'failed':
      return [{ id: 'start', label: 'Start', enabled: true }];
  }
}

/** How many pipelines have each role. */
export function countRoles(list: readonly RecoverySummary[]): Record<Role, number> {
  const counts: Record<Role, number> = { primary: 0, standby: 0, stopped: 0, failed: 0 };
  for (const s of list) counts[s.role]++;
  return counts;
}

/** Whether a pipeline passes the name filter and the role filter (`all` passes every role). */
export function matchesFilter(s: RecoverySummary, text: string, role: Role | 'all'): boolean {
  if (role !== 'all' && s.role !== role) return false;
  const needle = text.trim().toLowerCase();
  return needle === '' || s.name.toLowerCase().includes(needle) || s.system_name.includes(needle);
}

/** Something is moving: poll quickly. */
export function isBusy(list: readonly RecoverySummary[]): boolean {
  return list.some(
    (s) =>
      s.transfer !== null ||
      s.runtime_status === 'Initializing' ||
      (s.remote !== null && s.remote.checked_at === null),
  );
}
