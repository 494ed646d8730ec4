import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isConfigError } from './config-error.js';
import { setOwn } from './input-walk.js';
import {
  parseConfigFile,
  parseRuntimeConfig,
  parseSyncConfig,
  safeParseConfigFile,
} from './parse.js';
import { redactConfig } from './redact.js';

/** Secrets that cannot occur by chance in messages: a fixed marker plus random letters. */
const secretArb = fc.stringMatching(/^[A-Za-z0-9]{8,20}$/).map((s) => `Zq9Secret${s}`);

const validSyncArb = fc.record(
  {
    bucket: fc.constantFrom('ckpt', 'ckpt/a', 'my.bucket/x/y/', 'Legacy_Bucket'),
    provider: fc.constantFrom('AWS', 'Minio', 'Ceph', 'Other', 'GCS'),
    endpoint: fc.constantFrom('http://127.0.0.1:9000', 'https://s3.example.com'),
    start_from_checkpoint: fc.constantFrom('latest', '0197a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b'),
    standby: fc.boolean(),
    pull_interval: fc.integer({ min: 1, max: 3600 }),
    transfers: fc.integer({ min: 1, max: 255 }),
    multi_thread_cutoff: fc.constantFrom('100M', '1G', '64k'),
    flags: fc.constantFrom([], ['--fast-list'], ['--s3-server-side-encryption', 'aws:kms']),
    retention_min_age: fc.integer({ min: 0, max: 365 }),
  },
  { requiredKeys: ['bucket', 'start_from_checkpoint'] },
);

/** A JSON-ish value, including awkward keys. */
const anyJson = fc.oneof(
  fc.jsonValue(),
  fc.dictionary(
    fc.constantFrom('__proto__', 'constructor', 'storage', 'bucket', 'sync', 'a b'),
    fc.jsonValue(),
  ),
);

const SYNC_KEYS = [
  'bucket',
  'read_bucket',
  'provider',
  'region',
  'endpoint',
  'start_from_checkpoint',
  'standby',
  'flags',
  'transfers',
  'multi_thread_cutoff',
  'pull_interval',
  'pullInterval',
  'readBucket',
  'bogus',
];

/** One mutation of a valid sync object: set a key to anything, or delete it. */
const mutationArb = fc.oneof(
  fc.record({
    op: fc.constant('set' as const),
    key: fc.constantFrom(...SYNC_KEYS),
    value: anyJson,
  }),
  fc.record({ op: fc.constant('delete' as const), key: fc.constantFrom(...SYNC_KEYS) }),
);

function mutate(
  base: Record<string, unknown>,
  mutations: { op: 'set' | 'delete'; key: string; value?: unknown }[],
): Record<string, unknown> {
  const out = { ...base };
  for (const m of mutations) {
    if (m.op === 'delete') delete out[m.key];
    else
      Object.defineProperty(out, m.key, {
        value: m.value,
        enumerable: true,
        writable: true,
        configurable: true,
      });
  }
  return out;
}

/** Runs `parse` and returns all text it produced; throws when it throws anything but a ConfigError. */
function everythingSaid(parse: () => { warnings: unknown[] }): string {
  try {
    return JSON.stringify(parse().warnings);
  } catch (error) {
    if (!isConfigError(error)) throw error;
    return JSON.stringify({
      message: error.message,
      issues: error.issues,
      warnings: error.warnings,
      json: error.toJSON(),
    });
  }
}

