/**
 * The console's HTTP client: the server's public routes only, with the API key sent as every
 * client sends it (`Authorization: Bearer <key>`). The key lives in this tab's sessionStorage, or
 * in localStorage when the operator asks to be remembered; it is never put in a URL.
 */
import type { ApiErrorText } from './api-types.js';

const KEY_NAME = 'feldera-sync.api-key';

/** An answer that was not 2xx, with the API's error body when it sent one. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly body: ApiErrorText | null,
  ) {
    super(body?.message ?? `the server answered ${status}`);
    this.name = 'ApiError';
  }
}

/** Where the key is kept between page loads. */
export interface KeyStore {
  get(): string | null;
  set(key: string, remember: boolean): void;
  clear(): void;
}

/** The browser's storages: session by default, local when remembered. */
export function browserKeyStore(): KeyStore {
  return {
    get: () => sessionStorage.getItem(KEY_NAME) ?? localStorage.getItem(KEY_NAME),
    set: (key, remember) => {
      sessionStorage.setItem(KEY_NAME, key);
      if (remember) localStorage.setItem(KEY_NAME, key);
      else localStorage.removeItem(KEY_NAME);
    },
    clear: () => {
      sessionStorage.removeItem(KEY_NAME);
      localStorage.removeItem(KEY_NAME);
    },
  };
}

async function errorBody(res: Response): Promise<ApiErrorText | null> {
  try {
    const body = (await res.json()) as Partial<ApiErrorText>;
    return typeof body.message === 'string'
      ? { message: body.message, error_code: String(body.error_code ?? '') }
      : null;
  } catch {
    return null;
  }
}

/** Calls the API; every call is bounded by `timeoutMs`. */
export class ApiClient {
  constructor(
    private readonly keys: KeyStore,
    private readonly timeoutMs = 15_000,
  ) {}

  private headers(): Record<string, string> {
    const key = this.keys.get();
    return key ? { authorization: `Bearer ${key}` } : {};
  }

  async get<T>(path: string): Promise<T> {
    const res = await fetch(path, {
      headers: { ...this.headers(), accept: 'application/json' },
      signal: AbortSignal.timeout(this.timeoutMs),
      cache: 'no-store',
    });
    if (!res.ok) throw new ApiError(res.status, await errorBody(res));
    return (await res.json()) as T;
  }

  async post<T>(path: string): Promise<T> {
    const res = await fetch(path, {
      method: 'POST',
      headers: { ...this.headers(), accept: 'application/json' },
      signal: AbortSignal.timeout(this.timeoutMs * 4),
    });
    if (!res.ok) throw new ApiError(res.status, await errorBody(res));
    const text = await res.text();
    return (text === '' ? {} : JSON.parse(text)) as T;
  }
}

/** The path of a pipeline route (names are validated by the server; encode anyway). */
export function pipelinePath(name: string, rest = ''): string {
  return `/v0/pipelines/${encodeURIComponent(name)}${rest}`;
}
