import { CommonErrorCodes } from './error-codes.js';

/** Brand that marks feldera-sync errors, so checks work across duplicate installs of this package. */
const BRAND = Symbol.for('@feldera-sync/errors/SyncError');

export interface SyncErrorOptions {
  /** What the person reading the error can do next. */
  hint?: string | undefined;
  /** The underlying error, kept as the native `cause`. */
  cause?: unknown;
  /** Structured, secret-free facts for API answers and logs. */
  details?: Record<string, unknown> | undefined;
}

/** Base error of every feldera-sync package: a stable `code`, a human message, an optional hint. */
export class SyncError extends Error {
  /** Stable, documented identifier (`ERR_...`); part of the API. */
  readonly code: string;
  readonly hint: string | undefined;
  readonly details: Record<string, unknown> | undefined;

  constructor(code: string, message: string, options: SyncErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'SyncError';
    this.code = code;
    this.hint = options.hint;
    this.details = options.details;
    Object.defineProperty(this, BRAND, { value: true, enumerable: false });
  }

  /** `message` followed by the hint, for one-line display. */
  describe(): string {
    return this.hint ? `${this.message} (hint: ${this.hint})` : this.message;
  }

  toJSON(): {
    name: string;
    code: string;
    message: string;
    hint?: string;
    details?: Record<string, unknown>;
  } {
    return {
      name: this.name,
      code: this.code,
      message: this.message,
      ...(this.hint === undefined ? {} : { hint: this.hint }),
      ...(this.details === undefined ? {} : { details: this.details }),
    };
  }
}

/** True for any SyncError, including one created by another copy of this package. */
export function isSyncError(value: unknown): value is SyncError {
  return (
    typeof value === 'object' &&
    value !== null &&
    (value as Record<symbol, unknown>)[BRAND] === true &&
    typeof (value as { code?: unknown }).code === 'string'
  );
}

/** True when `value` is a SyncError with the given code. */
export function hasErrorCode(value: unknown, code: string): value is SyncError {
  return isSyncError(value) && value.code === code;
}

/** Error thrown when an operation was cancelled through its AbortSignal (`CommonErrorCodes.aborted`). */
export const ERR_ABORTED = CommonErrorCodes.aborted;

/** Throws a coded `ERR_ABORTED` error when the signal has fired. */
export function throwIfAborted(signal: AbortSignal | undefined, what = 'operation'): void {
  if (signal?.aborted) {
    throw new SyncError(ERR_ABORTED, `${what} was cancelled`, { cause: signal.reason });
  }
}
