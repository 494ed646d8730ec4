import { EngineErrorCodes, engineError } from './errors.js';

/** Any JSON value, the shape of a row. */
export type JsonValue =
  null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

/**
 * Canonical JSON of a value: object keys sorted, no whitespace. Two rows are the same row exactly
 * when their canonical forms are equal, so this string is a row's identity.
 */
export function canonicalJson(value: unknown): string {
  return encode(value, new Set());
}

function encode(value: unknown, seen: Set<object>): string {
  switch (typeof value) {
    case 'string':
      return JSON.stringify(value);
    case 'boolean':
      return value ? 'true' : 'false';
    case 'number':
      if (!Number.isFinite(value)) throw invalid(`the number ${String(value)} is not valid JSON`);
      return JSON.stringify(value);
    case 'object': {
      if (value === null) return 'null';
      if (seen.has(value)) throw invalid('the value contains a cycle');
      seen.add(value);
      let out: string;
      if (Array.isArray(value)) {
        out = `[${value.map((item) => encode(item, seen)).join(',')}]`;
      } else {
        const proto: unknown = Object.getPrototypeOf(value);
        if (proto !== Object.prototype && proto !== null) {
          throw invalid('only plain objects, arrays and primitives are JSON rows');
        }
        const record = value as Record<string, unknown>;
        const keys = Object.keys(record).sort();
        out = `{${keys.map((key) => `${JSON.stringify(key)}:${encode(record[key], seen)}`).join(',')}}`;
      }
      seen.delete(value);
      return out;
    }
    case 'undefined':
    case 'bigint':
    case 'function':
    case 'symbol':
      throw invalid(`a ${typeof value} is not valid JSON`);
  }
}

function invalid(reason: string): Error {
  return engineError(EngineErrorCodes.INVALID_ROW, `row is not a JSON value: ${reason}`, {
    hint: 'send rows as plain JSON values',
  });
}
