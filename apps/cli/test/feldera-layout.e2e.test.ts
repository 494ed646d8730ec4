// The built `feldera-sync` binary on storage directories laid out by Feldera, against Ceph RGW:
// the hand-written fixture of test-utils (push, checkpoints ls, pull into an empty directory,
// verify, gc, standby) and a directory written by an independent writer (fixtures/feldera_writer.py,
// from Feldera's Rust sources, not from this project's code). Every directory the CLI installs is
// checked with Feldera's own startup and restore rules (`felderaRestoreCheck`).
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFile, readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  FELDERA_FIXTURE,
  cephServer,
  copyFelderaFixture,
  ensureCeph,
  felderaRestoreCheck,
  makeTempDir,
} from '@feldera-sync/test-utils';
import type { TempDir, TestBucket } from '@feldera-sync/test-utils';
import { writeFile } from 'node:fs/promises';
import { BIN, assertBuilt, run, runBin } from './support/bin.js';

const ceph = await ensureCeph();
const WRITER = fileURLToPath(new URL('./fixtures/feldera_writer.py', import.meta.url));
const buckets: TestBucket[] = [];
let tmp: TempDir;

function envFor(bucket: TestBucket): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env))
    if (v !== undefined && !k.startsWith('FELDERA_SYNC_')) env[k] = v;
  return {
    ...env,
    FELDERA_SYNC_ACCESS_KEY: bucket.accessKey,
    FELDERA_SYNC_SECRET_KEY: bucket.secretKey,
  };
}

async function configFor(bucket: TestBucket, extra: Record<string, unknown> = {}): Promise<string> {
  const path = join(tmp.path, `${bucket.bucket}.json`);
  await writeFile(
    path,
    JSON.stringify({
      bucket: bucket.bucket,
      endpoint: bucket.endpoint,
      provider: bucket.provider,
      region: bucket.region,
      ...extra,
    }),
  );
  return path;
}

/** SHA-256 of every file under `dir`, by path relative to it. */
async function tree(dir: string, rel = ''): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for (const d of await readdir(join(dir, rel), { withFileTypes: true })) {
    const p = rel === '' ? d.name : `${rel}/${d.name}`;
    if (d.isDirectory()) for (const [k, v] of await tree(dir, p)) out.set(k, v);
    else
      out.set(
        p,
        createHash('sha256')
          .update(await readFile(join(dir, p)))
          .digest('hex'),
      );
  }
  return out;
}

/** The files a pull of `uuid` from `src` must install, with the hashes they have in `src`. */
async function expectedInstall(src: string, uuid: string): Promise<Map<string, string>> {
  const all = await tree(src);
  const deps = JSON.parse(await readFile(join(src, uuid, 'dependencies.json'), 'utf8')) as
    string[] | { batches: string[] };
  const out = new Map<string, string>();
  for (const [k, v] of all) if (k.startsWith(`${uuid}/`)) out.set(k, v);
  for (const b of Array.isArray(deps) ? deps : deps.batches) out.set(b, all.get(b)!);
  out.set('state.json', all.get(`${uuid}/state.json`)!);
  return out;
}

async function newBucket(): Promise<TestBucket> {
  const b = await cephServer().createBucket();
  buckets.push(b);
  return b;
}

