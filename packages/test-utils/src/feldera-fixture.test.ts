import { readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { FELDERA_FIXTURE, FELDERA_FIXTURE_DIR, copyFelderaFixture } from './feldera-fixture.js';
import { felderaRestoreCheck } from './feldera-restore-check.js';

const made: string[] = [];
afterEach(async () => {
  await Promise.all(made.splice(0).map((d) => rm(d, { recursive: true, force: true })));
});

describe('the hand-written Feldera storage fixture', () => {
  it('passes Feldera restore checks as committed, resuming from the complete checkpoint', async () => {
    expect(await felderaRestoreCheck(FELDERA_FIXTURE_DIR)).toEqual({
      ok: true,
      problems: [],
      resumesFrom: FELDERA_FIXTURE.complete,
      wouldRemove: [],
    });
  });

  it('matches its README: catalog order, forms and the commit window', async () => {
    const catalog = JSON.parse(
      await readFile(join(FELDERA_FIXTURE_DIR, 'checkpoints.feldera'), 'utf8'),
    ) as { uuid: string }[];
    expect(catalog.map((e) => e.uuid)).toEqual([
      FELDERA_FIXTURE.v1,
      FELDERA_FIXTURE.v2NoStateFiles,
      FELDERA_FIXTURE.complete,
      FELDERA_FIXTURE.commitWindow,
    ]);
    const deps = async (u: string): Promise<unknown> =>
      JSON.parse(await readFile(join(FELDERA_FIXTURE_DIR, u, 'dependencies.json'), 'utf8'));
    expect(Array.isArray(await deps(FELDERA_FIXTURE.v1))).toBe(true);
    expect(await deps(FELDERA_FIXTURE.v2NoStateFiles)).not.toHaveProperty('state_files');
    expect(await readdir(join(FELDERA_FIXTURE_DIR, FELDERA_FIXTURE.commitWindow))).not.toContain(
      'state.json',
    );
    const root = await readdir(FELDERA_FIXTURE_DIR);
    for (const e of FELDERA_FIXTURE.keptRootEntries) expect(root).toContain(e);
  });

  it('copies byte for byte', async () => {
    const to = join(tmpdir(), `fixture-${process.pid}-${Date.now()}`);
    made.push(to);
    await copyFelderaFixture(to);
    expect(await felderaRestoreCheck(to)).toMatchObject({ ok: true });
    expect(await readFile(join(to, 'steps.bin'))).toEqual(
      await readFile(join(FELDERA_FIXTURE_DIR, 'steps.bin')),
    );
  });
});
