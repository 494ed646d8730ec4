import { join } from 'node:path';
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
});