describe.skipIf(!ceph.available)(
  'the CLI on Feldera-written storage directories (Ceph RGW)',
  () => {
    beforeAll(async () => {
      await assertBuilt();
      tmp = await makeTempDir('feldera-sync-cli-layout-');
    });
    afterAll(async () => {
      await Promise.all(buckets.map((b) => b.remove()));
      await tmp?.cleanup();
    });

    it('fixture: ls shows every form and the commit window; push; pull into an empty directory is byte-identical; verify; gc', async () => {
      const bucket = await newBucket();
      const config = await configFor(bucket);
      const env = envFor(bucket);
      const src = await copyFelderaFixture(join(tmp.path, 'fixture'));
      const original = await tree(src);

      const ls = await runBin(['checkpoints', 'ls', '--storage', src, '--json'], env);
      expect(ls.stderr).toBe('');
      expect(ls.code).toBe(0);
      const listed = JSON.parse(ls.stdout) as {
        uuid: string;
        complete: boolean;
        missing: string[];
      }[];
      expect(listed.map((e) => [e.uuid, e.complete])).toEqual([
        [FELDERA_FIXTURE.v1, true],
        [FELDERA_FIXTURE.v2NoStateFiles, true],
        [FELDERA_FIXTURE.complete, true],
        [FELDERA_FIXTURE.commitWindow, false],
      ]);
      expect(listed[3]!.missing).toEqual([`${FELDERA_FIXTURE.commitWindow}/state.json`]);
      const table = await runBin(['checkpoints', 'ls', '--storage', src], env);
      expect(table.stdout).toMatch(new RegExp(`${FELDERA_FIXTURE.commitWindow}.*incomplete`));

      for (const spec of [FELDERA_FIXTURE.v1, FELDERA_FIXTURE.v2NoStateFiles, 'latest']) {
        const push = await runBin(
          [
            'push',
            '--config',
            config,
            '--storage',
            src,
            '--pipeline',
            'fixture',
            '--checkpoint',
            spec,
            '--json',
          ],
          env,
        );
        expect(push.stderr, spec).toBe('');
        expect(push.code, spec).toBe(0);
        if (spec === 'latest')
          expect(JSON.parse(push.stdout)).toMatchObject({
            checkpoint_uuid: FELDERA_FIXTURE.complete,
          });
      }
      const window = await runBin(
        [
          'push',
          '--config',
          config,
          '--storage',
          src,
          '--pipeline',
          'fixture',
          '--checkpoint',
          FELDERA_FIXTURE.commitWindow,
        ],
        env,
      );
      expect(window.code).toBe(5);
      expect(window.stderr).toContain(
        `checkpoint '${FELDERA_FIXTURE.commitWindow}' not found in local storage`,
      );
      // Pushing read Feldera's directory and changed nothing, leaving no staging behind; the one
      // file it keeps is its hash cache (for the next process), which Feldera's startup GC keeps.
      const after = await tree(src);
      expect([...after.keys()].filter((k) => !original.has(k))).toEqual(['.feldera-sync.hashes']);
      after.delete('.feldera-sync.hashes');
      expect(after).toEqual(original);
      expect(await felderaRestoreCheck(src)).toMatchObject({ ok: true, wouldRemove: [] });

      const remote = await runBin(
        ['checkpoints', 'ls', '--remote', '--config', config, '--json'],
        env,
      );
      expect((JSON.parse(remote.stdout) as { uuid: string }[]).map((e) => e.uuid)).toEqual([
        FELDERA_FIXTURE.v1,
        FELDERA_FIXTURE.v2NoStateFiles,
        FELDERA_FIXTURE.complete,
      ]);

      for (const uuid of [FELDERA_FIXTURE.v1, FELDERA_FIXTURE.complete]) {
        const target = join(tmp.path, `pulled-${uuid}`);
        const pull = await runBin(
          ['pull', '--config', config, '--storage', target, '--checkpoint', uuid, '--json'],
          env,
        );
        expect(pull.stderr).toBe('');
        expect(pull.code).toBe(0);
        const got = await tree(target);
        got.delete('.feldera-sync.hashes');
        const wanted = await expectedInstall(src, uuid);
        expect([...got.keys()].sort()).toEqual(['checkpoints.feldera', ...wanted.keys()].sort());
        for (const [f, h] of wanted) expect(got.get(f), f).toBe(h);
        expect(await felderaRestoreCheck(target)).toEqual({
          ok: true,
          problems: [],
          resumesFrom: uuid,
          wouldRemove: [],
        });
        const verify = await runBin(['verify', '--config', config, '--checkpoint', uuid], env);
        expect(verify.code, verify.stdout + verify.stderr).toBe(0);
      }
      const gc = await runBin(['gc', '--config', config, '--dry-run', '--json'], env);
      expect(gc.code, gc.stderr).toBe(0);
    }, 180_000);

    it('pull refuses a directory of another lineage (exit 8, unchanged); --replace-local removes it and says so', async () => {
      const bucket = await newBucket();
      const config = await configFor(bucket);
      const env = envFor(bucket);
      const src = await copyFelderaFixture(join(tmp.path, 'lineage-src'));
      expect(
        (await runBin(['push', '--config', config, '--storage', src, '--pipeline', 'fixture'], env))
          .code,
      ).toBe(0);
      const other = join(tmp.path, 'lineage-other');
      const w = await run(
        'python3',
        [WRITER, other, '--checkpoints', '3', '--seed', '7'],
        process.env as Record<string, string>,
      );
      expect(w.code, w.stderr).toBe(0);
      const theirs = w.stdout
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as { uuid: string })
        .slice(-2)
        .map((e) => e.uuid);
      const before = await tree(other);
      const refused = await runBin(['pull', '--config', config, '--storage', other], env);
      expect(refused.code).toBe(8);
      expect(refused.stderr).toContain('[ERR_SYNC_FOREIGN_CHECKPOINTS]');
      expect(refused.stderr).toContain('--replace-local');
      expect(await tree(other)).toEqual(before);
      const replaced = await runBin(
        ['pull', '--config', config, '--storage', other, '--replace-local'],
        env,
      );
      expect(replaced.code, replaced.stderr).toBe(0);
      for (const u of theirs) expect(replaced.stdout).toContain(`removed local checkpoint ${u}`);
      expect(await felderaRestoreCheck(other)).toEqual({
        ok: true,
        problems: [],
        resumesFrom: FELDERA_FIXTURE.complete,
        wouldRemove: [],
      });
    }, 120_000);

    it('an independent Feldera-layout writer: its directory pushes and pulls back byte for byte', async () => {
      const bucket = await newBucket();
      const config = await configFor(bucket);
      const env = envFor(bucket);
      const src = join(tmp.path, 'writer');
      const w = await run(
        'python3',
        [WRITER, src, '--checkpoints', '5', '--seed', '3'],
        process.env as Record<string, string>,
      );
      expect(w.code, w.stderr).toBe(0);
      const newest = (JSON.parse(w.stdout.trim().split('\n').at(-1)!) as { uuid: string }).uuid;
      expect(await felderaRestoreCheck(src)).toMatchObject({ ok: true, resumesFrom: newest });
      const push = await runBin(
        ['push', '--config', config, '--storage', src, '--pipeline', 'writer', '--json'],
        env,
      );
      expect(push.stderr).toBe('');
      expect(JSON.parse(push.stdout)).toMatchObject({ checkpoint_uuid: newest });
      const target = join(tmp.path, 'writer-pulled');
      const pull = await runBin(['pull', '--config', config, '--storage', target], env);
      expect(pull.code, pull.stderr).toBe(0);
      const got = await tree(target);
      for (const [f, h] of await expectedInstall(src, newest)) expect(got.get(f), f).toBe(h);
      expect(await felderaRestoreCheck(target)).toEqual({
        ok: true,
        problems: [],
        resumesFrom: newest,
        wouldRemove: [],
      });
    }, 120_000);

    it("standby pulls the fixture's checkpoint, activates on SIGUSR1 and leaves Feldera's activated.feldera", async () => {
      const bucket = await newBucket();
      const config = await configFor(bucket, { start_from_checkpoint: 'latest', pull_interval: 1 });
      const env = envFor(bucket);
      const src = await copyFelderaFixture(join(tmp.path, 'standby-src'));
      expect(
        (await runBin(['push', '--config', config, '--storage', src, '--pipeline', 'fixture'], env))
          .code,
      ).toBe(0);
      const target = join(tmp.path, 'standby');
      await rm(target, { recursive: true, force: true });
      const child = spawn(
        process.execPath,
        [BIN, 'standby', '--config', config, '--storage', target],
        {
          env,
          stdio: ['ignore', 'pipe', 'pipe'],
        },
      );
      let out = '';
      let err = '';
      child.stdout.on('data', (d: Buffer) => (out += d.toString()));
      child.stderr.on('data', (d: Buffer) => (err += d.toString()));
      const exited = new Promise<number | null>((resolve) =>
        child.on('exit', (code) => resolve(code)),
      );
      try {
        const deadline = Date.now() + 60_000;
        while (!out.includes('checkpoint pulled successfully') && Date.now() < deadline)
          await new Promise((r) => setTimeout(r, 100));
        expect(out, err).toContain(`checkpoint pulled successfully: ${FELDERA_FIXTURE.complete}`);
        child.kill('SIGUSR1');
        const code = await Promise.race([
          exited,
          new Promise<'timeout'>((r) => setTimeout(() => r('timeout'), 60_000)),
        ]);
        expect(code, err).toBe(0);
      } finally {
        if (child.exitCode === null) child.kill('SIGKILL');
      }
      const marker = await readFile(join(target, 'activated.feldera'), 'utf8');
      expect(marker).toMatch(
        new RegExp(
          `^\\{"uuid":"${FELDERA_FIXTURE.complete}","identifier":null,"fingerprint":17361719284930715834,`,
        ),
      );
      expect(await felderaRestoreCheck(target)).toEqual({
        ok: true,
        problems: [],
        resumesFrom: FELDERA_FIXTURE.complete,
        wouldRemove: [],
      });
    }, 120_000);
  },
);