describe('parser properties', () => {
  it('random JSON only ever yields a result or a ConfigError', () => {
    fc.assert(
      fc.property(anyJson, (json) => {
        everythingSaid(() => parseSyncConfig(json));
        everythingSaid(() => parseRuntimeConfig(json));
        everythingSaid(() => parseConfigFile(json));
        expect(typeof safeParseConfigFile(json).ok).toBe('boolean');
      }),
      { numRuns: 400 },
    );
  });

  it('mutated valid configs never throw anything else and never echo a secret', () => {
    fc.assert(
      fc.property(
        validSyncArb,
        secretArb,
        secretArb,
        fc.array(mutationArb, { maxLength: 4 }),
        fc.boolean(),
        (sync, ak, sk, mutations, wrap) => {
          const mutated = mutate({ ...sync, access_key: ak, secret_key: sk }, mutations);
          // Secrets also land in places they do not belong: another field and a secret flag.
          const leaky = {
            ...mutated,
            region: `${ak}-region`,
            flags: ['--s3-secret-access-key', sk],
          };
          for (const input of [mutated, leaky]) {
            const json = wrap
              ? { storage: { backend: { name: 'file', config: { sync: input } } } }
              : input;
            const said = everythingSaid(() => parseConfigFile(json));
            expect(said).not.toContain(ak);
            expect(said).not.toContain(sk);
          }
        },
      ),
      { numRuns: 400 },
    );
  });

  it('a valid config always parses, and its normalised output parses to itself', () => {
    fc.assert(
      fc.property(validSyncArb, (sync) => {
        const { config } = parseSyncConfig(sync);
        expect(parseSyncConfig(config).config).toEqual(config);
      }),
      { numRuns: 200 },
    );
  });
});

/** Words of secret keys as users misspell them. */
const SECRET_KEY_WORDS: readonly (readonly string[])[] = [
  ['secret', 'key'],
  ['access', 'key'],
  ['secret', 'access', 'key'],
  ['access', 'key', 'id'],
  ['aws', 'secret', 'access', 'key'],
  ['session', 'token'],
];

/** A near miss of a secret key: any case, any separator, at most one typo (`Secret_Key`, `secretKey`, `SECRET-KEY`, `secert_key`). */
const nearMissKeyArb = fc
  .record({
    words: fc.constantFrom(...SECRET_KEY_WORDS),
    separator: fc.constantFrom('_', '-', '', ' ', '.', '__'),
    casing: fc.constantFrom('lower', 'upper', 'title', 'camel', 'pascal'),
    typo: fc.option(
      fc.record({
        kind: fc.constantFrom('delete', 'transpose', 'double', 'substitute'),
        at: fc.nat(),
        letter: fc.constantFrom('x', 'q', 'e', 'k'),
      }),
    ),
  })
  .map(({ words, separator, casing, typo }) => {
    const cased = words.map((word, i) => {
      switch (casing) {
        case 'lower':
          return word;
        case 'upper':
          return word.toUpperCase();
        case 'title':
        case 'pascal':
          return word[0]!.toUpperCase() + word.slice(1);
        case 'camel':
          return i === 0 ? word : word[0]!.toUpperCase() + word.slice(1);
      }
    });
    let key = cased.join(casing === 'camel' || casing === 'pascal' ? '' : separator);
    if (typo !== null) {
      const at = typo.at % key.length;
      const ch = key.charAt(at);
      switch (typo.kind) {
        case 'delete':
          key = key.slice(0, at) + key.slice(at + 1);
          break;
        case 'transpose':
          key = key.slice(0, at) + key.slice(at + 1, at + 2) + ch + key.slice(at + 2);
          break;
        case 'double':
          key = key.slice(0, at) + ch + key.slice(at);
          break;
        case 'substitute':
          key = key.slice(0, at) + typo.letter + key.slice(at + 1);
          break;
      }
    }
    return key;
  });

