// Feldera's Python client against the server, for the calls that need no object store: every
// request comes from requests.json, every wait loop and check from the client's source (replay.ts).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  FIXTURE,
  FelderaAPIError,
  FelderaClientReplay,
  RuntimeError,
  pythonJsonDumps,
} from './replay.js';
import { SQL, clientRuntimeConfig, clientStorageConfig, startInProcessServer } from './support.js';
import type { InProcessServer } from './support.js';
import { SERVER_VERSION } from '../../src/version.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

describe('Feldera Python client, no object store', () => {
  let server: InProcessServer;
  let client: FelderaClientReplay;
  beforeAll(async () => {
    server = await startInProcessServer();
    client = await server.client();
  });
  afterAll(async () => server.close());

  it('FelderaClient(url) gets past its constructor: /v0/config has a version and an edition it accepts', () => {
    expect(client.config).toEqual({ version: SERVER_VERSION, edition: 'Enterprise' });
    // Enterprise: the client's tests run their checkpoint-sync cases only then (testutils.enterprise_only).
    const first = client.sent[0]!;
    expect(first).toMatchObject({ method: 'GET', path: '/v0/config', body: null });
  });

  it('PipelineBuilder.create_or_replace() creates with PUT and waits for compilation; Pipeline.get reads every field', async () => {
    const created = await client.builderCreateOrReplace({
      name: 'crud',
      sql: SQL,
      description: 'made by the client',
      tags: ['team:sync', 'env:test'],
      runtime_config: clientRuntimeConfig(),
    });
    expect(created).toMatchObject({
      name: 'crud',
      program_code: SQL,
      program_status: 'Success',
      description: 'made by the client',
      tags: ['env:test', 'team:sync'],
      deployment_status: 'Stopped',
      deployment_desired_status: 'Stopped',
      deployment_error: null,
      storage_status: 'Cleared',
      runtime_config: clientRuntimeConfig(),
      udf_rust: '',
      udf_toml: '',
      program_config: { profile: 'optimized', runtime_version: null, use_platform_compiler: false },
    });
    const id = await client.id('crud');
    expect(id).toMatch(UUID);
    // Feldera's own test derives the bucket owner from the id: `pipeline-<id>` is the system name.
    expect(created?.system_name).toBe(`pipeline-${String(id)}`);
    expect(await client.storageStatus('crud')).toBe('CLEARED');
    expect(await client.status('crud')).toBe('STOPPED');
    const all = await client.pipelines();
    expect(all.map((p) => p.name)).toContain('crud');

    // Replacing an existing pipeline: stop(force), clear_storage, dismiss_error, PUT.
    const replaced = await client.builderCreateOrReplace({
      name: 'crud',
      sql: SQL + '\n-- v2',
      runtime_config: clientRuntimeConfig(),
    });
    expect(replaced).toMatchObject({
      id,
      program_code: SQL + '\n-- v2',
      description: '',
      tags: [],
    });
    expect(Number(replaced?.program_version)).toBeGreaterThan(Number(created?.program_version));
    expect(Number(replaced?.version)).toBeGreaterThan(Number(created?.version));
    const put = client.sent.filter((r) => r.id === 'put_pipeline').at(-1)!;
    expect(put.body).toBe(
      pythonJsonDumps({
        name: 'crud',
        program_code: SQL + '\n-- v2',
        udf_rust: '',
        udf_toml: '',
        program_config: {
          profile: 'optimized',
          runtime_version: null,
          use_platform_compiler: false,
        },
        runtime_config: clientRuntimeConfig(),
        description: '',
        tags: [],
      }),
    );
  });

  it('PipelineBuilder.create() posts /v0/pipelines, refuses an existing name', async () => {
    const created = await client.builderCreate({
      name: 'posted',
      sql: SQL,
      runtime_config: clientRuntimeConfig(),
    });
    expect(created).toMatchObject({ name: 'posted', program_status: 'Success' });
    await expect(
      client.builderCreate({ name: 'posted', sql: SQL, runtime_config: clientRuntimeConfig() }),
    ).rejects.toThrow(RuntimeError);
    // The POST itself, sent again, is Feldera's 409 DuplicateName.
    const again = await client
      .createPipeline({ name: 'posted', sql: SQL, runtime_config: {} }, false)
      .catch((e: unknown) => e);
    expect(again).toBeInstanceOf(FelderaAPIError);
    expect(again).toMatchObject({ status_code: 409, error_code: 'DuplicateName' });
  });

  it('Pipeline.modify() and set_runtime_config() send every key, null for the unset ones; a rename keeps the id', async () => {
    await client.builderCreateOrReplace({
      name: 'patched',
      sql: SQL,
      description: 'keep me',
      tags: ['a'],
      runtime_config: clientRuntimeConfig(),
    });
    const rc = clientRuntimeConfig({ checkpointIntervalSecs: 5 });
    await client.setRuntimeConfig('patched', rc);
    const patch = client.sent.filter((r) => r.id === 'patch_pipeline').at(-1)!;
    expect(JSON.parse(patch.body!)).toEqual({
      program_code: null,
      udf_rust: null,
      udf_toml: null,
      program_config: null,
      runtime_config: rc,
      description: null,
      tags: null,
    });
    let p = await client.get('patched');
    expect(p).toMatchObject({
      runtime_config: rc,
      description: 'keep me',
      tags: ['a'],
      program_code: SQL,
    });

    await client.patchPipeline('patched', { description: 'changed', tags: ['z', 'y'] });
    p = await client.get('patched');
    expect(p).toMatchObject({ runtime_config: rc, description: 'changed', tags: ['y', 'z'] });

    const id = await client.id('patched');
    await client.rename('patched', 'renamed');
    expect(await client.status('patched')).toBe('NOT_FOUND');
    expect(await client.id('renamed')).toBe(id);
    const missing = await client.get('patched').catch((e: unknown) => e);
    expect(missing).toMatchObject({ status_code: 404, error_code: 'UnknownPipelineName' });
  });

  it('start, input_json, wait_for_completion, stats, checkpoint(wait), checkpoints, stop(force) and clear_storage', async () => {
    const name = 'lifecycle';
    await client.builderCreateOrReplace({ name, sql: SQL, runtime_config: clientRuntimeConfig() });
    const before = server.received.length;
    expect(await client.start(name)).toBe('RUNNING');
    // The client's body-less POSTs arrive with Content-Type: application/json and no body.
    const starts = server.received
      .slice(before)
      .filter((r) => r.method === 'POST' && /\/(dismiss_error|start)\b/.test(r.url));
    expect(starts.map((r) => r.url.split('?')[0])).toEqual([
      `/v0/pipelines/${name}/dismiss_error`,
      `/v0/pipelines/${name}/start`,
    ]);
    for (const r of starts) {
      expect(r.headers['content-type']).toBe('application/json');
      expect(r.headers['content-length']).toBe('0');
      expect(r.headers['user-agent']).toBe('feldera-python-sdk/v1');
    }
    expect(starts[1]!.url).toBe(`/v0/pipelines/${name}/start?dismiss_error=false&initial=running`);

    const p = await client.getPipeline(name, 'status');
    expect(p).toMatchObject({
      deployment_status: 'Running',
      deployment_desired_status: 'Running',
      deployment_runtime_status: 'Running',
      deployment_resources_status: 'Provisioned',
      deployment_initial: 'Running',
      storage_status: 'InUse',
      deployment_error: null,
    });
    expect(p.deployment_id).toMatch(UUID);

    const statsBefore = await client.stats(name);
    expect(statsBefore).toMatchObject({ state: 'Running', total_processed_records: 0 });
    const data = Array.from({ length: 12 }, (_, i) => ({ c0: i, c1: String(i) }));
    const token = await client.inputJson(name, 't0', data);
    expect(token).toEqual(expect.any(String));
    // One row as a dict (array=false), and insert_delete changes.
    await client.inputJson(name, 't0', { c0: 100, c1: 'one' });
    await client.inputJson(name, 't0', [{ delete: { c0: 0, c1: '0' } }], {
      update_format: 'insert_delete',
    });
    const ingress = client.sent.filter((r) => r.id === 'ingress');
    expect(ingress.map((r) => r.path.split('?')[1])).toEqual([
      'force=false&format=json&array=true&update_format=raw',
      'force=false&format=json&array=false&update_format=raw',
      'force=false&format=json&array=true&update_format=insert_delete',
    ]);
    expect(client.sent.filter((r) => r.id === 'completion_status')).toHaveLength(3);
    await client.waitForCompletion(name);
    const stats = await client.stats(name);
    expect(stats).toMatchObject({
      state: 'Running',
      total_processed_records: 14,
      total_input_records: 14,
      pipeline_complete: true,
      incarnation_uuid: p.deployment_id,
    });
    expect(Number(stats.storage_bytes)).toBeGreaterThan(0);
    const table = await fetch(`${server.url}/v0/pipelines/${name}/tables/t0`).then(
      (r) => r.json() as Promise<{ rows: unknown[] }>,
    );
    expect(table.rows).toHaveLength(12);

    const cp = await client.checkpoint(name, { wait: true, timeout_s: 30 });
    expect(cp).toMatchObject({ checkpoint_sequence_number: 1, incarnation_uuid: p.deployment_id });
    const polls = client.sent.filter((r) => r.id === 'checkpoint_status');
    expect(polls.at(-1)!.path).toBe(
      `/v0/pipelines/${name}/checkpoint_status?incarnation_uuid=${String(p.deployment_id)}`,
    );
    const checkpoints = await client.checkpoints(name);
    expect(checkpoints).toHaveLength(1);
    expect(checkpoints[0]).toMatchObject({ processed_records: 14, steps: 3 });

    // stop(force=False) checkpoints before stopping; force=True does not.
    await client.inputJson(name, 't0', [{ c0: 200, c1: 'x' }]);
    await client.stopPipeline(name, false, 30);
    expect(await client.checkpoints(name)).toHaveLength(2);
    expect(await client.status(name)).toBe('STOPPED');
    expect(await client.storageStatus(name)).toBe('INUSE');
    expect(await client.start(name)).toBe('RUNNING');
    expect((await client.stats(name)).total_processed_records).toBe(15);
    await client.inputJson(name, 't0', [{ c0: 300, c1: 'lost' }]);
    await client.stopPipeline(name, true, 30);
    expect(await client.checkpoints(name)).toHaveLength(2);

    await client.clearStorage(name, 30);
    expect(await client.storageStatus(name)).toBe('CLEARED');
    expect(await client.checkpoints(name)).toEqual([]);
    await client.delete(name);
    expect(await client.status(name)).toBe('NOT_FOUND');
    const del = server.received.filter((r) => r.method === 'DELETE').at(-1)!;
    expect(del.headers['content-type']).toBe('application/json');
    expect(del.headers['content-length']).toBe('0');
  });

  it('start_paused(): Paused; input_json refuses without force, pushes with it', async () => {
    const name = 'paused';
    await client.builderCreateOrReplace({ name, sql: SQL, runtime_config: clientRuntimeConfig() });
    expect(await client.startPaused(name)).toBe('PAUSED');
    expect(await client.getPipeline(name, 'status')).toMatchObject({
      deployment_status: 'Paused',
      deployment_desired_status: 'Paused',
    });
    await expect(client.inputJson(name, 't0', [{ c0: 1 }])).rejects.toThrow(RuntimeError);
    await client.inputJson(name, 't0', [{ c0: 1 }], { force: true });
    expect((await client.stats(name)).state).toBe('Paused');
    await client.stopPipeline(name, true, 30);
  });

  it('pause() and resume() wait for Paused and Running', async () => {
    const name = 'pausable';
    await client.builderCreateOrReplace({ name, sql: SQL, runtime_config: clientRuntimeConfig() });
    await client.start(name);
    await client.pausePipeline(name);
    expect(await client.getPipeline(name, 'status')).toMatchObject({
      deployment_status: 'Paused',
      deployment_desired_status: 'Paused',
    });
    await client.pausePipeline(name);
    await client.resumePipeline(name);
    expect(await client.status(name)).toBe('RUNNING');
    await client.resumePipeline(name);
    await client.stopPipeline(name, true, 30);
    const err = await client.pausePipeline(name).catch((e: unknown) => e);
    expect(err).toMatchObject({ status_code: 400, error_code: 'PipelineNotRunning' });
  });

  it('start_standby() without start_from_checkpoint is refused with an error the client raises', async () => {
    const name = 'nostandby';
    await client.builderCreateOrReplace({ name, sql: SQL, runtime_config: clientRuntimeConfig() });
    const err = await client.startStandby(name).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(FelderaAPIError);
    expect(err).toMatchObject({ status_code: 400, error_code: 'InvalidTransition' });
  });

  it('a failed start shows as Feldera shows it; start raises with its message; dismiss_error clears it', async () => {
    const name = 'failing';
    await client.builderCreateOrReplace({
      name,
      sql: SQL,
      runtime_config: clientRuntimeConfig({
        storage: clientStorageConfig({
          bucket: 'unreachable-bucket/p',
          endpoint: 'http://127.0.0.1:1',
          access_key: 'AKIAEXAMPLE',
          secret_key: 'secret-that-must-not-leak-0123456789',
          start_from_checkpoint: 'latest',
          fail_if_no_checkpoint: true,
        }),
      }),
    });
    const err = await client.start(name, 30).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RuntimeError);
    expect(String((err as Error).message)).toMatch(
      /^Unable to START the pipeline:\nUnable to transition the pipeline to one of the states: running,awaitingapproval\.\nReason: The pipeline is in a STOPPED state due to the following error:\nrestoring the start checkpoint failed: /,
    );
    const p = await client.getPipeline(name, 'status');
    expect(p).toMatchObject({
      deployment_status: 'Stopped',
      deployment_desired_status: 'Stopped',
      deployment_error: {
        error_code: 'ObjectStoreUnavailable',
        details: { code: 'ERR_STORE_NETWORK' },
      },
    });
    expect(JSON.stringify(p)).not.toContain('secret-that-must-not-leak');
    // The error stays through a stop, and `start?dismiss_error=false` refuses while it is set.
    await client.stopPipeline(name, true, 30);
    expect((await client.getPipeline(name, 'status')).deployment_error).not.toBeNull();
    const refused = await client
      .startPipeline(name, 'running', { dismiss_error: false })
      .catch((e: unknown) => e);
    expect(refused).toMatchObject({
      status_code: 400,
      error_code: 'CannotStartWithUndismissedError',
    });
    await client.dismissErrorPipeline(name);
    expect(await client.getPipeline(name, 'status')).toMatchObject({
      deployment_status: 'Stopped',
      deployment_error: null,
    });
    // Dismissed: `dismiss_error=false` is accepted again (and fails again on the same store).
    const again = await client
      .startPipeline(name, 'running', { dismiss_error: false, timeout_s: 30 })
      .catch((e: unknown) => e);
    expect(again).toBeInstanceOf(RuntimeError);
  });

  it('checkpoint(wait=True) re-issues the checkpoint when the pipeline restarted (IncarnationUuidMismatch)', async () => {
    const name = 'restarting';
    await client.builderCreateOrReplace({ name, sql: SQL, runtime_config: clientRuntimeConfig() });
    await client.start(name);
    await client.inputJson(name, 't0', [{ c0: 1 }]);
    const first = await client.checkpointPipelineResponse(name);
    const resp = await client.checkpoint(name, {
      wait: true,
      timeout_s: 30,
      after: async () => {
        await client.stopPipeline(name, true, 30);
        await client.start(name);
      },
    });
    expect(resp.incarnation_uuid).not.toBe(
      (first as { incarnation_uuid: string }).incarnation_uuid,
    );
    const ids = client.sent.slice(-12).map((r) => r.id);
    expect(ids).toContain('checkpoint_status');
    expect(ids.lastIndexOf('checkpoint')).toBeGreaterThan(ids.indexOf('checkpoint_status'));
    expect(await client.checkpoints(name)).toHaveLength(2);
    await client.stopPipeline(name, true, 30);
  });

  it('start accepts the bootstrap parameters and reports them; silent + concurrent is refused', async () => {
    const name = 'bootstrap';
    await client.builderCreateOrReplace({ name, sql: SQL, runtime_config: clientRuntimeConfig() });
    await client.startPipeline(name, 'running', {
      bootstrap_policy: 'allow',
      silent_bootstrap: true,
      timeout_s: 30,
    });
    expect(client.sent.filter((r) => r.id === 'start').at(-1)!.path).toBe(
      `/v0/pipelines/${name}/start?dismiss_error=false&initial=running&bootstrap_policy=allow&silent_bootstrap=true`,
    );
    expect(await client.getPipeline(name, 'status')).toMatchObject({
      bootstrap_policy: 'allow',
      silent_bootstrap: true,
      concurrent_bootstrap: false,
    });
    await client.stopPipeline(name, true, 30);
    const refused = await client
      .startPipeline(name, 'running', { silent_bootstrap: true, concurrent_bootstrap: true })
      .catch((e: unknown) => e);
    expect(refused).toMatchObject({ status_code: 400, error_code: 'InvalidBootstrapConfig' });
  });

  it('logs() streams the buffered lines, then new ones while the client follows', async () => {
    const name = 'logged';
    await client.builderCreateOrReplace({ name, sql: SQL, runtime_config: clientRuntimeConfig() });
    await client.start(name);
    const stream = await client.logs(name);
    expect(stream.headers['content-type']).toBe('text/plain; charset=utf-8');
    const seen: string[] = [];
    const reading = (async () => {
      for await (const line of stream.lines) {
        seen.push(line);
        if (line.includes('pipeline stopped')) return;
      }
    })();
    await client.stopPipeline(name, true, 30);
    const timer = setTimeout(() => stream.close(), 10_000);
    await reading;
    clearTimeout(timer);
    stream.close();
    expect(seen.some((l) => l.includes('pipeline starting'))).toBe(true);
    expect(seen.some((l) => l.includes('pipeline running'))).toBe(true);
    expect(seen.at(-1)).toContain('pipeline stopped');
  });

  it('last_successful_checkpoint_sync() and remote_checkpoints() without sync raise as the client raises', async () => {
    const name = 'nosync';
    await client.builderCreateOrReplace({ name, sql: SQL, runtime_config: clientRuntimeConfig() });
    await expect(client.lastSuccessfulCheckpointSync(name)).rejects.toThrow(
      'no checkpoints have been synced yet',
    );
    const err = await client.remoteCheckpoints(name).catch((e: unknown) => e);
    expect(err).toMatchObject({ status_code: 400, error_code: 'SyncNotConfigured' });
  });

  it('an unknown completion token is an error the client raises', async () => {
    const name = 'tokens';
    await client.builderCreateOrReplace({ name, sql: SQL, runtime_config: clientRuntimeConfig() });
    await client.start(name);
    const err = await client.completionTokenProcessed(name, 'not-a-token').catch((e: unknown) => e);
    expect(err).toMatchObject({ status_code: 400, error_code: 'InvalidRequest' });
    await client.stopPipeline(name, true, 30);
  });

  it('the OpenAPI document lists the new routes and the pipeline fields', async () => {
    const spec = (await (await fetch(`${server.url}/openapi.json`)).json()) as {
      paths: Record<string, Record<string, { responses?: Record<string, unknown> }>>;
    };
    for (const path of [
      '/v0/config',
      '/v0/cluster_healthz',
      '/v0/pipelines/{name}/dismiss_error',
      '/v0/pipelines/{name}/stats',
      '/v0/pipelines/{name}/logs',
      '/v0/pipelines/{name}/completion_status',
    ]) {
      expect(spec.paths, path).toHaveProperty([path]);
    }
    expect(spec.paths['/v0/pipelines']).toHaveProperty('post');
    const text = JSON.stringify(spec.paths['/v0/pipelines/{name}']);
    for (const field of [
      'deployment_status',
      'deployment_desired_status',
      'deployment_error',
      'storage_status',
      'program_status',
      '"id"',
    ])
      expect(text).toContain(field);
  });

  it('every request of requests.json cites its source in the README', async () => {
    const { readFile } = await import('node:fs/promises');
    const readme = await readFile(new URL('./README.md', import.meta.url), 'utf8');
    for (const id of Object.keys(FIXTURE.requests)) expect(readme, id).toContain(`\`${id}\``);
  });
});

describe('Feldera Python client with an API key', () => {
  const KEY = 'apikey:' + 'k'.repeat(40);
  let server: InProcessServer;
  beforeAll(async () => {
    server = await startInProcessServer(KEY);
  });
  afterAll(async () => server.close());

  it('sends Authorization: Bearer <key> on every request; without it the constructor fails with 401', async () => {
    const client = await server.client();
    expect(client.config.edition).toBe('Enterprise');
    expect(client.sent[0]!.headers.Authorization).toBe(`Bearer ${KEY}`);
    const err = await FelderaClientReplay.connect(server.url).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(FelderaAPIError);
    expect(err).toMatchObject({ status_code: 401, error_code: 'Unauthorized' });
  });
});
