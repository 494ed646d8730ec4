import { describe, expect, it } from 'vitest';
import { hasErrorCode } from '@feldera-sync/errors';
import {
  derivePipelineSystemName,
  isPipelineSystemName,
  resolvePipelineIdentity,
  uuidv5,
} from './pipeline-identity.js';
import { resolveCredentials } from './credentials.js';

describe('uuidv5', () => {
  it('matches the RFC 4122 example (DNS namespace, www.example.com)', () => {
    expect(uuidv5('www.example.com', '6ba7b810-9dad-11d1-80b4-00c04fd430c8')).toBe(
      '2ed6657d-e927-568b-95e1-2665a8aea6a2',
    );
  });
});

describe('resolvePipelineIdentity', () => {
  it('derives a stable pipeline-<uuid> from the given name', () => {
    const a = resolvePipelineIdentity({ pipelineFlag: 'orders' });
    expect(a.givenName).toBe('orders');
    expect(isPipelineSystemName(a.systemName)).toBe(true);
    expect(a.systemName).toBe(derivePipelineSystemName('orders'));
    expect(resolvePipelineIdentity({ configName: 'orders' })).toEqual(a);
    expect(derivePipelineSystemName('payments')).not.toBe(a.systemName);
  });
  it('prefers --pipeline over the config name, --pipeline-id over config system_name', () => {
    const id = 'pipeline-0190d0c4-1f6e-4a1e-9c6f-3b5e7a2d9f10';
    expect(
      resolvePipelineIdentity({
        pipelineFlag: 'a',
        configName: 'b',
        pipelineIdFlag: id,
        configSystemName: 'pipeline-x',
      }),
    ).toEqual({ systemName: id, givenName: 'a' });
    expect(resolvePipelineIdentity({ configName: 'b', configSystemName: id })).toEqual({
      systemName: id,
      givenName: 'b',
    });
    expect(resolvePipelineIdentity({ pipelineIdFlag: id })).toEqual({
      systemName: id,
      givenName: id,
    });
  });
  it('refuses without any identity, and rejects malformed ids', () => {
    expect(() => resolvePipelineIdentity({})).toThrow(
      expect.objectContaining({ code: 'ERR_CLI_NO_PIPELINE_IDENTITY' }) as Error,
    );
    expect(() => resolvePipelineIdentity({ pipelineFlag: '  ' })).toThrow(/no pipeline identity/);
    let caught: unknown;
    try {
      resolvePipelineIdentity({ pipelineIdFlag: 'orders' });
    } catch (e) {
      caught = e;
    }
    expect(hasErrorCode(caught, 'ERR_CLI_USAGE')).toBe(true);
  });
});

describe('resolveCredentials', () => {
  it('takes keys from the environment before the file', () => {
    expect(
      resolveCredentials(
        { access_key: 'fa', secret_key: 'fs' },
        { FELDERA_SYNC_ACCESS_KEY: 'ea', FELDERA_SYNC_SECRET_KEY: 'es' },
      ),
    ).toEqual({ accessKey: 'ea', secretKey: 'es' });
    expect(resolveCredentials({ access_key: 'fa', secret_key: 'fs' }, {})).toEqual({
      accessKey: 'fa',
      secretKey: 'fs',
    });
    expect(
      resolveCredentials({}, { FELDERA_SYNC_ACCESS_KEY: 'ea', FELDERA_SYNC_SECRET_KEY: 'es' }),
    ).toEqual({ accessKey: 'ea', secretKey: 'es' });
  });
  it('means environment credentials when neither is set', () =>
    expect(resolveCredentials({}, { FELDERA_SYNC_ACCESS_KEY: '' })).toEqual({}));
  it('rejects half a pair without printing the other secret', () => {
    let caught: unknown;
    try {
      resolveCredentials({}, { FELDERA_SYNC_ACCESS_KEY: 'AKIAVISIBLE' });
    } catch (e) {
      caught = e;
    }
    expect(hasErrorCode(caught, 'ERR_CONFIG_INVALID')).toBe(true);
    expect(String((caught as Error).message)).not.toContain('AKIAVISIBLE');
  });
});
