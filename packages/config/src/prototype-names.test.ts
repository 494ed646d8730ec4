import { describe, expect, it } from 'vitest';
import {
  parseConfigFile,
  parseRuntimeConfig,
  parseSyncConfig,
  safeParseSyncConfig,
} from './parse.js';
import { checkRcloneFlags, environmentRcloneFlags } from './rclone-flags.js';
import { redactConfig } from './redact.js';
import { suggestProvider, isS3Provider } from './s3-providers.js';
import { errorOf, issueAt } from './test-support/issues.js';

/** Names that collide with Object.prototype when kept in plain objects. */
const NAMES = ['__proto__', 'constructor', 'toString'] as const;

/** `{"<name>": value, ...}` with the name as an own key, as JSON.parse makes it. */
function withKey(
  base: Record<string, unknown>,
  name: string,
  value: unknown,
): Record<string, unknown> {
  return JSON.parse(
    JSON.stringify(base).replace(/^\{/, `{${JSON.stringify(name)}:${JSON.stringify(value)},`),
  ) as Record<string, unknown>;
}

describe.each(NAMES)('the name %j from input', (name) => {
  const base = { bucket: 'ckpt', provider: 'Ceph' };

  it('as a sync key: warned about, dropped, and never read back as an inherited value', () => {
    const input = withKey(base, name, { pull_interval: 1 });
    const { config, warnings } = parseSyncConfig(input);
    expect(Object.hasOwn(config, name)).toBe(false);
    expect(config.pull_interval).toBe(10);
    expect(Object.getPrototypeOf(config)).toBe(Object.prototype);
    expect(warnings).toContainEqual(expect.objectContaining({ rule: 'unknown-key' }));
    expect(({} as Record<string, unknown>).pull_interval).toBeUndefined();
  });

  it('as a runtime-config, storage and backend key', () => {
    const json = withKey(
      {
        storage: withKey(
          { backend: withKey({ name: 'file', config: { sync: base } }, name, 1) },
          name,
          2,
        ),
      },
      name,
      3,
    );
    const { sync, warnings } = parseRuntimeConfig(json);
    expect(sync?.bucket).toBe('ckpt');
    expect(warnings.filter((w) => w.rule === 'unknown-key')).toHaveLength(3);
  });

  it('as a pipeline name and a bucket prefix it is plain data', () => {
    const { config } = parseConfigFile({
      name,
      storage: { backend: { name: 'file', config: { sync: { ...base, bucket: `ckpt/${name}` } } } },
    });
    expect(config.name).toBe(name);
    expect(config.storage?.backend.config.sync?.bucket).toBe(`ckpt/${name}`);
  });

  it('as a provider: rejected like any unknown provider', () => {
    expect(isS3Provider(name)).toBe(false);
    expect(suggestProvider(name)).toBeUndefined();
    const error = errorOf(safeParseSyncConfig({ ...base, provider: name }));
    expect(issueAt(error, '$.provider', 'enum').value).toBe(name);
  });

  it('as a flag name: neither an override nor a secret', () => {
    for (const flag of [`--${name}`, `--${name}=1`, `--s3-${name}`])
      expect(checkRcloneFlags(['--fast-list', flag])).toEqual({ rejections: [], overrides: [] });
    expect(environmentRcloneFlags([`--${name}`, 'x'])).toEqual([]);
  });

  it('as a key of redacted output: an own property, the prototype untouched', () => {
    const redacted = redactConfig(
      withKey({ secret_key: 'SK-123456' }, name, { secret_key: 'SK-654321' }),
    );
    expect(Object.getPrototypeOf(redacted)).toBe(Object.prototype);
    expect(Object.hasOwn(redacted, name)).toBe(true);
    expect(JSON.stringify(redacted)).not.toContain('SK-');
  });
});
