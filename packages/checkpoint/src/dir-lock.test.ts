import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, readdir, rm, utimes, writeFile } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { hasErrorCode } from '@feldera-sync/errors';
import { DIR_LOCK_FILE, ERR_CHECKPOINT_LOCKED, acquireDirLock, judgeHolder } from './index.js';

const CHILD = fileURLToPath(new URL('../test/fixtures/lock-child.mjs', import.meta.url));
const DIST = fileURLToPath(new URL('../dist/index.js', import.meta.url));

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'dir-lock-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

interface Child {
  line: Promise<{ ok: boolean; pid?: number; code?: string; message?: string }>;
  exited: Promise<number | null>;
  release(): void;
}

function child(target: string): Child {
  const p = spawn(process.execPath, [CHILD, target], { stdio: ['pipe', 'pipe', 'inherit'] });
  let out = '';
  const line = new Promise<{ ok: boolean; pid?: number; code?: string; message?: string }>(
    (resolve, reject) => {
      p.stdout.on('data', (d: Buffer) => {
        out += d.toString();
        const nl = out.indexOf('\n');
        if (nl >= 0) resolve(JSON.parse(out.slice(0, nl)) as { ok: boolean });
      });
      p.on('exit', () => reject(new Error(`child exited before answering: ${out}`)));
    },
  );
  const exited = new Promise<number | null>((resolve) => p.on('exit', (c) => resolve(c)));
  return { line, exited, release: () => p.stdin.end() };
}

async function deadPid(): Promise<number> {
  const p = spawn(process.execPath, ['-e', '0']);
  await new Promise((r) => p.on('exit', r));
  return p.pid!;
}

describe('judgeHolder', () => {
  const here = { hostname: 'h', exists: true, processStart: 100 };
  it.each([
    [{ hostname: 'other', process_start: 100 }, here, 'unknown'],
    [{ hostname: 'h', process_start: 100 }, { ...here, exists: false }, 'gone'],
    [{ hostname: 'h', process_start: 100 }, { ...here, processStart: 999 }, 'gone'],
    [{ hostname: 'h', process_start: 100 }, here, 'alive'],
    [{ hostname: 'h', process_start: null }, here, 'alive'],
    [{ hostname: 'h', process_start: 100 }, { ...here, processStart: null }, 'alive'],
  ] as const)('%o seen as %o is %s', (holder, seen, expected) => {
    expect(judgeHolder(holder, seen)).toBe(expected);
  });
});