describe('misspelt secret keys', () => {
  it('never echo the value under a near miss of a secret key, in messages or in redacted output', () => {
    fc.assert(
      fc.property(
        validSyncArb,
        nearMissKeyArb,
        secretArb,
        fc.constantFrom('sync', 'runtime', 'object-backend', 'bad-sync'),
        (sync, key, canary, shape) => {
          const input: Record<string, unknown> = { ...sync };
          setOwn(input, key, canary);
          if (shape === 'bad-sync') input.transfers = 0;
          const json =
            shape === 'sync' || shape === 'bad-sync'
              ? input
              : {
                  storage: {
                    backend: {
                      // Another backend with a sync section is an issue whose value is that section.
                      name: shape === 'object-backend' ? 'object' : 'file',
                      config: { sync: input },
                    },
                  },
                };
          const said = everythingSaid(() => parseConfigFile(json));
          expect(said, `key ${JSON.stringify(key)}`).not.toContain(canary);
          expect(JSON.stringify(redactConfig(json)), `key ${JSON.stringify(key)}`).not.toContain(
            canary,
          );
        },
      ),
      { numRuns: 600 },
    );
  });

  it.each([
    'Secret_Key',
    'secretKey',
    'SECRET_KEY',
    'access-key',
    'AccessKey',
    'secret key',
    'secert_key',
    'aws_secret_access_key',
    'SecretAccessKey',
  ])('masks %j and suggests the right key without its value', (key) => {
    const canary = 'Zq9SecretCanary0123456789';
    const input: Record<string, unknown> = {
      bucket: 'ckpt',
      provider: 'Ceph',
      access_key: 'AKIA0000',
      secret_key: 'SK000000',
    };
    setOwn(input, key, canary);
    const wrapped = { storage: { backend: { name: 'object', config: { sync: input } } } };
    const result = safeParseConfigFile(wrapped);
    expect(result.ok).toBe(false);
    const said = everythingSaid(() => parseConfigFile(wrapped));
    expect(said).not.toContain(canary);
    expect(said).toContain('***');
    expect(redactConfig(input)[key]).toBe('***');
    if (key !== 'secretKey' && key !== 'AccessKey') {
      const warnings = parseSyncConfig(input).warnings;
      const warning = warnings.find((w) => w.path.includes(key));
      expect(warning?.message ?? '').not.toContain(canary);
      if (/^(secret|access|secert)[-_ ]?key$/i.test(key))
        expect(warning?.message).toMatch(/did you mean (secret_key|access_key)\?\)$/);
    }
  });
});

/** A secret written into `flags` in one of the forms rclone accepts (or nearly accepts). */
const secretFlagArb = fc
  .record({
    name: fc.constantFrom(
      '--s3-sse-customer-key',
      '--s3-sse-customer-key-base64',
      '--s3-sse-kms-key-id',
      '--s3-secret-access-key',
      '--s3-session-token',
      '--S3-SSE-CUSTOMER-KEY',
      '--s3_secret_access_key',
      '--crypt-password',
      '--password-command',
      '--header',
      '--header-upload',
    ),
    form: fc.constantFrom('equals', 'next', 'space'),
  })
  .map(({ name, form }) => (secret: string): string[] => {
    const value = name.startsWith('--header') ? `Authorization: Bearer ${secret}` : secret;
    switch (form) {
      case 'equals':
        return [`${name}=${value}`];
      case 'next':
        return [name, value];
      case 'space':
        return [`${name} ${value}`];
    }
  });

describe('secrets in rclone flags', () => {
  it('are never echoed, whether the flag is refused or passed through the environment, and are masked when redacted', () => {
    fc.assert(
      fc.property(
        validSyncArb,
        fc.array(secretFlagArb, { minLength: 1, maxLength: 3 }),
        secretArb,
        fc.boolean(),
        fc.boolean(),
        (sync, writers, canary, broken, wrap) => {
          const flags = ['--fast-list', ...writers.flatMap((write) => write(canary))];
          const input = { ...sync, flags, ...(broken ? { transfers: 0 } : {}) };
          const json = wrap
            ? { storage: { backend: { name: 'file', config: { sync: input } } } }
            : input;
          const said = everythingSaid(() => parseConfigFile(json));
          expect(said).not.toContain(canary);
          expect(JSON.stringify(redactConfig(json))).not.toContain(canary);
          const parsed = safeParseConfigFile(json);
          // What parses still carries the secret for the adapter; only its redacted form is shown.
          if (parsed.ok) expect(JSON.stringify(parsed.config)).toContain(canary);
        },
      ),
      { numRuns: 400 },
    );
  });
});
