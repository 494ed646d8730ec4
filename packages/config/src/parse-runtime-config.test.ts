import { describe, expect, it } from 'vitest';
import {
  detectConfigKind,
  parseConfigFile,
  parseRuntimeConfig,
  safeParseConfigFile,
  safeParseRuntimeConfig,
} from './parse.js';
import { periodicCheckpointIntervalSecs } from './runtime-config-schema.js';
import { errorOf, issueAt } from './test-support/issues.js';

/** The sample configuration of the Feldera docs page (shared/seed/checkpoint-sync.md), verbatim. */
const SEED_SAMPLE = {
  storage: {
    backend: {
      name: 'file',
      config: {
        sync: {
          bucket: 'BUCKET_NAME/DIRECTORY_NAME',
          provider: 'AWS',
          access_key: 'ACCESS_KEY',
          secret_key: 'SECRET_KEY',
          start_from_checkpoint: 'latest',
          fail_if_no_checkpoint: false,
          standby: false,
          flags: ['--s3-server-side-encryption', 'aws:kms'],
        },
      },
    },
  },
};

/** The server-side-encryption example of the same page: a bare sync object. */
const SEED_SSE_SYNC = {
  bucket: 'BUCKET_NAME/DIRECTORY_NAME',
  provider: 'AWS',
  start_from_checkpoint: 'latest',
  flags: ['--s3-server-side-encryption', 'aws:kms'],
};

const SYNC_PATH = '$.storage.backend.config.sync';
const withSync = (sync: unknown): unknown => ({
  storage: { backend: { name: 'file', config: { sync } } },
});

describe('the seed page', () => {
  it('sample configuration parses to the documented defaults', () => {
    const { config, sync, warnings } = parseRuntimeConfig(SEED_SAMPLE);
    expect(sync).toEqual({
      endpoint: null,
      bucket: 'BUCKET_NAME/DIRECTORY_NAME',
      read_bucket: null,
      region: 'us-east-1',
      provider: 'AWS',
      access_key: 'ACCESS_KEY',
      secret_key: 'SECRET_KEY',
      start_from_checkpoint: 'latest',
      fail_if_no_checkpoint: false,
      standby: false,
      pull_interval: 10,
      push_interval: null,
      transfers: 20,
      checkers: 20,
      ignore_checksum: false,
      multi_thread_streams: 10,
      multi_thread_cutoff: '100M',
      upload_concurrency: 10,
      flags: ['--s3-server-side-encryption', 'aws:kms'],
      stall_timeout: 60,
      transfer_timeout: null,
      retention_min_count: 10,
      retention_min_age: 30,
    });
    expect(config.storage?.backend).toEqual({ name: 'file', config: { sync } });
    expect(config.fault_tolerance).toEqual({ model: 'none', checkpoint_interval_secs: 60 });
    expect(config.name).toBeNull();
    // The placeholder bucket name is uppercase: accepted as a legacy name, with a warning.
    expect(warnings).toEqual([
      expect.objectContaining({ path: `${SYNC_PATH}.bucket`, rule: 'bucket-name-legacy' }),
    ]);
  });

  it('server-side-encryption example parses as a bare sync object', () => {
    const parsed = parseConfigFile(SEED_SSE_SYNC);
    expect(parsed.kind).toBe('sync');
    expect(parsed.sync).toMatchObject({
      region: 'us-east-1',
      start_from_checkpoint: 'latest',
      access_key: null,
    });
    expect(parsed.config.storage?.backend.name).toBe('file');
  });
});