describe('acquireDirLock', () => {
  it('records the holder, is shared within a process, and leaves nothing once released', async () => {
    const a = await acquireDirLock(dir, { command: 'test' });
    const b = await acquireDirLock(dir);
    const holder = JSON.parse(await readFile(join(dir, DIR_LOCK_FILE), 'utf8')) as {
      pid: number;
      hostname: string;
      command: string;
    };
    expect(holder).toMatchObject({ pid: process.pid, hostname: hostname(), command: 'test' });
    await a.release();
    expect(existsSync(join(dir, DIR_LOCK_FILE))).toBe(true);
    await b.release();
    await b.release();
    expect(await readdir(dir)).toEqual([]);
  });

  it('refuses while another live process holds it, naming its PID; succeeds once it is released', async () => {
    expect(existsSync(DIST), `${DIST} is missing: run pnpm build first`).toBe(true);
    const other = child(dir);
    const got = await other.line;
    expect(got.ok).toBe(true);
    const err = await acquireDirLock(dir).catch((e: unknown) => e);
    expect(hasErrorCode(err, ERR_CHECKPOINT_LOCKED)).toBe(true);
    expect((err as Error).message).toContain(`PID ${got.pid}`);
    expect((err as Error).message).toContain('lock-child');
    other.release();
    expect(await other.exited).toBe(0);
    const mine = await acquireDirLock(dir);
    await mine.release();
  });

  it('takes over a lock whose process is gone, one with a reused PID, and an unreadable one', async () => {
    const path = join(dir, DIR_LOCK_FILE);
    const stale = [
      { pid: await deadPid(), hostname: hostname(), process_start: 1, command: 'x', token: 't' },
      // Our own PID, but a process that started at another time: the PID was reused.
      { pid: process.pid, hostname: hostname(), process_start: -5, command: 'x', token: 't' },
    ];
    for (const s of stale) {
      await writeFile(path, JSON.stringify(s));
      const lock = await acquireDirLock(dir);
      expect(JSON.parse(await readFile(path, 'utf8'))).toMatchObject({ pid: process.pid });
      await lock.release();
    }
    await writeFile(path, '');
    const lock = await acquireDirLock(dir);
    await lock.release();
    expect(await readdir(dir)).toEqual([]);
  });

  it('a takeover mutex left by a process killed mid-takeover is broken at once; a live one refuses, naming it', async () => {
    const path = join(dir, DIR_LOCK_FILE);
    const mutex = `${path}.takeover`;
    const staleLock = JSON.stringify({
      pid: await deadPid(),
      hostname: hostname(),
      process_start: 1,
      token: 't',
    });
    // Killed between taking the mutex and finishing: its owner file names a process that is gone.
    await writeFile(path, staleLock);
    await mkdir(mutex);
    await writeFile(
      join(mutex, 'owner'),
      JSON.stringify({ pid: await deadPid(), hostname: hostname(), process_start: 1, token: 'm' }),
    );
    const lock = await acquireDirLock(dir);
    expect(JSON.parse(await readFile(path, 'utf8'))).toMatchObject({ pid: process.pid });
    await lock.release();
    expect(await readdir(dir)).toEqual([]);

    // A mutex whose owner is alive (this test's own process, as /proc knows it) is respected.
    await writeFile(path, staleLock);
    await mkdir(mutex);
    await writeFile(
      join(mutex, 'owner'),
      JSON.stringify({
        pid: process.pid,
        hostname: hostname(),
        process_start: null,
        token: 'live',
      }),
    );
    const err = await acquireDirLock(dir).catch((e: unknown) => e);
    expect(hasErrorCode(err, ERR_CHECKPOINT_LOCKED)).toBe(true);
    expect((err as Error).message).toContain(`PID ${process.pid}`);
    expect((err as Error).message).toContain('being taken over');

    // Without an owner file (killed between mkdir and writing it): refused while young, broken after 2 s.
    await rm(join(mutex, 'owner'));
    const young = await acquireDirLock(dir).catch((e: unknown) => e);
    expect(hasErrorCode(young, ERR_CHECKPOINT_LOCKED)).toBe(true);
    const old = new Date(Date.now() - 10_000);
    await utimes(mutex, old, old);
    const taken = await acquireDirLock(dir);
    await taken.release();
    expect(await readdir(dir)).toEqual([]);
  });

  it("refuses another host's lock, which it cannot check", async () => {
    await writeFile(
      join(dir, DIR_LOCK_FILE),
      JSON.stringify({ pid: 1, hostname: 'elsewhere.example', process_start: 1, token: 't' }),
    );
    const err = await acquireDirLock(dir).catch((e: unknown) => e);
    expect(hasErrorCode(err, ERR_CHECKPOINT_LOCKED)).toBe(true);
    expect((err as Error).message).toContain('another host');
  });

  it('eight processes racing for one stale lock: exactly one wins', async () => {
    expect(existsSync(DIST), `${DIST} is missing: run pnpm build first`).toBe(true);
    await writeFile(
      join(dir, DIR_LOCK_FILE),
      JSON.stringify({ pid: await deadPid(), hostname: hostname(), process_start: 1, token: 't' }),
    );
    const racers = Array.from({ length: 8 }, () => child(dir));
    const answers = await Promise.all(racers.map((r) => r.line));
    expect(answers.filter((a) => a.ok)).toHaveLength(1);
    for (const a of answers.filter((x) => !x.ok)) expect(a.code).toBe(ERR_CHECKPOINT_LOCKED);
    for (const r of racers) r.release();
    await Promise.all(racers.map((r) => r.exited));
    expect(await readdir(dir)).toEqual([]);
  }, 30_000);
});
