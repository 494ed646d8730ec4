import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { describe, expect, expectTypeOf, it } from 'vitest';
import { CommonErrorCodes, ERR_ABORTED, SyncError } from '@feldera-sync/errors';
import * as checkpoint from '@feldera-sync/checkpoint';
import { CheckpointErrorCodes, StoreErrorCodes } from '@feldera-sync/checkpoint';
import { EngineErrorCodes } from '@feldera-sync/engine';
import {
  API_ERRORS,
  ApiErrorCodes,
  FastifyErrorCodes,
  ServerErrorCodes,
} from '@feldera-sync/server';
import { SidecarErrorCodes } from '@feldera-sync/sidecar';
import { SyncErrorCodes } from '@feldera-sync/sync';
import { RcloneErrorCodes } from '@feldera-sync/rclone';
import { ConfigErrorCodes, ERR_CONFIG_INVALID } from '@feldera-sync/config';
import * as standby from '@feldera-sync/standby';
import { StandbyErrorCodes } from '@feldera-sync/standby';
import { CliErrorCodes, NODE_ABORT_ERR, RoleApiErrorCodes } from './error-codes.js';
import type { CliKnownErrorCode, ExitCategory } from './exit-codes.js';
import {
  ERROR_EXIT_CATEGORIES,
  ExitCode,
  exitCategoryForError,
  exitCodeForErrorCode,
  formatExitCodeHelp,
  isKnownErrorCode,
  WRAPPER_ERROR_CODES,
} from './exit-codes.js';

describe('the exit-code table is exhaustive over every catalog', () => {
  const catalogs = {
    CommonErrorCodes,
    ConfigErrorCodes,
    CheckpointErrorCodes,
    StoreErrorCodes,
    RcloneErrorCodes,
    SyncErrorCodes,
    StandbyErrorCodes,
    SidecarErrorCodes,
    EngineErrorCodes,
    ServerErrorCodes,
    FastifyErrorCodes,
    ApiErrorCodes,
    CliErrorCodes,
    RoleApiErrorCodes,
  };

  it('is a compile error to leave a code out or to add one without an exit code', () => {
    expectTypeOf<keyof typeof ERROR_EXIT_CATEGORIES>().toEqualTypeOf<CliKnownErrorCode>();
    const { [SidecarErrorCodes.pinCrossDevice]: dropped, ...withoutPinCrossDevice } =
      ERROR_EXIT_CATEGORIES;
    expect(dropped).toBe('config');
    // @ts-expect-error ERR_SIDECAR_PIN_CROSS_DEVICE has no exit code in this table
    void (withoutPinCrossDevice satisfies Record<CliKnownErrorCode, ExitCategory>);
    // @ts-expect-error a code new to a catalog has no exit code until the table gives it one
    void (ERROR_EXIT_CATEGORIES satisfies Record<CliKnownErrorCode | 'ERR_CLI_NEW', ExitCategory>);
  });

  it('maps every code of every catalog at run time too, and nothing else', () => {
    const all = Object.values(catalogs).flatMap((c) => Object.values(c as Record<string, string>));
    expect(all.filter((code) => !isKnownErrorCode(code))).toEqual([]);
    expect(new Set([...all, NODE_ABORT_ERR])).toEqual(new Set(Object.keys(ERROR_EXIT_CATEGORIES)));
  });

  it('keeps the exit codes of codes new to the table meaningful', () => {
    expect(exitCodeForErrorCode(SidecarErrorCodes.pinCrossDevice)).toBe(ExitCode.config);
    expect(exitCodeForErrorCode(ServerErrorCodes.apiKeyFile)).toBe(ExitCode.config);
    expect(exitCodeForErrorCode(FastifyErrorCodes.validation)).toBe(ExitCode.usage);
    expect(exitCodeForErrorCode(RoleApiErrorCodes.ActivationNotAllowed)).toBe(ExitCode.auth);
  });
});

