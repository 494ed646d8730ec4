import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeTempDir } from '@feldera-sync/test-utils';
import type { TempDir } from '@feldera-sync/test-utils';
import { FakeSignals, runCli, startCli, until } from './support/run-cli.js';

let tmp: TempDir;
beforeAll(async () => {
  tmp = await makeTempDir('feldera-sync-cli-serve-');
});
afterAll(async () => {
  await tmp.cleanup();
});

describe('serve + remote against the real server app', () => {
  it('serves the demo pipeline; remote status, sync --wait and sync-status talk to it', async () => {
    const signals = new FakeSignals();
    const serve = startCli(
      [
        'serve',
        '--port',
        '0',
        '--embedded-s3',
        '--demo',
        '--data-dir',
        tmp.path,
        '--log-level',
        'warn',
      ],
      { signals, cwd: tmp.path },
    );
    await until(
      () =>
        /listening on (http:\S+)/.test(serve.output().stderr) ||
        serve.output().stderr.includes('error'),
      60_000,
    );
    const url = /listening on (http:\S+)/.exec(serve.output().stderr)?.[1];
    expect(url, serve.output().stderr).toBeDefined();
    try {
      let body = { runtime_status: '', incarnation_uuid: '', system_name: '' };
      for (let i = 0; i < 200 && body.runtime_status !== 'Running'; i++) {
        const status = await runCli(['remote', 'status', 'demo', '--url', url!, '--json']);
        expect(status.code, status.stderr).toBe(0);
        body = JSON.parse(status.stdout) as typeof body;
        if (body.runtime_status !== 'Running') await new Promise((r) => setTimeout(r, 50));
      }
      expect(body.runtime_status).toBe('Running');
      expect(body.system_name).toMatch(/^pipeline-/);

      const checkpoint = await fetch(`${url}/v0/pipelines/demo/checkpoint`, { method: 'POST' });
      expect(checkpoint.status).toBe(200);
      const sync = await runCli([
        'remote',
        'sync',
        'demo',
        '--url',
        url!,
        '--wait',
        '--interval',
        '0.1',
        '--json',
      ]);
      expect(sync.code, sync.stderr).toBe(0);
      const synced = JSON.parse(sync.stdout) as {
        checkpoint_uuid: string;
        incarnation_uuid: string;
      };
      expect(synced.incarnation_uuid).toBe(body.incarnation_uuid);

      const syncStatus = await runCli(['remote', 'sync-status', 'demo', '--url', url!, '--json']);
      expect(JSON.parse(syncStatus.stdout)).toMatchObject({
        success: synced.checkpoint_uuid,
        failure: null,
      });
      const stale = await runCli([
        'remote',
        'sync-status',
        'demo',
        '--url',
        url!,
        '--incarnation',
        '00000000-0000-4000-8000-000000000000',
      ]);
      expect(stale.code).toBe(8);
      expect(stale.stderr).toContain('IncarnationUuidMismatch');
      const unknown = await runCli(['remote', 'status', 'nope', '--url', url!]);
      expect(unknown.code).toBe(5);
      const activate = await runCli(['remote', 'activate', 'demo', '--url', url!]);
      expect(activate.code, activate.stderr).toBe(0);
    } finally {
      signals.emit('SIGTERM');
    }
    const done = await serve.result;
    expect(done.code, done.stderr).toBe(0);
  }, 120_000);
});
