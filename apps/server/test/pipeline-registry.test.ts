// Issue 16: every field of a registry entry read back from disk is checked, so a hand-edited or
// planted pipelines.json cannot point a DELETE (or a storage directory) outside the data directory.
import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isSyncError } from '@feldera-sync/errors';
import { makeTempDir } from '@feldera-sync/test-utils';
import type { TempDir } from '@feldera-sync/test-utils';
import { PipelineRegistry } from '../src/pipeline-registry.js';

const GOOD = {
  name: 'good',
  system_name: 'pipeline-0190a1b2-0000-7000-8000-000000000001',
  runtime_config: {},
  created_at: '2026-01-01T00:00:00.000Z',
  updated_at: '2026-01-01T00:00:00.000Z',
};

describe('PipelineRegistry.open validates what it reads', () => {
  let root: TempDir;
  let dataDir: string;
  beforeEach(async () => {
    root = await makeTempDir('feldera-sync-registry-');
    dataDir = join(root.path, 'data');
    await mkdir(dataDir);
  });
  afterEach(async () => root.cleanup());

  const write = (entries: unknown): Promise<void> =>
    writeFile(join(dataDir, 'pipelines.json'), JSON.stringify(entries));

  async function openError(): Promise<{ code: string; message: string; details: unknown }> {
    const err = await PipelineRegistry.open(dataDir).then(
      () => null,
      (e: unknown) => e,
    );
    expect(isSyncError(err), 'open must fail with a coded error').toBe(true);
    const e = err as { code: string; message: string; details: unknown };
    return e;
  }

  it('a system_name of ../../x is refused on load, and nothing outside the data directory is touched', async () => {
    const outside = join(root.path, 'x');
    await mkdir(outside);
    await writeFile(join(outside, 'keep.txt'), 'precious');
    await write([{ ...GOOD, system_name: '../../x' }]);
    const err = await openError();
    expect(err.code).toBe('ERR_SERVER_REGISTRY_CORRUPT');
    expect(err.message).toContain('system_name');
    expect(err.message).toContain('"../../x"');
    expect(err.details).toMatchObject({ entry: 0, field: 'system_name' });
    expect(existsSync(join(outside, 'keep.txt'))).toBe(true);
  });

  it.each<[string, unknown, string]>([
    ['name with a slash', { ...GOOD, name: '../etc' }, 'name'],
    ['name too long', { ...GOOD, name: 'a'.repeat(101) }, 'name'],
    ['name not a string', { ...GOOD, name: 7 }, 'name'],
    ['system_name not pipeline-<uuid>', { ...GOOD, system_name: 'pipeline-x' }, 'system_name'],
    [
      'system_name with a newline',
      { ...GOOD, system_name: `${GOOD.system_name}\n` },
      'system_name',
    ],
    ['runtime_config an array', { ...GOOD, runtime_config: [] }, 'runtime_config'],
    ['runtime_config missing', { ...GOOD, runtime_config: undefined }, 'runtime_config'],
    ['desired unknown', { ...GOOD, desired: 'sideways' }, 'desired'],
    ['created_at not a date', { ...GOOD, created_at: 'yesterday' }, 'created_at'],
    ['version negative', { ...GOOD, version: -1 }, 'version'],
    ['program_version a string', { ...GOOD, program_version: '2' }, 'program_version'],
    ['tags not strings', { ...GOOD, tags: [1] }, 'tags'],
    ['description an object', { ...GOOD, description: {} }, 'description'],
    ['program_config an array', { ...GOOD, program_config: [] }, 'program_config'],
    ['an entry that is not an object', 'pipeline', 'entry'],
  ])('refuses %s', async (_what, entry, field) => {
    await write([entry]);
    const err = await openError();
    expect(err.code).toBe('ERR_SERVER_REGISTRY_CORRUPT');
    expect(err.details).toMatchObject({ entry: 0, field });
  });

  it('refuses two entries with one name or one system name', async () => {
    await write([GOOD, { ...GOOD, system_name: 'pipeline-0190a1b2-0000-7000-8000-000000000002' }]);
    expect((await openError()).details).toMatchObject({ entry: 1, field: 'name' });
    await write([GOOD, { ...GOOD, name: 'other' }]);
    expect((await openError()).details).toMatchObject({ entry: 1, field: 'system_name' });
  });

  it('refuses a runtime config nested deeper than requests may be', async () => {
    const deep = '{"a":'.repeat(10_000) + '1' + '}'.repeat(10_000);
    const entry = JSON.stringify({ ...GOOD, runtime_config: 0 }).replace(
      '"runtime_config":0',
      `"runtime_config":${deep}`,
    );
    await writeFile(join(dataDir, 'pipelines.json'), `[${entry}]`);
    const err = await openError();
    expect(err.code).toBe('ERR_SERVER_REGISTRY_CORRUPT');
    expect(err.message).toMatch(/nested deeper/);
  });

  it('loads a valid registry, old entries without the Feldera fields included', async () => {
    await write([
      GOOD,
      {
        ...GOOD,
        name: 'new',
        system_name: 'pipeline-0190a1b2-0000-7000-8000-000000000003',
        description: 'd',
        tags: ['a'],
        version: 3,
        program_version: 2,
        program_code: 'x',
        udf_rust: '',
        udf_toml: '',
        program_config: {},
        desired: 'running',
        program_updated_at: GOOD.created_at,
      },
    ]);
    const registry = await PipelineRegistry.open(dataDir);
    expect(registry.list().map((d) => d.name)).toEqual(['good', 'new']);
  });

  it('will not name a directory outside the data directory, whatever the definition says', async () => {
    const registry = await PipelineRegistry.open(dataDir);
    expect(() => registry.pipelineDir({ ...GOOD, system_name: '../../x' })).toThrow(
      /not a system name/,
    );
  });
});
