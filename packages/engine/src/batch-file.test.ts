import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { hasErrorCode } from '@feldera-sync/errors';
import { readBatchFile, writeBatchFile } from './batch-file.js';
import { EngineErrorCodes } from './errors.js';
import { tempDir } from '../test/helpers.js';

let dir: string;
let cleanup: () => Promise<void>;
beforeEach(async () => {
  ({ path: dir, cleanup } = await tempDir('batch-'));
});
afterEach(async () => cleanup());

const NAME = 'w0-01900000-0000-7000-8000-000000000001.feldera';

async function readAll(path: string, table = 't'): Promise<[string, number][]> {
  const out: [string, number][] = [];
  await readBatchFile(path, table, (key, weight) => out.push([key, weight]));
  return out;
}

describe('batch files', () => {
  it('round-trips entries, including across read chunks', async () => {
    const entries: [string, number][] = [];
    for (let i = 0; i < 50_000; i += 1)
      entries.push([
        JSON.stringify({ i: String(i).padStart(6, '0'), s: 'é'.repeat(i % 30) }),
        (i % 3) - 1 || 5,
      ]);
    entries.sort(([a], [b]) => (a < b ? -1 : 1));
    const path = join(dir, NAME);
    const written = await writeBatchFile(path, 't', entries);
    expect(written.entries).toBe(50_000);
    expect(written.bytes).toBe((await readFile(path)).length);
    expect(await readAll(path)).toEqual(entries);
  });

  it('starts with a JSON header and ends with a checksum trailer', async () => {
    const path = join(dir, NAME);
    await writeBatchFile(path, 't', [
      ['"a"', 1],
      ['"b"', -2],
    ]);
    const lines = (await readFile(path, 'utf8')).split('\n');
    expect(JSON.parse(lines[0]!)).toEqual({
      format: 'feldera-sync-engine-batch',
      version: 1,
      table: 't',
      entries: 2,
    });
    expect(lines.slice(1, 3)).toEqual(['1 "a"', '-2 "b"']);
    expect(lines[3]).toMatch(/^#sha256 [0-9a-f]{64}$/);
  });

  it.each([
    ['a flipped byte', (t: string) => t.replace('1 "a"', '1 "c"')],
    ['a truncation', (t: string) => t.slice(0, t.length - 5)],
    ['a dropped line', (t: string) => t.replace('-2 "b"\n', '')],
    ['an empty file', () => ''],
  ])('names the file when it finds %s', async (_what, damage) => {
    const path = join(dir, NAME);
    await writeBatchFile(path, 't', [
      ['"a"', 1],
      ['"b"', -2],
    ]);
    await writeFile(path, damage(await readFile(path, 'utf8')));
    await expect(readAll(path)).rejects.toSatisfy(
      (e) => hasErrorCode(e, EngineErrorCodes.CORRUPT_FILE) && e.details?.file === NAME,
    );
  });

  it('refuses a batch of another table and reports a missing file', async () => {
    const path = join(dir, NAME);
    await writeBatchFile(path, 't', [['"a"', 1]]);
    await expect(readAll(path, 'u')).rejects.toSatisfy((e) =>
      hasErrorCode(e, EngineErrorCodes.CORRUPT_FILE),
    );
    await expect(readAll(join(dir, 'w0-missing.feldera'))).rejects.toSatisfy((e) =>
      hasErrorCode(e, EngineErrorCodes.MISSING_FILE),
    );
  });
});
