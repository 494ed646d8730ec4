import { describe, expect, it } from 'vitest';
import { createMemoryObjectStore } from '@feldera-sync/checkpoint';
import { parseSyncConfig } from '@feldera-sync/config';
import type { StoreFactory, StoreRequest } from './sync-config-stores.js';
import { conditionalPutFor, openSyncStores } from './sync-config-stores.js';

function recording(): { factory: StoreFactory; requests: StoreRequest[] } {
  const requests: StoreRequest[] = [];
  return {
    requests,
    factory: (request) => {
      requests.push(request);
      return createMemoryObjectStore(`memory:${request.remote.bucket}`);
    },
  };
}

const BASE = {
  bucket: 'ckpt/orders',
  provider: 'Ceph',
  endpoint: 'http://127.0.0.1:7480',
  access_key: 'AK-config',
  secret_key: 'SK-config',
};

describe('openSyncStores', () => {
  it('opens bucket and read_bucket with the config remote, tuning and keys', () => {
    const { factory, requests } = recording();
    const sync = parseSyncConfig({ ...BASE, read_bucket: 'seed/orders', transfers: 3 }).config;
    const { store, readStore } = openSyncStores(sync, { factory, env: { HOME: '/h' } });
    expect(store.description).toBe('memory:ckpt/orders');
    expect(readStore?.description).toBe('memory:seed/orders');
    expect(requests.map((r) => r.remote)).toEqual([
      {
        provider: 'Ceph',
        bucket: 'ckpt/orders',
        endpoint: 'http://127.0.0.1:7480',
        accessKey: 'AK-config',
        secretKey: 'SK-config',
      },
      {
        provider: 'Ceph',
        bucket: 'seed/orders',
        endpoint: 'http://127.0.0.1:7480',
        accessKey: 'AK-config',
        secretKey: 'SK-config',
      },
    ]);
    expect(requests[0]!.tuning.transfers).toBe(3);
    expect(requests[0]!.env).toEqual({ HOME: '/h' });
    expect(requests.every((r) => r.conditionalPut)).toBe(true);
  });

  it('has no read store without read_bucket, and uses given credentials over the config', () => {
    const { factory, requests } = recording();
    const sync = parseSyncConfig(BASE).config;
    const { readStore } = openSyncStores(sync, {
      factory,
      credentials: { accessKey: 'AK-env', secretKey: 'SK-env' },
    });
    expect(readStore).toBeUndefined();
    expect(requests).toHaveLength(1);
    expect(requests[0]!.remote).toMatchObject({ accessKey: 'AK-env', secretKey: 'SK-env' });
  });

  it('leaves keys out for environment credentials', () => {
    const { factory, requests } = recording();
    const { access_key: _a, secret_key: _s, ...noKeys } = BASE;
    openSyncStores(parseSyncConfig(noKeys).config, { factory });
    expect(Object.keys(requests[0]!.remote)).not.toContain('accessKey');
  });
});

describe('conditionalPutFor', () => {
  it('trusts If-None-Match on named providers, not on Other (s3rver and unknown servers)', () => {
    expect(conditionalPutFor({ provider: 'Ceph' })).toBe(true);
    expect(conditionalPutFor({ provider: 'AWS' })).toBe(true);
    expect(conditionalPutFor({ provider: 'Other' })).toBe(false);
  });
});
