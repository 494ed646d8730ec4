import type { SyncEvent } from './sync-events.js';

/** Structured logger the host injects; the library never writes to the console. */
export interface SyncLogger {
  debug(message: string, fields?: Record<string, unknown>): void;
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
  /** Typed events for metrics (see `SyncEvent`); a logger that only logs leaves this out. */
  event?(event: SyncEvent): void;
}

/** A logger that drops everything. */
export const silentLogger: SyncLogger = {
  debug: () => undefined,
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
};
