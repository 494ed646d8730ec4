/**
 * A pipeline's log as `GET /v0/pipelines/{name}/logs` streams it: a bounded buffer of text lines
 * (Feldera's runner keeps 50,000 lines or 1 MB, `runner/pipeline_logs.rs`) that a new follower
 * receives first, then every new line until it closes or the log ends.
 */
import type { Logger } from 'pino';

/** Feldera's limits: `LOGS_BUFFER_LIMIT_NUM_LINES` and `LOGS_BUFFER_LIMIT_BYTE`. */
export const LOG_BUFFER_LINES = 50_000;
export const LOG_BUFFER_BYTES = 1_000_000;
/** Longest line kept; longer messages are cut (a line is for people, not for payloads). */
export const LOG_LINE_MAX_CHARS = 16_384;

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

/** Receives each new line, then `null` once when the log ends. */
export type LogListener = (line: string | null) => void;

/** The logging calls a pipeline run makes (a subset of pino's), so one call can feed two sinks. */
export interface PipelineLogger {
  debug(fields: Record<string, unknown>, msg: string): void;
  info(fields: Record<string, unknown>, msg: string): void;
  warn(fields: Record<string, unknown>, msg: string): void;
  error(fields: Record<string, unknown>, msg: string): void;
}

// Control characters (a newline or an escape sequence in an error message or an object key) would
// split a line or reach the reader's terminal raw; they are shown escaped.
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/g;

function escapeControl(text: string): string {
  return text.replace(CONTROL, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

function formatValue(value: unknown): string {
  if (typeof value === 'string') return /^[\w.:/@+-]+$/.test(value) ? value : JSON.stringify(value);
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}

/** One log line: `<ISO time> <LEVEL> <message> key=value ...`, without control characters. */
export function formatLogLine(
  atMs: number,
  level: LogLevel,
  msg: string,
  fields: Record<string, unknown> = {},
): string {
  const parts = [new Date(atMs).toISOString(), level.toUpperCase().padStart(5), msg];
  for (const [key, value] of Object.entries(fields)) {
    if (value === undefined || key === 'pipeline') continue;
    parts.push(`${key}=${formatValue(value)}`);
  }
  const line = escapeControl(parts.join(' '));
  return line.length > LOG_LINE_MAX_CHARS ? `${line.slice(0, LOG_LINE_MAX_CHARS)}...` : line;
}

/** The bounded log of one pipeline, across its runs, while this server process lives. */
export class PipelineLog {
  private lines: string[] = [];
  private bytes = 0;
  private discarded = 0;
  private readonly listeners = new Set<LogListener>();
  private ended = false;

  constructor(
    private readonly limits: { lines: number; bytes: number } = {
      lines: LOG_BUFFER_LINES,
      bytes: LOG_BUFFER_BYTES,
    },
    private readonly now: () => number = Date.now,
  ) {}

  /** Appends one entry; debug entries stay out (they go to the server log only). */
  append(level: LogLevel, msg: string, fields?: Record<string, unknown>): void {
    if (this.ended || level === 'debug') return;
    const line = formatLogLine(this.now(), level, msg, fields);
    this.lines.push(line);
    this.bytes += line.length + 1;
    while (
      this.lines.length > 1 &&
      (this.lines.length > this.limits.lines || this.bytes > this.limits.bytes)
    ) {
      const dropped = this.lines.shift()!;
      this.bytes -= dropped.length + 1;
      this.discarded++;
    }
    for (const listener of this.listeners) listener(line);
  }

  /** The buffered lines, preceded by a notice when older lines were discarded (as Feldera does). */
  backlog(): string[] {
    if (this.discarded === 0) return [...this.lines];
    const notice = formatLogLine(
      this.now(),
      'warn',
      `... ${this.discarded} prior log lines were discarded due to buffer constraints and are thus not shown.`,
    );
    return [notice, ...this.lines];
  }

  /** The backlog, then every new line; the returned function stops following. */
  follow(listener: LogListener): { backlog: string[]; unsubscribe: () => void } {
    const backlog = this.backlog();
    if (this.ended) {
      queueMicrotask(() => listener(null));
      return { backlog, unsubscribe: () => undefined };
    }
    this.listeners.add(listener);
    return { backlog, unsubscribe: () => this.listeners.delete(listener) };
  }

  /** Number of current followers. */
  get followers(): number {
    return this.listeners.size;
  }

  /** Ends the log (the pipeline was deleted or the server stops): every follower gets `null`. */
  end(): void {
    if (this.ended) return;
    this.ended = true;
    const listeners = [...this.listeners];
    this.listeners.clear();
    for (const listener of listeners) listener(null);
  }
}

/** A logger that writes to the server's log and appends the same entry to the pipeline's log. */
export function teeLogger(logger: Logger, log: PipelineLog): PipelineLogger {
  const to =
    (level: LogLevel) =>
    (fields: Record<string, unknown>, msg: string): void => {
      logger[level](fields, msg);
      log.append(level, msg, fields);
    };
  return { debug: to('debug'), info: to('info'), warn: to('warn'), error: to('error') };
}
