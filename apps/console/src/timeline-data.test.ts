import { describe, expect, it } from 'vitest';
import type { RecoveryEvent } from './api-types.js';
import { CHECKPOINT_ROW, FAILURE_ROW, timelineData } from './timeline-data.js';

const NOW = Date.parse('2026-12-01T12:00:00.000Z');
let seq = 0;
function ev(
  kind: RecoveryEvent['kind'],
  minutesAgo: number,
  over: Partial<RecoveryEvent> = {},
): RecoveryEvent {
  return {
    seq: ++seq,
    kind,
    result: 'success',
    at: new Date(NOW - minutesAgo * 60_000).toISOString(),
    checkpoint_uuid: null,
    checkpoint_time: null,
    bytes: null,
    duration_ms: null,
    pull_kind: null,
    error: null,
    ...over,
  };
}

describe('timelineData', () => {
  it('puts each event in its column, in time order, within the window', () => {
    const data = timelineData(
      [
        ev('push', 10, { duration_ms: 1500 }),
        ev('checkpoint', 11),
        ev('pull', 5, { duration_ms: 250 }),
        ev('push', 2, { result: 'failure', error: 'denied' }),
        ev('push', 300, { duration_ms: 1 }), // outside the 3-hour window
      ],
      NOW,
      3 * 3600,
    );
    const [x, checkpoints, pushes, pulls, failures] = data.columns;
    expect(x).toEqual([11, 10, 5, 2].map((m) => (NOW - m * 60_000) / 1000));
    expect(checkpoints).toEqual([CHECKPOINT_ROW, null, null, null]);
    expect(pushes).toEqual([null, 1.5, null, null]);
    expect(pulls).toEqual([null, null, 0.25, null]);
    expect(failures).toEqual([null, null, null, FAILURE_ROW]);
    expect(data.summary).toBe(
      'Last 3 h: 1 checkpoint taken, 2 pushes (median 1.5 s, 1 failed), 1 pull (median 0.3 s).',
    );
  });

  it('says when nothing happened', () => {
    expect(timelineData([], NOW, 3600).summary).toBe(
      'No checkpoints, pushes or pulls in the last 1 h.',
    );
    expect(timelineData([], NOW, 3600).columns[0]).toEqual([]);
  });

  it('takes the median of an even count as the mean of the middle two', () => {
    const data = timelineData(
      [1, 2, 3, 4].map((s, i) => ev('pull', i + 1, { duration_ms: s * 1000 })),
      NOW,
      3600,
    );
    expect(data.summary).toContain('4 pulls (median 2.5 s)');
  });
});