describe('parseRuntimeConfig', () => {
  it('reports sync problems at their full path', () => {
    const error = errorOf(
      safeParseRuntimeConfig(withSync({ bucket: 'ckpt', transfers: 0, provider: 'minio' })),
    );
    expect(issueAt(error, `${SYNC_PATH}.transfers`, 'range').value).toBe(0);
    expect(issueAt(error, `${SYNC_PATH}.provider`, 'enum').message).toMatch(/did you mean "Minio"/);
    expect(error.message).toMatch(/^Invalid runtime configuration \(2 problems\)/);
  });

  it.each([
    ['no storage', {}],
    ['storage null', { storage: null }],
    ['default backend', { storage: { backend: { name: 'default' } } }],
    [
      'file backend without sync',
      { storage: { backend: { name: 'file', config: { sync: null } } } },
    ],
    ['file backend without config', { storage: { backend: { name: 'file' } } }],
    [
      'object backend without sync',
      { storage: { backend: { name: 'object', config: { url: 's3://x' } } } },
    ],
  ])('has no sync with %s', (_what, input) => {
    const { sync, warnings } = parseRuntimeConfig(input);
    expect(sync).toBeNull();
    expect(warnings).toEqual([]);
  });

  it.each([
    ['object', { url: 's3://b' }],
    ['default', {}],
  ])('rejects sync on the %s backend', (name, config) => {
    const input = {
      storage: { backend: { name, config: { ...config, sync: { bucket: 'ckpt' } } } },
    };
    const issue = issueAt(errorOf(safeParseRuntimeConfig(input)), `${SYNC_PATH}`, 'backend-file');
    expect(issue.message).toBe(
      `checkpoint sync works only with the "file" storage backend, not "${name}"`,
    );
  });

  it.each([
    ['storage not an object', { storage: 'file' }, '$.storage', 'type', /must be an object/],
    [
      'backend without name',
      { storage: { backend: { config: {} } } },
      '$.storage.backend.name',
      'required',
      /is required/,
    ],
    [
      'backend name empty',
      { storage: { backend: { name: '' } } },
      '$.storage.backend.name',
      'range',
      /backend name/,
    ],
    ['sync not an object', withSync('s3://ckpt'), SYNC_PATH, 'type', /must be an object/],
    ['name empty', { name: '' }, '$.name', 'range', /non-empty string/],
    ['name with a newline', { name: 'a\nb' }, '$.name', 'format', /control characters/],
    ['name not a string', { name: 7 }, '$.name', 'type', /non-empty string/],
    [
      'fault_tolerance model misspelt',
      { fault_tolerance: { model: 'exactly-once' } },
      '$.fault_tolerance.model',
      'enum',
      /"none", "at_least_once", "exactly_once" or null/,
    ],
    [
      'checkpoint interval zero',
      { fault_tolerance: { checkpoint_interval_secs: 0 } },
      '$.fault_tolerance.checkpoint_interval_secs',
      'range',
      /from 1 to 2147483, or null/,
    ],
    [
      'checkpoint interval above the timer limit',
      { fault_tolerance: { checkpoint_interval_secs: 2 ** 31 } },
      '$.fault_tolerance.checkpoint_interval_secs',
      'range',
      /from 1 to 2147483, or null \(at most about 24\.8 days: .*fire every millisecond\)/,
    ],
    [
      'fault_tolerance a string',
      { fault_tolerance: 'exactly_once' },
      '$.fault_tolerance',
      'type',
      /must be an object/,
    ],
  ])('rejects %s', (_what, input, path, rule, message) => {
    expect(issueAt(errorOf(safeParseRuntimeConfig(input)), path, rule).message).toMatch(message);
  });

  it.each([
    [undefined, { model: 'none', checkpoint_interval_secs: 60 }, null],
    [null, { model: 'none', checkpoint_interval_secs: 60 }, null],
    [{}, { model: 'exactly_once', checkpoint_interval_secs: 60 }, 60],
    [{ model: null }, { model: 'none', checkpoint_interval_secs: 60 }, null],
    [
      { model: 'at_least_once', checkpoint_interval_secs: 5 },
      { model: 'at_least_once', checkpoint_interval_secs: 5 },
      5,
    ],
    [
      { model: 'exactly_once', checkpoint_interval_secs: null },
      { model: 'exactly_once', checkpoint_interval_secs: null },
      null,
    ],
  ])('fault_tolerance %j normalises to %j (periodic every %s s)', (input, expected, periodic) => {
    const { config } = parseRuntimeConfig(input === undefined ? {} : { fault_tolerance: input });
    expect(config.fault_tolerance).toEqual(expected);
    expect(periodicCheckpointIntervalSecs(config)).toBe(periodic);
  });

  it('keeps the pipeline name', () => {
    expect(parseRuntimeConfig({ name: 'orders-pipeline' }).config.name).toBe('orders-pipeline');
  });

  it('warns about Feldera keys it ignores, unknown keys and camelCase spellings', () => {
    const { config, warnings } = parseRuntimeConfig({
      workers: 8,
      faultTolerance: { model: 'at_least_once' },
      storag: {},
      storage: {
        min_storage_bytes: 1024,
        backend: {
          name: 'file',
          config: { async_threads: true, sync: { bucket: 'ckpt', provider: 'Ceph' } },
        },
      },
    });
    expect(config.fault_tolerance.model).toBe('at_least_once');
    expect(warnings.map((w) => [w.path, w.rule, w.message])).toEqual([
      ['$.workers', 'ignored-key', 'is a Feldera setting that feldera-sync does not use; ignored'],
      [
        '$.faultTolerance',
        'key-spelling',
        'accepted as fault_tolerance; write fault_tolerance, the spelling Feldera uses',
      ],
      ['$.storag', 'unknown-key', 'unknown key, ignored (did you mean storage?)'],
      [
        '$.storage.min_storage_bytes',
        'ignored-key',
        'is a Feldera setting that feldera-sync does not use; ignored',
      ],
      [
        '$.storage.backend.config.async_threads',
        'ignored-key',
        'is a Feldera setting that feldera-sync does not use; ignored',
      ],
    ]);
  });

  it('reports a camelCase key path as written, inside a renamed section', () => {
    const error = errorOf(
      safeParseRuntimeConfig({ faultTolerance: { checkpointIntervalSecs: 0 } }),
    );
    expect(issueAt(error, '$.faultTolerance.checkpointIntervalSecs', 'range').value).toBe(0);
  });

  it('warns about a backend Feldera does not know', () => {
    const { warnings } = parseRuntimeConfig({ storage: { backend: { name: 'tape' } } });
    expect(warnings).toEqual([
      expect.objectContaining({ path: '$.storage.backend.name', rule: 'unknown-backend' }),
    ]);
  });
});