describe('exit-code table', () => {
  it('has the documented codes', () => {
    expect(ExitCode).toEqual({
      ok: 0,
      internal: 1,
      usage: 2,
      config: 3,
      auth: 4,
      notFound: 5,
      integrity: 6,
      network: 7,
      conflict: 8,
      disk: 9,
      unavailable: 10,
      interrupted: 130,
    });
  });
  it('names every code the libraries throw', () => {
    const exported = (module: Record<string, unknown>): string[] =>
      Object.entries(module)
        .filter(([k, v]) => k.startsWith('ERR_') && typeof v === 'string')
        .map(([, v]) => v as string);
    const library = [
      ERR_CONFIG_INVALID,
      ERR_ABORTED,
      ...exported(checkpoint),
      ...Object.values(StoreErrorCodes),
      ...Object.values(RcloneErrorCodes),
      ...Object.values(SyncErrorCodes),
      ...exported(standby),
      ...Object.values(EngineErrorCodes),
    ];
    expect(library.length).toBeGreaterThan(50);
    expect(library.filter((code) => !isKnownErrorCode(code))).toEqual([]);
  });
  it("names every error_code and internal code of the server's answers", () => {
    const answers = Object.entries(API_ERRORS).flatMap(([apiCode, entry]) => [
      apiCode,
      ...entry.codes,
    ]);
    expect(answers).toContain('IntegrityError');
    expect(answers.filter((code) => !isKnownErrorCode(code))).toEqual([]);
    expect(isKnownErrorCode('InternalError')).toBe(true);
  });
  it('keeps the integrity exit code for ERR_SYNC_INTEGRITY, however it arrives', () => {
    const integrity = new SyncError('ERR_SYNC_INTEGRITY', 'zip entry ../x escapes the checkpoint');
    expect(exitCategoryForError(integrity)).toBe('integrity');
    expect(
      exitCategoryForError(new SyncError('ERR_SYNC_INTEGRITY', 'x', { cause: new Error('boom') })),
    ).toBe('integrity');
    for (const wrapper of WRAPPER_ERROR_CODES)
      expect(exitCategoryForError(new SyncError(wrapper, 'wrapped', { cause: integrity }))).toBe(
        'integrity',
      );
    expect(exitCodeForErrorCode('IntegrityError')).toBe(ExitCode.integrity);
  });
  it("treats Node's own AbortError (a cancelled stream pipeline) as an interruption", async () => {
    const controller = new AbortController();
    const piping = pipeline(
      new Readable({ read: () => undefined }),
      new Writable({ write: (_chunk, _encoding, done) => done() }),
      { signal: controller.signal },
    ).catch((e: unknown) => e);
    controller.abort();
    const error = await piping;
    expect(error).toMatchObject({ name: 'AbortError' });
    expect(exitCategoryForError(error)).toBe('interrupted');
  });
  it('maps engine codes where they belong', () => {
    expect(exitCodeForErrorCode(EngineErrorCodes.HASH_MISMATCH)).toBe(ExitCode.integrity);
    expect(exitCodeForErrorCode(EngineErrorCodes.CORRUPT_FILE)).toBe(ExitCode.integrity);
    expect(exitCodeForErrorCode(EngineErrorCodes.UNKNOWN_TABLE)).toBe(ExitCode.notFound);
  });
  it.each([
    ['ERR_CONFIG_INVALID', 3],
    ['ERR_STORE_AUTH', 4],
    ['ERR_STORE_NETWORK', 7],
    ['ERR_STORE_TIMEOUT', 7],
    ['ERR_STORE_NOT_FOUND', 5],
    ['ERR_STORE_BUCKET_NOT_FOUND', 5],
    ['ERR_SYNC_NO_CHECKPOINT', 5],
    ['ERR_SYNC_CHECKPOINT_NOT_FOUND', 5],
    ['ERR_SYNC_INTEGRITY', 6],
    ['ERR_SYNC_OWNER_MISMATCH', 8],
    ['ERR_CLI_USAGE', 2],
    ['ERR_ABORTED', 130],
    ['IncarnationUuidMismatch', 8],
    ['ERR_SOMETHING_NEW', 1],
  ])('%s -> %d', (code, exit) => expect(exitCodeForErrorCode(code)).toBe(exit));
  it('maps every table entry to a documented exit code', () => {
    for (const category of Object.values(ERROR_EXIT_CATEGORIES))
      expect(ExitCode[category]).toBeTypeOf('number');
  });
  it('takes the exit code of a wrapped cause', () => {
    const cause = new SyncError('ERR_STORE_AUTH', 'SignatureDoesNotMatch');
    expect(
      exitCategoryForError(
        new SyncError('ERR_STANDBY_FINAL_PULL_FAILED', 'final pull failed', { cause }),
      ),
    ).toBe('auth');
    expect(
      exitCategoryForError(new SyncError('ERR_STANDBY_FINAL_PULL_FAILED', 'final pull failed')),
    ).toBe('network');
    expect(exitCategoryForError(new SyncError('ERR_SYNC_INTEGRITY', 'x', { cause }))).toBe(
      'integrity',
    );
    expect(exitCategoryForError(new Error('boom'))).toBe('internal');
    expect(exitCategoryForError('string')).toBe('internal');
  });
  it('documents every code in the help text', () => {
    const help = formatExitCodeHelp();
    for (const code of Object.values(ExitCode))
      expect(help).toMatch(new RegExp(`^\\s+${code}\\s`, 'm'));
  });
});
