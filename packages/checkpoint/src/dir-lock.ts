import { randomBytes } from 'node:crypto';
import {
  link,
  mkdir,
  readFile,
  realpath,
  rename,
  rm,
  stat,
  unlink,
  writeFile,
} from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { SyncError } from '@feldera-sync/errors';
import { ioError, isNotFound } from './atomic-file.js';
import { ERR_CHECKPOINT_LOCKED } from './errors.js';

/**
 * The lock file feldera-sync keeps in a directory it writes (a storage directory, the server's data
 * directory). Feldera's startup GC keeps unknown files (dbsp `checkpointer.rs`, `gc_startup`), so it
 * never trips over it; it is removed when the holder releases it.
 */
export const DIR_LOCK_FILE = '.feldera-sync.lock';

/** Who holds a lock, as its file records it. */
export interface LockHolder {
  pid: number;
  hostname: string;
  /** The holder process's start time (Linux clock ticks since boot), so a reused PID is not mistaken for it. */
  process_start: number | null;
  command: string;
  acquired_at: string;
  token: string;
}

/** A held lock; `release` is idempotent. */
export interface DirLock {
  readonly dir: string;
  readonly holder: LockHolder;
  release(): Promise<void>;
}

/** How a lock's holder looks to this process; pure, from what /proc and kill(pid, 0) said. */
export type HolderLiveness = 'alive' | 'gone' | 'unknown';

/**
 * Decides whether a recorded holder still holds its lock: another host's lock cannot be checked
 * (`unknown`: refused), a missing process or a process that started at another time (PID reuse) is
 * `gone` (the lock may be taken over), anything else is `alive`.
 */
export function judgeHolder(
  holder: Pick<LockHolder, 'hostname' | 'process_start'>,
  here: { hostname: string; exists: boolean; processStart: number | null },
): HolderLiveness {
  if (holder.hostname !== here.hostname) return 'unknown';
  if (!here.exists) return 'gone';
  if (holder.process_start !== null && here.processStart !== null)
    return holder.process_start === here.processStart ? 'alive' : 'gone';
  return 'alive';
}

/** Start time of `pid` from /proc (field 22 of /proc/<pid>/stat), or null where /proc says nothing. */
async function processStart(pid: number): Promise<number | null> {
  try {
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may hold spaces and parentheses: count fields after its last ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const start = Number(fields[19]);
    return Number.isSafeInteger(start) ? start : null;
  } catch {
    return null;
  }
}

function processExists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    // EPERM: it exists, under another user.
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function parseHolder(text: string): LockHolder | null {
  try {
    const h = JSON.parse(text) as Partial<LockHolder>;
    if (typeof h.pid !== 'number' || !Number.isSafeInteger(h.pid) || h.pid <= 0) return null;
    return {
      pid: h.pid,
      hostname: typeof h.hostname === 'string' ? h.hostname : '',
      process_start: typeof h.process_start === 'number' ? h.process_start : null,
      command: typeof h.command === 'string' ? h.command.slice(0, 200) : '',
      acquired_at: typeof h.acquired_at === 'string' ? h.acquired_at.slice(0, 40) : '',
      token: typeof h.token === 'string' ? h.token : '',
    };
  } catch {
    return null;
  }
}

function lockedError(dir: string, holder: LockHolder | null, why: string): SyncError {
  const who = holder
    ? `PID ${holder.pid}${holder.hostname ? ` on ${holder.hostname}` : ''}${holder.command ? ` (${holder.command})` : ''}${holder.acquired_at ? ` since ${holder.acquired_at}` : ''}`
    : 'another process';
  return new SyncError(ERR_CHECKPOINT_LOCKED, `${dir} is in use by ${who}${why}`, {
    hint: 'wait for that process to finish or stop it; a lock left by a process that is gone is taken over by the next run',
    details: { dir, lockFile: join(dir, DIR_LOCK_FILE), ...(holder ? { pid: holder.pid } : {}) },
  });
}

/** Locks held by this process, by real path: a second acquisition shares the first. */
const held = new Map<string, { lock: DirLock; count: number }>();

/**
 * A takeover mutex without its owner file (its creator was killed between `mkdir` and writing the
 * file, a window of microseconds) is stale once it is this old. One whose owner file names a
 * process that is gone is stale at once.
 */
const TAKEOVER_OWNERLESS_STALE_MS = 2_000;
const MUTEX_OWNER = 'owner';

