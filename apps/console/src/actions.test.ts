import { describe, expect, it } from 'vitest';
import { actionSpec } from './actions.js';
import { summary } from './fixtures.test-support.js';

describe('actionSpec', () => {
  it('sends each action to its public route', () => {
    const s = summary({ name: 'orders' });
    expect(actionSpec('checkpoint', s).path({})).toBe('/v0/pipelines/orders/checkpoint');
    expect(actionSpec('sync', s).path({})).toBe('/v0/pipelines/orders/checkpoint/sync');
    expect(actionSpec('activate', s).path({})).toBe('/v0/pipelines/orders/activate');
    expect(actionSpec('stop', s).path({ checkpointFirst: true })).toBe(
      '/v0/pipelines/orders/stop?force=false',
    );
    expect(actionSpec('stop', s).path({ checkpointFirst: false })).toBe(
      '/v0/pipelines/orders/stop?force=true',
    );
    expect(actionSpec('start', s).path({ initial: 'standby' })).toBe(
      '/v0/pipelines/orders/start?initial=standby',
    );
  });

  it('warns before an activation fences the current owner', () => {
    const s = summary({ name: 'orders-standby', role: 'standby', runtime_status: 'Standby' });
    s.remote!.owner_is_self = false;
    expect(actionSpec('activate', s).body).toContain(
      "takes ownership of ckpt/orders from orders: that pipeline's next push will be refused",
    );
    s.remote!.owner_is_self = true;
    expect(actionSpec('activate', s).body).not.toContain('ownership');
  });

  it('offers a checkpoint before stopping a primary, and the start mode of a synced pipeline', () => {
    expect(actionSpec('stop', summary()).choice).toBe('checkpoint-first');
    expect(actionSpec('stop', summary()).defaults).toEqual({ checkpointFirst: true });
    expect(actionSpec('stop', summary({ role: 'standby' })).choice).toBe('none');
    const stopped = summary({ role: 'stopped', standby_configured: true });
    expect(actionSpec('start', stopped)).toMatchObject({
      choice: 'initial-mode',
      defaults: { initial: 'standby' },
    });
    expect(actionSpec('start', summary({ role: 'stopped', sync_configured: false })).choice).toBe(
      'none',
    );
    expect(actionSpec('checkpoint', summary()).done({ checkpoint_sequence_number: 3 })).toBe(
      'Checkpoint #3 of orders committed.',
    );
  });

  it('encodes the name in the path', () => {
    expect(actionSpec('sync', summary({ name: 'a b' })).path({})).toBe(
      '/v0/pipelines/a%20b/checkpoint/sync',
    );
  });
});
