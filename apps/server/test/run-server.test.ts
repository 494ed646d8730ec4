import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { makeTempDir } from '@feldera-sync/test-utils';
import { runServer } from '../src/index.js';

describe('runServer', () => {
  it('a missing --api-key-file is a coded, actionable error (not an internal one)', async () => {
    const dir = await makeTempDir('feldera-sync-run-server-');
    try {
      const missing = join(dir.path, 'no-such-key.txt');
      const err = await runServer({
        host: '127.0.0.1',
        port: 0,
        dataDir: join(dir.path, 'data'),
        apiKeyFile: missing,
        logLevel: 'silent',
      }).then(
        () => null,
        (e: unknown) => e,
      );
      expect(err).toMatchObject({ code: 'ERR_SERVER_API_KEY_FILE' });
      expect(String((err as Error).message)).toContain(missing);
      expect(String((err as Error).message)).toContain('ENOENT');
      expect((err as { hint?: string }).hint).toMatch(/--api-key-file/);
    } finally {
      await dir.cleanup();
    }
  });

  it('one server per data directory: a second one exits naming the holder, and the directory is free again after close', async () => {
    const main = fileURLToPath(new URL('../dist/main.js', import.meta.url));
    expect(existsSync(main), `${main} is missing: build the server first`).toBe(true);
    const dir = await makeTempDir('feldera-sync-run-server-');
    const dataDir = join(dir.path, 'data');
    const second = (): Promise<{ code: number | null; stderr: string }> =>
      new Promise((resolve, reject) => {
        const child = spawn(
          process.execPath,
          [main, '--host', '127.0.0.1', '--port', '0', '--data-dir', dataDir],
          { stdio: ['ignore', 'ignore', 'pipe'] },
        );
        let stderr = '';
        child.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c));
        const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
        child.on('error', reject);
        child.on('exit', (code) => {
          clearTimeout(timer);
          resolve({ code, stderr });
        });
      });
    try {
      const first = await runServer({ host: '127.0.0.1', port: 0, dataDir, logLevel: 'silent' });
      try {
        const r = await second();
        expect(r.code).not.toBe(0);
        expect(r.stderr).toContain('ERR_CHECKPOINT_LOCKED');
        expect(r.stderr).toContain(`PID ${process.pid}`);
        expect(r.stderr).toContain('feldera-sync server');
      } finally {
        await first.close();
      }
      // Released on close: the next server starts (and is stopped again at once).
      const next = await runServer({ host: '127.0.0.1', port: 0, dataDir, logLevel: 'silent' });
      await next.close();
    } finally {
      await dir.cleanup();
    }
  }, 60_000);
});