/** Takes the takeover mutex (a directory holding its owner), or says why not. */
async function takeMutex(dir: string, mutex: string, holder: LockHolder): Promise<void> {
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      await mkdir(mutex);
      await writeFile(join(mutex, MUTEX_OWNER), JSON.stringify(holder) + '\n', { mode: 0o600 });
      return;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw ioError(e, 'create', mutex);
    }
    const owner = await readFile(join(mutex, MUTEX_OWNER), 'utf8').then(parseHolder, () => null);
    if (owner) {
      const liveness = judgeHolder(owner, {
        hostname: holder.hostname,
        exists: processExists(owner.pid),
        processStart: await processStart(owner.pid),
      });
      if (liveness !== 'gone') throw lockedError(dir, owner, ': its lock is being taken over');
    } else {
      const age = await stat(mutex).then(
        (st) => Date.now() - st.mtimeMs,
        () => 0,
      );
      if (age < TAKEOVER_OWNERLESS_STALE_MS)
        throw lockedError(dir, null, ': its lock is being taken over');
    }
    // Stale: move it aside under a name of our own (atomic), then make sure what we moved is the
    // mutex we judged, not a newer one another process made meanwhile (put that one back).
    // Residual race: with three or more processes breaking one stale mutex at once, putting a
    // newer mutex back can fail because a third made another; two may then take over together,
    // and the lock file's own exclusive create still lets only one of them hold the lock unless
    // one unlinks the other's fresh lock in the same microseconds.
    const aside = `${mutex}.stale.${holder.token}`;
    try {
      await rename(mutex, aside);
    } catch (e) {
      if (isNotFound(e)) continue; // another process broke it first: try again
      throw ioError(e, 'break stale', mutex);
    }
    const moved = await readFile(join(aside, MUTEX_OWNER), 'utf8').then(parseHolder, () => null);
    if ((moved?.token ?? null) !== (owner?.token ?? null)) {
      await rename(aside, mutex).catch(() => undefined);
      throw lockedError(dir, moved, ': its lock is being taken over');
    }
    await rm(aside, { recursive: true, force: true });
  }
  throw lockedError(dir, null, ': its lock is being taken over');
}

/**
 * Creates the lock file with its content in one step (written aside, then hard-linked into place,
 * which fails if the name exists), so no reader ever sees a lock file without its holder.
 */
async function createLockFile(path: string, holder: LockHolder): Promise<boolean> {
  const aside = `${path}.${holder.token}`;
  try {
    await writeFile(aside, JSON.stringify(holder) + '\n', { flag: 'wx', mode: 0o600 });
    try {
      await link(aside, path);
      return true;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'EEXIST') return false;
      throw e;
    }
  } catch (e) {
    throw ioError(e, 'create lock file', path);
  } finally {
    await rm(aside, { force: true });
  }
}

/**
 * Locks `dir` (which must exist) for this process until `release`: an exclusive create of
 * `DIR_LOCK_FILE` holding the PID, host, process start time and command. A lock whose holder is gone
 * (no such process, or a reused PID) is taken over under a takeover mutex, so two processes never
 * both take over one stale lock. A live holder, or one on another host, fails with
 * `ERR_CHECKPOINT_LOCKED` naming its PID. Within one process a lock is shared (counted).
 */
export async function acquireDirLock(
  dir: string,
  options: { command?: string | undefined } = {},
): Promise<DirLock> {
  let real: string;
  try {
    real = await realpath(dir);
  } catch (e) {
    throw ioError(e, 'resolve', dir);
  }
  const mine = held.get(real);
  if (mine) {
    mine.count++;
    return sharedHandle(real, mine.lock);
  }
  const path = join(real, DIR_LOCK_FILE);
  const holder: LockHolder = {
    pid: process.pid,
    hostname: hostname(),
    process_start: await processStart(process.pid),
    command: (options.command ?? process.argv.slice(1, 3).join(' ')).slice(0, 200),
    acquired_at: new Date().toISOString(),
    token: randomBytes(12).toString('hex'),
  };
  if (!(await createLockFile(path, holder))) await takeOver(real, path, holder);
  const lock: DirLock = {
    dir: real,
    holder,
    release: async () => {
      const entry = held.get(real);
      if (!entry || entry.lock !== lock) return;
      held.delete(real);
      await removeIfOurs(path, holder.token);
    },
  };
  held.set(real, { lock, count: 1 });
  return sharedHandle(real, lock);
}

/** A handle whose release drops one count of the process's shared lock. */
function sharedHandle(real: string, lock: DirLock): DirLock {
  let released = false;
  return {
    dir: lock.dir,
    holder: lock.holder,
    release: async () => {
      if (released) return;
      released = true;
      const entry = held.get(real);
      if (!entry || entry.lock !== lock) return;
      entry.count--;
      if (entry.count === 0) await lock.release();
    },
  };
}

async function removeIfOurs(path: string, token: string): Promise<void> {
  try {
    const current = parseHolder(await readFile(path, 'utf8'));
    if (current?.token === token) await unlink(path);
  } catch (e) {
    if (!isNotFound(e)) throw ioError(e, 'remove lock file', path);
  }
}

async function takeOver(dir: string, path: string, holder: LockHolder): Promise<void> {
  const mutex = `${path}.takeover`;
  await takeMutex(dir, mutex, holder);
  try {
    let text: string | null = null;
    try {
      text = await readFile(path, 'utf8');
    } catch (e) {
      if (!isNotFound(e)) throw ioError(e, 'read lock file', path);
    }
    if (text !== null) {
      const current = parseHolder(text);
      if (current) {
        const liveness = judgeHolder(current, {
          hostname: holder.hostname,
          exists: processExists(current.pid),
          processStart: await processStart(current.pid),
        });
        if (liveness === 'alive') throw lockedError(dir, current, '');
        if (liveness === 'unknown')
          throw lockedError(dir, current, ': it was taken on another host and cannot be checked');
      }
      // Gone, or an unreadable lock file (a holder killed while writing it): take it over.
      await unlink(path).catch((e: unknown) => {
        if (!isNotFound(e)) throw ioError(e, 'remove stale lock file', path);
      });
    }
    if (!(await createLockFile(path, holder))) throw lockedError(dir, null, '');
  } finally {
    await rm(mutex, { recursive: true, force: true });
  }
}
