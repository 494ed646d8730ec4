/** A scripted fetch: each call is answered by the handler; calls are recorded. */
export interface FakeCall {
  method: string;
  url: string;
  headers: Record<string, string>;
}

export type FakeHandler = (call: FakeCall) => { status: number; body?: unknown } | Error;

/** Builds a fetch that answers with JSON from `handler`. */
export function fakeFetch(handler: FakeHandler): { fetch: typeof fetch; calls: FakeCall[] } {
  const calls: FakeCall[] = [];
  const impl = (input: string | URL | Request, init?: RequestInit): Promise<Response> => {
    const call: FakeCall = {
      method: init?.method ?? 'GET',
      url: typeof input === 'string' ? input : input instanceof URL ? input.href : input.url,
      headers: (init?.headers ?? {}) as Record<string, string>,
    };
    calls.push(call);
    const answer = handler(call);
    if (answer instanceof Error) return Promise.reject(answer);
    const text = answer.body === undefined ? '' : JSON.stringify(answer.body);
    return Promise.resolve(
      new Response(text, {
        status: answer.status,
        headers: { 'content-type': 'application/json' },
      }),
    );
  };
  return { fetch: impl, calls };
}
