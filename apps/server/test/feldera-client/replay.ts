// A transcription of Feldera's Python client (python/feldera at the commit in requests.json) for
// the calls the compatibility suite replays: the HTTP requests come from requests.json, the
// control flow (wait loops, retries, what is read from each answer, what raises) from the client's
// source as README.md cites it. It has no logic of this project's own.
import { readFileSync } from 'node:fs';
import { Agent, request as httpRequest } from 'node:http';
import type { IncomingHttpHeaders, IncomingMessage } from 'node:http';

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type Vars = Record<string, unknown>;

interface RequestEntry {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  path: string;
  query?: [string, string, { omitIfNull?: boolean }?][];
  body?: { json: Json };
  stream?: boolean;
  reads?: string[];
}

interface Fixture {
  source: { repository: string; commit: string };
  transport: {
    pathPrefix: string;
    headers: Record<string, string>;
    authorization: string;
    bodylessHeaders: Record<string, string>;
    bodylessMethods: string[];
    retryStatuses: number[];
    maxRetries: number;
    healthProbe: string;
  };
  requests: Record<string, RequestEntry>;
  calls: Record<string, string[]>;
}

/** The fixture: the exact requests the client sends. */
export const FIXTURE = JSON.parse(
  readFileSync(new URL('./requests.json', import.meta.url), 'utf8'),
) as Fixture;

// Python exceptions the client raises, so tests assert what a caller of the client would catch.
export class PythonError extends Error {}
export class RuntimeError extends PythonError {}
export class TimeoutError extends PythonError {}
export class ValueError extends PythonError {}
export class KeyError extends PythonError {}
export class AttributeError extends PythonError {}

/** `feldera.rest.errors.FelderaAPIError`, built as the client builds it from an error answer. */
export class FelderaAPIError extends PythonError {
  readonly status_code: number;
  readonly error_code: string | null;
  readonly details: unknown;
  readonly text: string;
  constructor(status: number, text: string) {
    let errorCode: string | null = null;
    let message: string | null = null;
    let details: unknown = null;
    try {
      const body = JSON.parse(text) as Record<string, unknown>;
      errorCode = typeof body.error_code === 'string' ? body.error_code : null;
      message = typeof body.message === 'string' ? body.message : null;
      details = body.details ?? null;
    } catch {
      message = text;
    }
    super(`Error Code: ${errorCode}\nMessage: ${message}\nResponse Status: ${status}`);
    this.status_code = status;
    this.error_code = errorCode;
    this.details = details;
    this.text = text;
  }
}

/** Every request the replay sent, for assertions on the wire format. */
export interface SentRequest {
  id: string;
  method: string;
  path: string;
  headers: Record<string, string>;
  body: string | null;
}

/** `json.dumps(value)` with Python's default separators and `ensure_ascii`. */
export function pythonJsonDumps(value: unknown): string {
  if (value === null || value === undefined) return 'null';
  if (value === true) return 'true';
  if (value === false) return 'false';
  if (typeof value === 'number') {
    if (!Number.isInteger(value)) throw new Error('the replay only sends integers');
    return String(value);
  }
  if (typeof value === 'string') {
    return JSON.stringify(value).replace(
      /[\u007f-\uffff]/g,
      (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
    );
  }
  if (Array.isArray(value)) return `[${value.map(pythonJsonDumps).join(', ')}]`;
  if (typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).map(
      ([k, v]) => `${pythonJsonDumps(k)}: ${pythonJsonDumps(v)}`,
    );
    return `{${entries.join(', ')}}`;
  }
  throw new Error(`cannot serialize ${typeof value}`);
}

/** `_httprequests.json_serialize`: `json.dumps(body) if body else "" if body == "" else "null"`. */
function jsonSerialize(body: unknown): string {
  const falsy =
    body === null ||
    body === undefined ||
    body === false ||
    body === 0 ||
    body === '' ||
    (Array.isArray(body) && body.length === 0) ||
    (typeof body === 'object' && body !== null && Object.keys(body).length === 0);
  if (!falsy) return pythonJsonDumps(body);
  return body === '' ? '' : 'null';
}

/** `urllib.parse.quote_plus` (what requests uses for params). */
function quotePlus(value: string): string {
  return encodeURIComponent(value)
    .replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)
    .replace(/%20/g, '+');
}

function fill(template: string, vars: Vars): string {
  return template.replace(/\{(\w+)\}/g, (_, key: string) => {
    if (!(key in vars)) throw new Error(`request template needs '${key}'`);
    return String(vars[key]);
  });
}

function fillJson(template: Json, vars: Vars): unknown {
  if (typeof template === 'string') {
    const whole = /^\{(\w+)\}$/.exec(template);
    if (whole) {
      if (!(whole[1]! in vars)) throw new Error(`request template needs '${whole[1]}'`);
      return vars[whole[1]!];
    }
    return fill(template, vars);
  }
  if (Array.isArray(template)) return template.map((t) => fillJson(t, vars));
  if (template && typeof template === 'object')
    return Object.fromEntries(Object.entries(template).map(([k, v]) => [k, fillJson(v, vars)]));
  return template;
}

