// Target 5: activation. A real server process (apps/server/dist/main.js) runs a primary that
// ingests, checkpoints and syncs, and standbys that pull it; then `POST .../activate` is timed
// until the pipeline accepts input. The engine's own restore (marker + engine open, from the
// server's log times) is reported separately, as is the final catch-up pull.
import { spawn } from 'node:child_process';
import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { sleep, waitFor } from './util.mjs';

const MAIN = fileURLToPath(new URL('../../apps/server/dist/main.js', import.meta.url));

async function startServer(dataDir) {
  const child = spawn(
    process.execPath,
    [MAIN, '--host', '127.0.0.1', '--port', '0', '--data-dir', dataDir, '--log-level', 'info'],
    {
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  const logs = [];
  let buf = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (c) => {
    buf += c;
    let nl;
    while ((nl = buf.indexOf('\n')) >= 0) {
      const line = buf.slice(0, nl);
      buf = buf.slice(nl + 1);
      try {
        logs.push(JSON.parse(line));
      } catch {
        logs.push({ msg: line });
      }
    }
  });
  child.stderr.setEncoding('utf8').on('data', (c) => (stderr = (stderr + c).slice(-4000)));
  const find = (pred, from = 0) => logs.slice(from).find(pred);
  const listening = await waitFor(
    'the server to listen',
    () => {
      if (child.exitCode !== null) throw new Error(`server exited: ${stderr}`);
      return find((l) => l.msg === 'feldera-sync server listening');
    },
    30_000,
  );
  return {
    url: listening.url,
    pid: child.pid,
    logs,
    find,
    async stop() {
      if (child.exitCode !== null) return;
      const t = setTimeout(() => child.kill('SIGKILL'), 20_000);
      await new Promise((r) => {
        child.once('exit', r);
        child.kill('SIGTERM');
      });
      clearTimeout(t);
    },
  };
}

function client(url) {
  const call = async (method, path, body) => {
    const res = await fetch(url + path, {
      method,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      signal: AbortSignal.timeout(60_000),
    });
    const text = await res.text();
    let parsed = text;
    try {
      parsed = JSON.parse(text);
    } catch {
      /* text */
    }
    return { status: res.status, body: parsed };
  };
  return call;
}

function runtimeConfig(target, location, extra = {}) {
  return {
    storage: {
      backend: {
        name: 'file',
        config: {
          sync: {
            endpoint: target.endpoint,
            bucket: location,
            provider: target.provider,
            access_key: target.accessKey,
            secret_key: target.secretKey,
            start_from_checkpoint: 'latest',
            fail_if_no_checkpoint: false,
            pull_interval: 1,
            ...extra,
          },
        },
      },
    },
  };
}

const ok = (what, answer, status = [200, 201, 202]) => {
  if (!status.includes(answer.status))
    throw new Error(
      `${what} answered ${answer.status}: ${JSON.stringify(answer.body).slice(0, 500)}`,
    );
  return answer;
};

async function waitStatus(call, name, want, timeoutMs = 120_000) {
  return waitFor(
    `${name} to be ${want}`,
    async () => {
      const s = await call('GET', `/v0/pipelines/${name}/status`);
      if (s.body?.runtime_status === 'Failed' && want !== 'Failed')
        throw new Error(`${name} failed: ${JSON.stringify(s.body)}`);
      return s.body?.runtime_status === want ? s.body : null;
    },
    timeoutMs,
    50,
  );
}

export async function activationSuite(env, runs, log, { rows = 100_000 } = {}) {
  const { store, bucket, tmp } = env;
  const dataDir = join(tmp, 'server-data');
  await mkdir(dataDir, { recursive: true });
  const server = await startServer(dataDir);
  const call = client(server.url);
  const location = `${bucket.bucket}/activation`;
  const out = [];
  try {
    ok(
      'PUT primary',
      await call('PUT', '/v0/pipelines/bench-p', {
        runtime_config: runtimeConfig(store.target, location),
      }),
    );
    ok('start primary', await call('POST', '/v0/pipelines/bench-p/start?initial=running'));
    await waitStatus(call, 'bench-p', 'Running');
    const chunk = 10_000;
    for (let i = 0; i < rows; i += chunk) {
      const changes = [];
      for (let j = i; j < Math.min(rows, i + chunk); j++)
        changes.push({
          insert: { id: j, name: `user-${j}`, score: j % 997, tags: ['a', j % 2 ? 'odd' : 'even'] },
        });
      ok('ingress', await call('POST', '/v0/pipelines/bench-p/ingress/orders', changes), [200]);
    }
    ok('checkpoint', await call('POST', '/v0/pipelines/bench-p/checkpoint'), [200]);
    const sync = ok('sync', await call('POST', '/v0/pipelines/bench-p/checkpoint/sync'));
    const uuid = String(sync.body.checkpoint_uuid);
    await waitFor(
      'the primary sync',
      async () => {
        const st = await call('GET', '/v0/pipelines/bench-p/checkpoint/sync_status');
        if (st.body?.failure?.uuid === uuid)
          throw new Error(`sync failed: ${st.body.failure.error}`);
        return st.body?.success === uuid;
      },
      300_000,
      50,
    );
    log(`  activation: primary synced ${rows} rows as ${uuid}`);

    for (let i = 0; i < runs; i++) {
      const name = `bench-b${i}`;
      ok(
        'PUT standby',
        await call('PUT', `/v0/pipelines/${name}`, {
          runtime_config: runtimeConfig(store.target, location, { standby: true }),
        }),
      );
      const from = server.logs.length;
      ok('start standby', await call('POST', `/v0/pipelines/${name}/start?initial=standby`));
      await waitFor(
        `${name} to pull ${uuid}`,
        () =>
          server.find(
            (l) =>
              l.msg === 'checkpoint pulled successfully' &&
              l.pipeline === name &&
              l.checkpoint === uuid,
            from,
          ),
        300_000,
      );
      await sleep(200);
      const mark = server.logs.length;
      const t0 = Date.now();
      ok('activate', await call('POST', `/v0/pipelines/${name}/activate`), [202]);
      let tries = 0;
      await waitFor(
        `${name} to accept input`,
        async () => {
          tries++;
          const r = await call('POST', `/v0/pipelines/${name}/ingress/orders`, [
            { insert: { id: -1 - i, name: 'probe', score: 0, tags: [] } },
          ]);
          return r.status === 200;
        },
        60_000,
        5,
      );
      const t1 = Date.now();
      const mine = (msg, extra = () => true) =>
        server.find(
          (l) =>
            l.pipeline === name && typeof l.msg === 'string' && l.msg.startsWith(msg) && extra(l),
          mark,
        );
      const requested = mine('activation requested');
      const finalPull = mine('checkpoint pulled successfully', (l) => l.final === true);
      const running = await waitFor(
        'the pipeline running log line',
        () => mine('pipeline running'),
        10_000,
      );
      const r = {
        totalMs: t1 - t0,
        finalPullMs: finalPull && requested ? finalPull.time - requested.time : NaN,
        engineMs: finalPull ? running.time - finalPull.time : NaN,
        probes: tries,
      };
      out.push(r);
      log(
        `  activation ${i + 1}: ${r.totalMs} ms to accepting input (final pull ${r.finalPullMs} ms, marker + engine restore ${r.engineMs} ms)`,
      );
      await call('POST', `/v0/pipelines/${name}/stop`);
    }
    await call('POST', '/v0/pipelines/bench-p/stop');
  } finally {
    await server.stop();
    await rm(dataDir, { recursive: true, force: true });
  }
  return out;
}
