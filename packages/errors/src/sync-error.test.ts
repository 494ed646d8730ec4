import { describe, expect, it } from 'vitest';
import {
  CommonErrorCodes,
  ERR_ABORTED,
  LocalDiskErrorCodes,
  SyncError,
  hasErrorCode,
  isSyncError,
  throwIfAborted,
} from './index.js';

describe('SyncError', () => {
  it('keeps code, hint, details and the native cause', () => {
    const cause = new Error('disk on fire');
    const err = new SyncError('ERR_TEST', 'it broke', {
      hint: 'try again',
      cause,
      details: { a: 1 },
    });
    expect(err.code).toBe('ERR_TEST');
    expect(err.hint).toBe('try again');
    expect(err.cause).toBe(cause);
    expect(err.details).toEqual({ a: 1 });
    expect(err.describe()).toBe('it broke (hint: try again)');
    expect(err).toBeInstanceOf(Error);
  });

  it('is recognised by brand, not instanceof, so a duplicate install still matches', () => {
    const foreign = Object.assign(new Error('x'), { code: 'ERR_X' });
    Object.defineProperty(foreign, Symbol.for('@feldera-sync/errors/SyncError'), { value: true });
    expect(isSyncError(foreign)).toBe(true);
    expect(isSyncError(new Error('plain'))).toBe(false);
    expect(isSyncError(null)).toBe(false);
    expect(isSyncError({ code: 'ERR_X' })).toBe(false);
    expect(hasErrorCode(new SyncError('ERR_A', 'a'), 'ERR_A')).toBe(true);
    expect(hasErrorCode(new SyncError('ERR_A', 'a'), 'ERR_B')).toBe(false);
  });

  it('serialises without the cause and without undefined fields', () => {
    expect(JSON.parse(JSON.stringify(new SyncError('ERR_A', 'a')))).toEqual({
      name: 'SyncError',
      code: 'ERR_A',
      message: 'a',
    });
  });

  it('throwIfAborted throws ERR_ABORTED only once the signal fired', () => {
    const ac = new AbortController();
    expect(() => throwIfAborted(ac.signal)).not.toThrow();
    ac.abort(new Error('stop'));
    expect(() => throwIfAborted(ac.signal, 'push')).toThrowError(/push was cancelled/);
    try {
      throwIfAborted(ac.signal);
    } catch (e) {
      expect(hasErrorCode(e, ERR_ABORTED)).toBe(true);
    }
  });
});

describe('localDiskError', () => {
  it('codes a full or failing disk, naming the path, and leaves other errors alone', async () => {
    const { localDiskError, LocalDiskErrorCodes } = await import('./index.js');
    const enospc = Object.assign(new Error('write'), { code: 'ENOSPC' });
    const full = localDiskError(enospc, 'write', '/data/x');
    expect(hasErrorCode(full, LocalDiskErrorCodes.full)).toBe(true);
    expect((full as Error).message).toBe(
      'cannot write /data/x: no space left on the device (ENOSPC)',
    );
    expect((full as SyncError).cause).toBe(enospc);
    const eio = localDiskError(Object.assign(new Error('r'), { code: 'EIO' }), 'read', '/d');
    expect(hasErrorCode(eio, LocalDiskErrorCodes.io)).toBe(true);
    const enoent = Object.assign(new Error('gone'), { code: 'ENOENT' });
    expect(localDiskError(enoent, 'read', '/d')).toBe(enoent);
    const coded = new SyncError('ERR_X', 'x');
    expect(localDiskError(coded, 'read', '/d')).toBe(coded);
  });
});

describe('CommonErrorCodes', () => {
  it('holds ERR_ABORTED and the disk codes, each once', () => {
    const codes = Object.values(CommonErrorCodes);
    expect(new Set(codes).size).toBe(codes.length);
    expect(codes).toContain(ERR_ABORTED);
    for (const code of Object.values(LocalDiskErrorCodes)) expect(codes).toContain(code);
  });
});
