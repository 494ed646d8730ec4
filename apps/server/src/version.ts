import { readFileSync } from 'node:fs';

function readVersion(): string {
  try {
    // src/ in tests, dist/ when built: the package's package.json is one level up from both.
    const text = readFileSync(new URL('../package.json', import.meta.url), 'utf8');
    const pkg = JSON.parse(text) as { version?: unknown };
    return typeof pkg.version === 'string' ? pkg.version : '0.0.0';
  } catch {
    return '0.0.0';
  }
}

/** The server package's version, as `/v0/config` and the OpenAPI document report it. */
export const SERVER_VERSION: string = readVersion();