/** `str(value)` for the JSON values an answer holds. */
function pyStr(value: unknown): string {
  if (typeof value === 'string') return value;
  if (value === null || value === undefined) return 'None';
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return JSON.stringify(value);
}

const sleep = (seconds: number): Promise<void> =>
  new Promise((resolve) => setTimeout(resolve, seconds * 1000));
const monotonic = (): number => performance.now() / 1000;

/** A streamed answer (`stream=True`): its lines, and how to close it. */
export interface StreamedAnswer {
  status: number;
  headers: IncomingHttpHeaders;
  lines: AsyncGenerator<string>;
  close(): void;
}

/** A dict read as the client reads it: `d["k"]` raises KeyError, `obj.k` AttributeError. */
function item(d: unknown, key: string): unknown {
  if (d === null || typeof d !== 'object' || !(key in d))
    throw new KeyError(`'${key}' missing in ${JSON.stringify(d)?.slice(0, 300)}`);
  return (d as Record<string, unknown>)[key];
}
function attr(d: unknown, key: string): unknown {
  if (d === null || typeof d !== 'object' || !(key in d))
    throw new AttributeError(`'Pipeline' object has no attribute '${key}'`);
  return (d as Record<string, unknown>)[key];
}
function get(d: unknown, key: string): unknown {
  return d !== null && typeof d === 'object' ? (d as Record<string, unknown>)[key] : undefined;
}

/** `Enum.from_str` of enums.py: case-insensitive match on member names. */
function fromStr(enumName: string, members: string[], value: unknown): string {
  if (typeof value !== 'string') throw new AttributeError(`'${typeof value}' has no lower()`);
  const hit = members.find((m) => m.toLowerCase() === value.toLowerCase());
  if (!hit) throw new ValueError(`Unknown value '${value}' for enum ${enumName}`);
  return hit;
}

export const PIPELINE_STATUS = [
  'NOT_FOUND',
  'STOPPED',
  'PROVISIONING',
  'UNAVAILABLE',
  'STANDBY',
  'AWAITINGAPPROVAL',
  'INITIALIZING',
  'BOOTSTRAPPING',
  'REPLAYING',
  'PAUSED',
  'RUNNING',
  'SUSPENDED',
  'STOPPING',
  'CONCURRENTBOOTSTRAPPING',
  'SYNCHRONIZING',
];
const STORAGE_STATUS = ['CLEARED', 'INUSE', 'CLEARING'];
const TRANSACTION_STATUS = ['NoTransaction', 'TransactionInProgress', 'CommitInProgress'];
const EDITIONS = ['Enterprise', 'Open source'];
const UUID_TEXT = /^[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}$/i;

/** Python's `UUID(text)`, as a comparable 32-digit hex string. */
function pyUuid(value: unknown): string {
  if (typeof value !== 'string' || !UUID_TEXT.test(value.replace(/[{}]/g, '')))
    throw new ValueError(`badly formed hexadecimal UUID string: ${pyStr(value)}`);
  return value.replace(/[{}-]/g, '').toLowerCase();
}

