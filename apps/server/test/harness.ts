import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const MAIN = fileURLToPath(new URL('../dist/main.js', import.meta.url));

/** A server started as a real child process, its JSON log lines collected. */
export interface ServerProcess {
  url: string;
  pid: number;
  logs: Record<string, unknown>[];
  /** Resolves with the first log line matching `msg` (substring) after `from` lines, or rejects after `timeoutMs`. */
  waitForLog(msg: string, timeoutMs: number, from?: number): Promise<Record<string, unknown>>;
  /** SIGKILL, as a crash would. */
  kill(): Promise<void>;
  /** SIGTERM and wait for exit; resolves the exit code. */
  stop(): Promise<number | null>;
}

function exited(child: ChildProcess): Promise<number | null> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(child.exitCode);
  return new Promise((resolve) => child.once('exit', (code) => resolve(code)));
}

/** Starts `dist/main.js` on 127.0.0.1 with a free port and waits until it listens. */
export async function startServerProcess(options: {
  dataDir: string;
  args?: string[];
  env?: Record<string, string>;
  timeoutMs?: number;
}): Promise<ServerProcess> {
  if (!existsSync(MAIN)) {
    throw new Error(
      `${MAIN} is missing: build the server first (npx turbo run build --filter=@feldera-sync/server...)`,
    );
  }
  const child = spawn(
    process.execPath,
    [
      MAIN,
      '--host',
      '127.0.0.1',
      '--port',
      '0',
      '--data-dir',
      options.dataDir,
      ...(options.args ?? []),
    ],
    {
      env: { ...process.env, ...options.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  const logs: Record<string, unknown>[] = [];
  const waiters = new Set<() => void>();
  let stderr = '';
  let buffer = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    buffer += chunk;
    let nl: number;
    while ((nl = buffer.indexOf('\n')) >= 0) {
      const line = buffer.slice(0, nl);
      buffer = buffer.slice(nl + 1);
      try {
        logs.push(JSON.parse(line) as Record<string, unknown>);
      } catch {
        logs.push({ msg: line });
      }
    }
    for (const w of waiters) w();
  });
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
    stderr += chunk;
  });
  const waitForLog = (msg: string, timeoutMs: number, from = 0): Promise<Record<string, unknown>> =>
    new Promise((resolve, reject) => {
      const check = (): boolean => {
        const hit = logs.slice(from).find((l) => typeof l.msg === 'string' && l.msg.includes(msg));
        if (hit) {
          cleanup();
          resolve(hit);
          return true;
        }
        return false;
      };
      const timer = setTimeout(() => {
        cleanup();
        reject(
          new Error(`no log line '${msg}' within ${timeoutMs} ms; stderr: ${stderr.slice(-2000)}`),
        );
      }, timeoutMs);
      const onExit = (): void => {
        if (!check()) {
          cleanup();
          reject(
            new Error(`server exited before logging '${msg}'; stderr: ${stderr.slice(-2000)}`),
          );
        }
      };
      const cleanup = (): void => {
        clearTimeout(timer);
        waiters.delete(check);
        child.off('exit', onExit);
      };
      if (check()) return;
      waiters.add(check);
      child.once('exit', onExit);
    });
  const listening = await waitForLog('feldera-sync server listening', options.timeoutMs ?? 20_000);
  return {
    url: String(listening.url),
    pid: child.pid!,
    logs,
    waitForLog,
    async kill() {
      child.kill('SIGKILL');
      await exited(child);
    },
    async stop() {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
      const code = await exited(child);
      clearTimeout(timer);
      return code;
    },
  };
}

/** A JSON answer: status and parsed body. */
export interface Answer<T = any> {
  status: number;
  body: T;
}

/** A minimal client of the server's API, as a Feldera client would drive it. */
export function client(url: string, apiKey?: string) {
  const call = async <T = any>(
    method: string,
    path: string,
    body?: unknown,
  ): Promise<Answer<T>> => {
    const headers: Record<string, string> = {};
    if (apiKey) headers.authorization = `Bearer ${apiKey}`;
    if (body !== undefined) headers['content-type'] = 'application/json';
    const res = await fetch(url + path, {
      method,
      headers,
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      signal: AbortSignal.timeout(60_000),
    });
    const text = await res.text();
    let parsed: unknown = text;
    try {
      parsed = JSON.parse(text);
    } catch {
      /* text answers (metrics) stay text */
    }
    return { status: res.status, body: parsed as T };
  };
  const p = (name: string): string => `/v0/pipelines/${name}`;
  const api = {
    call,
    put: (name: string, runtime_config: unknown) => call('PUT', p(name), { runtime_config }),
    rename: (name: string, to: string) => call('PATCH', p(name), { name: to }),
    start: (name: string, initial: 'running' | 'paused' | 'standby' = 'running') =>
      call('POST', `${p(name)}/start?initial=${initial}`),
    stop: (name: string) => call('POST', `${p(name)}/stop`),
    clear: (name: string) => call('POST', `${p(name)}/clear`),
    activate: (name: string) => call('POST', `${p(name)}/activate`),
    status: (name: string) => call('GET', `${p(name)}/status`),
    ingress: (name: string, table: string, changes: unknown[]) =>
      call('POST', `${p(name)}/ingress/${table}`, changes),
    table: (name: string, table: string) =>
      call<{ rows: unknown[]; hash: string }>('GET', `${p(name)}/tables/${table}`),
    checkpoint: (name: string) => call('POST', `${p(name)}/checkpoint`),
    sync: (name: string) => call('POST', `${p(name)}/checkpoint/sync`),
    syncStatus: (name: string, incarnation?: string) =>
      call(
        'GET',
        `${p(name)}/checkpoint/sync_status${incarnation ? `?incarnation_uuid=${incarnation}` : ''}`,
      ),
    checkpoints: (name: string) => call('GET', `${p(name)}/checkpoints`),
    remoteCheckpoints: (name: string) => call('GET', `${p(name)}/checkpoints/remote`),
    /** Polls status until `runtime_status` is one of `want`; throws with the last status after `timeoutMs`. */
    async waitForStatus(
      name: string,
      want: string | string[],
      timeoutMs = 30_000,
    ): Promise<Answer> {
      const wanted = Array.isArray(want) ? want : [want];
      const deadline = Date.now() + timeoutMs;
      let last: Answer | undefined;
      while (Date.now() < deadline) {
        last = await api.status(name);
        if (wanted.includes(String(last.body?.runtime_status))) return last;
        await new Promise((r) => setTimeout(r, 100));
      }
      throw new Error(
        `pipeline ${name} did not reach ${wanted.join('|')} in ${timeoutMs} ms; last: ${JSON.stringify(last?.body)}`,
      );
    },
    /** Requests a sync and polls until `success` (or `failure`) names that checkpoint. */
    async syncAndWait(name: string, timeoutMs = 60_000): Promise<{ uuid: string; status: Answer }> {
      const started = await api.sync(name);
      if (started.status !== 202)
        throw new Error(`sync answered ${started.status}: ${JSON.stringify(started.body)}`);
      const uuid = String(started.body.checkpoint_uuid);
      const deadline = Date.now() + timeoutMs;
      while (Date.now() < deadline) {
        const st = await api.syncStatus(name);
        if (st.body?.success === uuid) return { uuid, status: st };
        if (st.body?.failure?.uuid === uuid)
          throw new Error(`sync of ${uuid} failed: ${st.body.failure.error}`);
        await new Promise((r) => setTimeout(r, 100));
      }
      throw new Error(`sync of ${uuid} did not finish in ${timeoutMs} ms`);
    },
  };
  return api;
}