describe('parseConfigFile', () => {
  it.each([
    [{ bucket: 'ckpt' }, 'sync'],
    [{ storage: null }, 'runtime'],
    [{ fault_tolerance: {} }, 'runtime'],
    [{ name: 'p' }, 'runtime'],
    [{ name: 'p', bucket: 'ckpt' }, 'sync'],
    [{}, 'sync'],
    [[], 'sync'],
  ])('detects %j as %s', (input, kind) => {
    expect(detectConfigKind(input)).toBe(kind);
  });

  it('parses a runtime config file and says so', () => {
    const parsed = parseConfigFile(SEED_SAMPLE);
    expect(parsed.kind).toBe('runtime');
    expect(parsed.sync?.bucket).toBe('BUCKET_NAME/DIRECTORY_NAME');
  });

  it('returns errors instead of throwing, with paths of the detected shape', () => {
    const bare = errorOf(safeParseConfigFile({ bucket: '/x' }));
    expect(bare.issues[0]?.path).toBe('$.bucket');
    const runtime = errorOf(safeParseConfigFile(withSync({ bucket: '/x' })));
    expect(runtime.issues[0]?.path).toBe(`${SYNC_PATH}.bucket`);
    expect(errorOf(safeParseConfigFile(42)).issues[0]).toMatchObject({
      path: '$',
      rule: 'type',
      value: 42,
    });
  });
});