/** `str(UUID)`: the dashed lowercase form. */
function uuidStr(hex: string): string {
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** `CheckpointStatus` of enums.py, with the error a failure carries. */
export type CheckpointStatus =
  | { kind: 'Success' }
  | { kind: 'Failure'; error: string }
  | { kind: 'InProgress' }
  | { kind: 'Unknown' };

/** The client-side definition a PipelineBuilder sends. */
export interface PipelineSpec {
  name: string;
  sql: string;
  udf_rust?: string;
  udf_toml?: string;
  description?: string;
  tags?: string[];
  runtime_config: Record<string, unknown>;
}

export interface ReplayOptions {
  apiKey?: string | undefined;
  /** Called with every request the replay is about to send. */
  onSend?: ((request: SentRequest) => void) | undefined;
}

/** `FelderaClient` plus the `Pipeline` methods of pipeline.py, driving a server over HTTP. */
export class FelderaClientReplay {
  readonly sent: SentRequest[] = [];
  private readonly agent = new Agent({ keepAlive: true });
  private readonly base: URL;
  /** What `GET /v0/config` answered in the constructor. */
  config: { version: unknown; edition: string } = { version: null, edition: '' };

  private constructor(
    url: string,
    private readonly options: ReplayOptions,
  ) {
    this.base = new URL(url);
  }

  /** `FelderaClient(url)`: the constructor calls `get_config()` and fails when it fails. */
  static async connect(url: string, options: ReplayOptions = {}): Promise<FelderaClientReplay> {
    const client = new FelderaClientReplay(url, options);
    client.config = await client.getConfig();
    return client;
  }

  close(): void {
    this.agent.destroy();
  }

  // ---------------------------------------------------------------- transport (_httprequests.py)

  private build(id: string, vars: Vars): SentRequest {
    const entry = FIXTURE.requests[id];
    if (!entry) throw new Error(`no request '${id}' in requests.json`);
    const t = FIXTURE.transport;
    let path = t.pathPrefix + fill(entry.path, vars);
    const query: string[] = [];
    for (const [key, template, opts] of entry.query ?? []) {
      const whole = /^\{(\w+)\}$/.exec(template);
      const value = whole ? vars[whole[1]!] : template;
      if ((value === null || value === undefined) && opts?.omitIfNull) continue;
      if (value === undefined) throw new Error(`request '${id}' needs '${template}'`);
      query.push(`${quotePlus(key)}=${quotePlus(pyStr(value))}`);
    }
    if (query.length > 0) path += (path.includes('?') ? '&' : '?') + query.join('&');
    const headers: Record<string, string> = { ...t.headers };
    if (this.options.apiKey)
      headers.Authorization = fill(t.authorization, { api_key: this.options.apiKey });
    let body: string | null = null;
    if (entry.body) body = jsonSerialize(fillJson(entry.body.json, vars));
    if (body === null || body === '') {
      body = null;
      if (t.bodylessMethods.includes(entry.method)) Object.assign(headers, t.bodylessHeaders);
    } else {
      headers['Content-Length'] = String(Buffer.byteLength(body, 'latin1'));
    }
    return { id, method: entry.method, path, headers, body };
  }

  private send(
    request: SentRequest,
  ): Promise<{ status: number; headers: IncomingHttpHeaders; res: IncomingMessage }> {
    this.sent.push(request);
    this.options.onSend?.(request);
    return new Promise((resolve, reject) => {
      const req = httpRequest(
        {
          host: this.base.hostname,
          port: this.base.port,
          method: request.method,
          path: request.path,
          headers: request.headers,
          agent: this.agent,
          timeout: 120_000,
        },
        (res) => resolve({ status: res.statusCode ?? 0, headers: res.headers, res }),
      );
      req.on('timeout', () => req.destroy(new TimeoutError(`${request.path} timed out`)));
      req.on('error', reject);
      req.end(request.body === null ? undefined : Buffer.from(request.body, 'latin1'));
    });
  }

  private static async text(res: IncomingMessage): Promise<string> {
    const chunks: Buffer[] = [];
    for await (const chunk of res) chunks.push(chunk as Buffer);
    return Buffer.concat(chunks).toString('utf8');
  }

  /** `HttpRequests.send_request`: retries, the 502 health probe, and `__validate`. */
  async request(id: string, vars: Vars = {}): Promise<unknown> {
    const entry = FIXTURE.requests[id]!;
    const request = this.build(id, vars);
    const t = FIXTURE.transport;
    const idempotentDelete = entry.method === 'DELETE';
    for (let attempt = 1; ; attempt++) {
      const { status, headers, res } = await this.send(request);
      if (status >= 400) {
        const err = new FelderaAPIError(status, await FelderaClientReplay.text(res));
        if (idempotentDelete && status === 404 && attempt > 1) return null;
        if (!t.retryStatuses.includes(status) || attempt > t.maxRetries) throw err;
        await sleep(await this.retryWait(err, headers, attempt));
        continue;
      }
      if (entry.stream) throw new Error(`'${id}' is a streamed request: use stream()`);
      const text = await FelderaClientReplay.text(res);
      const type = headers['content-type'];
      if (type === 'text/plain') return text;
      if (type === 'application/octet-stream') return Buffer.from(text);
      if (text === '') return null;
      return JSON.parse(text) as unknown;
    }
  }

  /** `_custom_wait`: Retry-After, the `/cluster_healthz` probe for 502, else exponential backoff. */
  private async retryWait(
    err: FelderaAPIError,
    headers: IncomingHttpHeaders,
    attempt: number,
  ): Promise<number> {
    const retryAfter = Number(headers['retry-after']);
    if (headers['retry-after'] !== undefined && Number.isFinite(retryAfter))
      return Math.min(retryAfter, 64);
    if (err.status_code === 502) {
      const probe = this.build('cluster_healthz', {});
      const { status, res } = await this.send(probe);
      const text = await FelderaClientReplay.text(res);
      const healthy = status === 200 && get(JSON.parse(text || 'null'), 'all_healthy') === true;
      return healthy ? 0 : 90;
    }
    return Math.min(2 * 2 ** (attempt - 1), 64);
  }

  /** A `stream=True` GET: status checked, then the body's non-empty lines (`iter_lines`). */
  async stream(id: string, vars: Vars): Promise<StreamedAnswer> {
    const request = this.build(id, vars);
    const { status, headers, res } = await this.send(request);
    if (status >= 400) throw new FelderaAPIError(status, await FelderaClientReplay.text(res));
    async function* lines(): AsyncGenerator<string> {
      let buffer = '';
      for await (const chunk of res) {
        buffer += (chunk as Buffer).toString('utf8');
        let nl: number;
        while ((nl = buffer.search(/\r?\n/)) >= 0) {
          const line = buffer.slice(0, nl);
          buffer = buffer.slice(buffer[nl] === '\r' ? nl + 2 : nl + 1);
          if (line) yield line;
        }
      }
      if (buffer) yield buffer;
    }
    return { status, headers, lines: lines(), close: () => res.destroy() };
  }

  // ------------------------------------------------------------ FelderaClient (feldera_client.py)

  /** `get_config()` -> `FelderaConfig(resp)`: `FelderaEdition.from_value(edition)` must accept it. */
  async getConfig(): Promise<{ version: unknown; edition: string }> {
    const resp = await this.request('get_config');
    const edition = get(resp, 'edition');
    if (typeof edition !== 'string') throw new AttributeError("'NoneType' has no lower()");
    const match = EDITIONS.find((e) => e.toLowerCase() === edition.toLowerCase());
    if (!match) throw new ValueError(`Unknown value '${edition}' for enum FelderaEdition`);
    return { version: get(resp, 'version'), edition: match };
  }

  /** `get_pipeline(name, selector)` -> `Pipeline.from_dict`, which walks `program_info.schema`. */
  async getPipeline(name: string, selector: 'all' | 'status'): Promise<Record<string, unknown>> {
    const d = await this.request('get_pipeline', { name, selector });
    return FelderaClientReplay.fromDict(d);
  }

  private static fromDict(d: unknown): Record<string, unknown> {
    if (d === null || typeof d !== 'object' || Array.isArray(d))
      throw new AttributeError('Pipeline.from_dict needs a dict');
    const info = get(d, 'program_info');
    if (info !== null && info !== undefined) {
      const schema = item(info, 'schema');
      for (const key of ['inputs', 'outputs']) {
        const list = item(schema, key);
        if (!Array.isArray(list)) throw new PythonError(`schema.${key} is not iterable`);
        for (const t of list)
          for (const k of ['name', 'fields', 'case_sensitive', 'materialized']) item(t, k);
      }
    }
    return d as Record<string, unknown>;
  }

  /** `pipelines(selector)`. */
  async pipelines(selector: 'all' | 'status' = 'status'): Promise<Record<string, unknown>[]> {
    const resp = await this.request('list_pipelines', { selector });
    if (!Array.isArray(resp)) throw new PythonError('pipelines answer is not a list');
    return resp.map((d) => FelderaClientReplay.fromDict(d));
  }

  /** `_wait_for_compilation(name)`: polls `program_status` every second until it leaves the wait set. */
  async waitForCompilation(name: string, timeoutS = 60): Promise<Record<string, unknown>> {
    const wait = ['Pending', 'CompilingSql', 'SqlCompiled', 'CompilingRust'];
    const start = monotonic();
    for (;;) {
      if (monotonic() - start > timeoutS)
        throw new TimeoutError(`Timed out waiting for pipeline '${name}' to compile`);
      const p = await this.getPipeline(name, 'status');
      const status = attr(p, 'program_status');
      if (status === 'Success') return this.getPipeline(name, 'all');
      if (!wait.includes(pyStr(status))) {
        await this.getPipeline(name, 'all');
        throw new RuntimeError(`The program failed to compile: ${pyStr(status)}`);
      }
      await sleep(1);
    }
  }

  private static body(spec: PipelineSpec): Vars {
    return {
      name: spec.name,
      program_code: spec.sql.trim(),
      udf_rust: spec.udf_rust ?? '',
      udf_toml: spec.udf_toml ?? '',
      program_config: { profile: 'optimized', runtime_version: null, use_platform_compiler: false },
      runtime_config: spec.runtime_config,
      description: spec.description ?? '',
      tags: [...new Set(spec.tags ?? [])].sort(),
    };
  }

  /** `create_pipeline(pipeline, wait)`. */
  async createPipeline(spec: PipelineSpec, wait = true): Promise<Record<string, unknown> | null> {
    await this.request('post_pipeline', FelderaClientReplay.body(spec));
    return wait ? this.waitForCompilation(spec.name) : null;
  }

  /** `create_or_update_pipeline(pipeline, wait)`. */
  async createOrUpdatePipeline(
    spec: PipelineSpec,
    wait = true,
  ): Promise<Record<string, unknown> | null> {
    await this.request('put_pipeline', FelderaClientReplay.body(spec));
    return wait ? this.waitForCompilation(spec.name) : null;
  }

  /** `patch_pipeline(name, sql=..., ...)`: every key is sent, unset ones as null. */
  async patchPipeline(
    name: string,
    fields: {
      sql?: string;
      udf_rust?: string;
      udf_toml?: string;
      program_config?: Record<string, unknown>;
      runtime_config?: Record<string, unknown>;
      description?: string;
      tags?: string[];
    },
  ): Promise<void> {
    await this.request('patch_pipeline', {
      name,
      sql: fields.sql ?? null,
      udf_rust: fields.udf_rust ?? null,
      udf_toml: fields.udf_toml ?? null,
      program_config: fields.program_config ?? null,
      runtime_config: fields.runtime_config ?? null,
      description: fields.description ?? null,
      tags: fields.tags === undefined ? null : [...new Set(fields.tags)].sort(),
    });
  }

  /** The rename Feldera's checkpoint-sync test does: `client.http.patch(path, {"name": new})`. */
  async rename(name: string, newName: string): Promise<void> {
    await this.request('patch_rename', { name, new_name: newName });
  }

  /** `delete_pipeline(name)`. */
  async deletePipeline(name: string): Promise<void> {
    await this.request('delete_pipeline', { name });
  }

  /** `get_pipeline_stats(name)` -> `PipelineStatistics.from_dict`. */
  async stats(name: string): Promise<Record<string, unknown>> {
    const d = await this.request('stats', { name });
    const gm = item(d, 'global_metrics') as Record<string, unknown>;
    fromStr('PipelineStatus', PIPELINE_STATUS, item(gm, 'state'));
    pyUuid(item(gm, 'incarnation_uuid'));
    if (typeof item(gm, 'start_time') !== 'number')
      throw new PythonError('datetime.fromtimestamp needs a number');
    fromStr('TransactionStatus', TRANSACTION_STATUS, item(gm, 'transaction_status'));
    for (const key of ['inputs', 'outputs']) {
      const list = item(d, key);
      if (!Array.isArray(list)) throw new PythonError(`${key} is not iterable`);
      if (list.length > 0) throw new Error(`the replay does not parse endpoint stats (${key})`);
    }
    return gm;
  }

  /** `get_pipeline_logs(name)`: a generator of the streamed log lines. */
  logs(name: string): Promise<StreamedAnswer> {
    return this.stream('logs', { name });
  }

  /** `__wait_for_pipeline_state_one_of`: polls every 0.5 s; raises on a stopped pipeline with an error. */
  async waitForStateOneOf(
    name: string,
    states: string[],
    timeoutS: number | null,
    start = true,
  ): Promise<string> {
    const wanted = states.map((s) => s.toLowerCase());
    const begin = monotonic();
    for (;;) {
      if (timeoutS !== null && monotonic() - begin > timeoutS)
        throw new TimeoutError(
          `Timed out waiting for pipeline ${name} totransition to one of the states: ${wanted.join(',')}`,
        );
      const resp = await this.getPipeline(name, 'status');
      const status = attr(resp, 'deployment_status');
      if (typeof status !== 'string') throw new AttributeError('deployment_status has no lower()');
      if (wanted.includes(status.toLowerCase()))
        return fromStr('PipelineStatus', PIPELINE_STATUS, status);
      const error = get(resp, 'deployment_error');
      const errorLen =
        error && typeof error === 'object' ? Object.keys(error).length : error ? 1 : 0;
      if (
        status === 'Stopped' &&
        errorLen > 0 &&
        attr(resp, 'deployment_desired_status') === 'Stopped'
      ) {
        const message = pyStr(get(error, 'message') ?? '');
        throw new RuntimeError(
          `${start ? 'Unable to START the pipeline:\n' : ''}Unable to transition the pipeline to one of the states: ${wanted.join(',')}.\nReason: The pipeline is in a STOPPED state due to the following error:\n${message}`,
        );
      }
      await sleep(0.5);
    }
  }

  /** `__wait_for_pipeline_state`: polls every 0.5 s for one state; raises as the one-of loop does. */
  async waitForState(name: string, state: string, timeoutS: number | null): Promise<void> {
    await this.waitForStateOneOf(name, [state], timeoutS);
  }

  /** `pause_pipeline(name, wait, timeout_s)`. */
  async pausePipeline(name: string, timeoutS: number | null = 60): Promise<void> {
    await this.request('pause', { name });
    await this.waitForState(name, 'paused', timeoutS);
  }

  /** `resume_pipeline(name, wait, timeout_s)`. */
  async resumePipeline(name: string, timeoutS: number | null = 60): Promise<void> {
    await this.request('resume', { name });
    await this.waitForState(name, 'running', timeoutS);
  }

  /** `_inner_start_pipeline`: dismiss_error first, then start with `dismiss_error=false`, then wait. */
  async startPipeline(
    name: string,
    initial: 'running' | 'paused' | 'standby',
    options: {
      bootstrap_policy?: 'await_approval' | 'allow' | 'reject';
      silent_bootstrap?: boolean;
      concurrent_bootstrap?: boolean;
      wait?: boolean;
      timeout_s?: number | null;
      dismiss_error?: boolean;
    } = {},
  ): Promise<string | null> {
    if (options.dismiss_error ?? true) await this.request('dismiss_error', { name });
    await this.request('start', {
      name,
      initial,
      bootstrap_policy: options.bootstrap_policy ?? null,
      silent_bootstrap: options.silent_bootstrap ? 'true' : null,
      concurrent_bootstrap: options.concurrent_bootstrap ? 'true' : null,
    });
    if (options.wait === false) return null;
    return this.waitForStateOneOf(name, [initial, 'AwaitingApproval'], options.timeout_s ?? null);
  }

  /** `activate_pipeline(name, wait, timeout_s)`. */
  async activatePipeline(name: string, timeoutS: number | null = null): Promise<string> {
    await this.request('activate', { name });
    return this.waitForStateOneOf(name, ['running', 'AwaitingApproval'], timeoutS);
  }

  /** `stop_pipeline(name, force, wait, timeout_s)`: polls every 0.1 s until `Stopped`. */
  async stopPipeline(name: string, force: boolean, timeoutS: number | null = null): Promise<void> {
    await this.request('stop', { name, force: String(force) });
    const start = monotonic();
    for (;;) {
      if (timeoutS !== null && monotonic() - start > timeoutS)
        throw new TimeoutError(
          `timeout error: pipeline '${name}' did not stop in ${timeoutS} seconds`,
        );
      const status = attr(await this.getPipeline(name, 'status'), 'deployment_status');
      if (status === 'Stopped') return;
      await sleep(0.1);
    }
  }

  /** `dismiss_error_pipeline(name)`. */
  async dismissErrorPipeline(name: string): Promise<void> {
    await this.request('dismiss_error', { name });
  }

  /** `clear_storage(name, wait, timeout_s)`: polls every 0.25 s until `storage_status == "Cleared"`. */
  async clearStorage(name: string, timeoutS: number | null = null): Promise<void> {
    await this.request('clear', { name });
    const start = monotonic();
    for (;;) {
      if (timeoutS !== null && monotonic() - start > timeoutS)
        throw new TimeoutError(
          `timeout error: pipeline '${name}' did not clear storage in ${timeoutS} seconds`,
        );
      const status = attr(await this.getPipeline(name, 'status'), 'storage_status');
      if (status === 'Cleared') return;
      await sleep(0.25);
    }
  }

  /** `push_to_pipeline(...)`: the token must be in the answer; waits for it unless `wait=False`. */
  async pushToPipeline(
    name: string,
    table: string,
    data: unknown,
    options: {
      array: boolean;
      force: boolean;
      update_format: 'raw' | 'insert_delete';
      wait: boolean;
      wait_timeout_s?: number | null;
    },
  ): Promise<string> {
    const resp = await this.request('ingress', {
      name,
      table,
      data,
      force: options.force ? 'true' : 'false',
      array: options.array ? 'true' : 'false',
      update_format: options.update_format,
    });
    const token = get(resp, 'token');
    if (token === null || token === undefined)
      throw new FelderaAPIError(200, 'response did not contain a completion token');
    if (!options.wait) return pyStr(token);
    await this.waitForToken(name, pyStr(token), options.wait_timeout_s ?? null);
    return pyStr(token);
  }

  /** `completion_token_processed(name, token)`. */
  async completionTokenProcessed(name: string, token: string): Promise<boolean> {
    const resp = await this.request('completion_status', { name, token });
    const status = get(resp, 'status');
    if (status === null || status === undefined)
      throw new FelderaAPIError(
        200,
        `got empty status when checking for completion status for token: ${token}`,
      );
    return pyStr(status).toLowerCase() === 'complete';
  }

  /** `wait_for_token`: backoff `min(5, 0.1 * 1.2**retries)` seconds. */
  async waitForToken(name: string, token: string, timeoutS: number | null): Promise<void> {
    const end = timeoutS ? monotonic() + timeoutS : null;
    let retries = 0;
    for (;;) {
      if (end !== null && monotonic() > end)
        throw new TimeoutError(`timeout error: pipeline '${name}' did not process records`);
      if (await this.completionTokenProcessed(name, token)) return;
      retries++;
      await sleep(Math.min(5, 0.1 * 1.2 ** retries));
    }
  }

  /** `checkpoint_pipeline_response(name)`. */
  checkpointPipelineResponse(name: string): Promise<unknown> {
    return this.request('checkpoint', { name });
  }

  /** `sync_checkpoint_response(name)`. */
  syncCheckpointResponse(name: string): Promise<unknown> {
    return this.request('sync_checkpoint', { name });
  }

  /** `get_checkpoints(name)`. */
  getCheckpoints(name: string): Promise<unknown> {
    return this.request('checkpoints', { name });
  }

  // ------------------------------------------------------------------ Pipeline (pipeline.py)

  /** `Pipeline.status()`: 404 is `NOT_FOUND`. */
  async status(name: string): Promise<string> {
    try {
      const p = await this.getPipeline(name, 'status');
      return fromStr('PipelineStatus', PIPELINE_STATUS, attr(p, 'deployment_status'));
    } catch (err) {
      if (err instanceof FelderaAPIError && err.status_code === 404) return 'NOT_FOUND';
      throw err;
    }
  }

  /** `Pipeline.id()`. */
  async id(name: string): Promise<unknown> {
    return attr(await this.getPipeline(name, 'status'), 'id');
  }

  /** `Pipeline.storage_status()`. */
  async storageStatus(name: string): Promise<string> {
    return fromStr(
      'StorageStatus',
      STORAGE_STATUS,
      attr(await this.getPipeline(name, 'status'), 'storage_status'),
    );
  }

  /** `Pipeline.get(name, client)`: 404 keeps the error, with the client's message. */
  get(name: string): Promise<Record<string, unknown>> {
    return this.getPipeline(name, 'all');
  }

  /** `PipelineBuilder.create()`: refuses an existing pipeline, then POST and wait. */
  async builderCreate(spec: PipelineSpec): Promise<Record<string, unknown> | null> {
    try {
      await this.getPipeline(spec.name, 'status');
      throw new RuntimeError(`Pipeline with name ${spec.name} already exists`);
    } catch (err) {
      if (!(err instanceof FelderaAPIError)) throw err;
      if (err.error_code !== 'UnknownPipelineName') throw err;
    }
    return this.createPipeline(spec);
  }

  /** `PipelineBuilder.create_or_replace()`: stop, clear and dismiss an existing one, then PUT and wait. */
  async builderCreateOrReplace(spec: PipelineSpec): Promise<Record<string, unknown> | null> {
    try {
      await this.get(spec.name);
      await this.stopPipeline(spec.name, true);
      await this.clearStorage(spec.name);
      await this.dismissErrorPipeline(spec.name);
    } catch (err) {
      if (!(err instanceof FelderaAPIError)) throw err;
    }
    return this.createOrUpdatePipeline(spec);
  }

  /** `Pipeline.set_runtime_config(rc)`. */
  setRuntimeConfig(name: string, runtimeConfig: Record<string, unknown>): Promise<void> {
    return this.patchPipeline(name, { runtime_config: runtimeConfig });
  }

  /** `Pipeline.start()`, `start_paused()`, `start_standby()`. */
  start(name: string, timeoutS: number | null = 60): Promise<string | null> {
    return this.startPipeline(name, 'running', { timeout_s: timeoutS });
  }
  startPaused(name: string, timeoutS: number | null = 60): Promise<string | null> {
    return this.startPipeline(name, 'paused', { timeout_s: timeoutS });
  }
  startStandby(name: string, timeoutS: number | null = 60): Promise<string | null> {
    return this.startPipeline(name, 'standby', { timeout_s: timeoutS });
  }

  /** `Pipeline.input_json(table, data, update_format, force, wait)`. */
  async inputJson(
    name: string,
    table: string,
    data: unknown,
    options: { update_format?: 'raw' | 'insert_delete'; force?: boolean; wait?: boolean } = {},
  ): Promise<string> {
    const status = await this.status(name);
    const force = options.force ?? false;
    if (!force && status === 'PAUSED')
      throw new RuntimeError('Pipeline is paused, set force=True to push data');
    const updateFormat = options.update_format ?? 'raw';
    return this.pushToPipeline(name, table, data, {
      array: Array.isArray(data),
      force,
      update_format: updateFormat,
      wait: options.wait ?? true,
    });
  }

  /** `Pipeline.wait_for_completion()`: stats every second until `pipeline_complete`. */
  async waitForCompletion(name: string, timeoutS = 60): Promise<void> {
    const status = await this.status(name);
    const ok = [
      'RUNNING',
      'INITIALIZING',
      'PROVISIONING',
      'BOOTSTRAPPING',
      'CONCURRENTBOOTSTRAPPING',
      'SYNCHRONIZING',
    ];
    if (!ok.includes(status))
      throw new RuntimeError('Pipeline must be running to wait for completion');
    const start = monotonic();
    for (;;) {
      if (monotonic() - start > timeoutS)
        throw new TimeoutError(
          `timeout (${timeoutS}s) reached while waiting for pipeline '${name}' to complete`,
        );
      const complete = get(await this.stats(name), 'pipeline_complete');
      if (complete === null || complete === undefined)
        throw new RuntimeError(
          'received unknown metrics from the pipeline, pipeline_complete is None',
        );
      if (complete) return;
      await sleep(1);
    }
  }

  /** `Pipeline.checkpoint_status(seq, incarnation_uuid)`. */
  async checkpointStatus(
    name: string,
    seq: number,
    incarnation: string | null,
  ): Promise<CheckpointStatus> {
    const resp = await this.request('checkpoint_status', { name, incarnation_uuid: incarnation });
    const success = get(resp, 'success');
    if (seq === success) return { kind: 'Success' };
    const fail = get(resp, 'failure') ?? {};
    if (seq === get(fail, 'sequence_number'))
      return { kind: 'Failure', error: pyStr(get(fail, 'error') ?? '') };
    if (success === null || success === undefined || seq > Number(success))
      return { kind: 'InProgress' };
    return { kind: 'Unknown' };
  }

  /**
   * `Pipeline.checkpoint_response(wait, timeout_s)`; `after` runs once between the request and the
   * first poll (a test uses it to restart the pipeline there).
   */
  async checkpoint(
    name: string,
    options: { wait?: boolean; timeout_s?: number; after?: () => Promise<void> } = {},
  ): Promise<Record<string, unknown>> {
    let resp = (await this.checkpointPipelineResponse(name)) as Record<string, unknown>;
    let seq = Number(item(resp, 'checkpoint_sequence_number'));
    let incarnation = (get(resp, 'incarnation_uuid') ?? null) as string | null;
    if (!options.wait) return resp;
    await options.after?.();
    const start = monotonic();
    for (;;) {
      if (options.timeout_s !== undefined && monotonic() - start > options.timeout_s)
        throw new TimeoutError(
          `timeout (${options.timeout_s}s) reached while waiting for checkpoint '${seq}'`,
        );
      let status: CheckpointStatus;
      try {
        status = await this.checkpointStatus(name, seq, incarnation);
      } catch (err) {
        if (err instanceof FelderaAPIError && err.error_code === 'IncarnationUuidMismatch') {
          await sleep(0.1);
          resp = (await this.checkpointPipelineResponse(name)) as Record<string, unknown>;
          seq = Number(item(resp, 'checkpoint_sequence_number'));
          incarnation = (get(resp, 'incarnation_uuid') ?? null) as string | null;
          continue;
        }
        throw err;
      }
      if (status.kind === 'InProgress') {
        await sleep(0.1);
        continue;
      }
      return resp;
    }
  }

  /** `Pipeline.sync_checkpoint_status(uuid, incarnation_uuid)`. */
  async syncCheckpointStatus(
    name: string,
    uuid: string,
    incarnation: string | null,
  ): Promise<CheckpointStatus> {
    const resp = await this.request('sync_checkpoint_status', {
      name,
      incarnation_uuid: incarnation,
    });
    const success = get(resp, 'success');
    const periodic = get(resp, 'periodic');
    if (uuid === success || uuid === periodic) return { kind: 'Success' };
    const fail = get(resp, 'failure') ?? {};
    if (uuid === get(fail, 'uuid'))
      return { kind: 'Failure', error: pyStr(get(fail, 'error') ?? '') };
    if (success === null || success === undefined || pyUuid(uuid) > pyUuid(success))
      return { kind: 'InProgress' };
    return { kind: 'Unknown' };
  }

  /** `Pipeline.sync_checkpoint_response(wait, timeout_s)`; `after` as in `checkpoint`. */
  async syncCheckpoint(
    name: string,
    options: { wait?: boolean; timeout_s?: number; after?: () => Promise<void> } = {},
  ): Promise<Record<string, unknown>> {
    let resp = (await this.syncCheckpointResponse(name)) as Record<string, unknown>;
    let uuid = String(item(resp, 'checkpoint_uuid'));
    let incarnation = (get(resp, 'incarnation_uuid') ?? null) as string | null;
    if (!options.wait) return resp;
    await options.after?.();
    const start = monotonic();
    for (;;) {
      if (options.timeout_s !== undefined && monotonic() - start > options.timeout_s)
        throw new TimeoutError(
          `timeout (${options.timeout_s}s) reached while waiting for sync '${uuid}'`,
        );
      let status: CheckpointStatus;
      try {
        status = await this.syncCheckpointStatus(name, uuid, incarnation);
      } catch (err) {
        if (err instanceof FelderaAPIError && err.error_code === 'IncarnationUuidMismatch') {
          await sleep(0.1);
          resp = (await this.syncCheckpointResponse(name)) as Record<string, unknown>;
          uuid = String(item(resp, 'checkpoint_uuid'));
          incarnation = (get(resp, 'incarnation_uuid') ?? null) as string | null;
          continue;
        }
        throw err;
      }
      if (status.kind === 'Failure')
        throw new RuntimeError(`failed to sync checkpoint '${uuid}': ${status.error}`);
      if (status.kind === 'InProgress' || status.kind === 'Unknown') {
        await sleep(0.1);
        continue;
      }
      return resp;
    }
  }

  /** `Pipeline.last_successful_checkpoint_sync()`: the newer of `success` and `periodic`. */
  async lastSuccessfulCheckpointSync(name: string): Promise<string> {
    const resp = await this.request('sync_checkpoint_status', { name, incarnation_uuid: null });
    const success = get(resp, 'success') as string | null | undefined;
    const periodic = get(resp, 'periodic') as string | null | undefined;
    if ((success ?? null) === null && (periodic ?? null) === null)
      throw new RuntimeError('no checkpoints have been synced yet');
    if ((success ?? null) === null) return uuidStr(pyUuid(periodic));
    if ((periodic ?? null) === null) return uuidStr(pyUuid(success));
    return uuidStr(pyUuid(success) > pyUuid(periodic) ? pyUuid(success) : pyUuid(periodic));
  }

  /** `Pipeline.checkpoints()` -> `CheckpointMetadata.from_dict` of each entry. */
  async checkpoints(name: string): Promise<Record<string, unknown>[]> {
    const list = await this.getCheckpoints(name);
    if (!Array.isArray(list)) throw new PythonError('checkpoints answer is not a list');
    for (const c of list)
      for (const key of ['uuid', 'size', 'steps', 'processed_records', 'fingerprint']) item(c, key);
    return list as Record<string, unknown>[];
  }

  /** `Pipeline.remote_checkpoints()`. */
  async remoteCheckpoints(name: string): Promise<Record<string, unknown>[]> {
    const list = await this.request('remote_checkpoints', { name });
    if (!Array.isArray(list)) throw new PythonError('remote checkpoints answer is not a list');
    for (const c of list) item(c, 'uuid');
    return list as Record<string, unknown>[];
  }

  /** `Pipeline.delete(clear_storage)`. */
  async delete(name: string, clearStorage = false): Promise<void> {
    if (clearStorage) await this.clearStorage(name);
    await this.deletePipeline(name);
  }

  /** The standby wait of Feldera's checkpoint-sync tests: the logs until the pulled line. */
  async waitForStandbyCheckpointPull(name: string, timeoutS: number): Promise<string> {
    const end = monotonic() + timeoutS;
    const stream = await this.logs(name);
    const timer = setTimeout(() => stream.close(), timeoutS * 1000);
    try {
      try {
        for await (const line of stream.lines) {
          if (line.includes('checkpoint pulled successfully')) return line;
          if (monotonic() > end)
            throw new TimeoutError(`${name} timed out waiting to pull checkpoint`);
        }
      } catch (err) {
        if (err instanceof PythonError || monotonic() <= end) throw err;
      }
      if (monotonic() > end) throw new TimeoutError(`${name} timed out waiting to pull checkpoint`);
      throw new RuntimeError(`${name} log stream ended before it pulled a checkpoint`);
    } finally {
      clearTimeout(timer);
      stream.close();
    }
  }
}
