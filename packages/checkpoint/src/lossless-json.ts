/** A JSON value whose integers outside the safe range are kept exactly as bigint. */
export type JsonValue =
  null | boolean | number | bigint | string | JsonValue[] | { [key: string]: JsonValue };

/** Why a text is not JSON, with the character offset. */
export class JsonSyntaxError extends Error {
  constructor(
    message: string,
    readonly position: number,
  ) {
    super(`${message} at offset ${position}`);
    this.name = 'JsonSyntaxError';
  }
}

const WS = new Set([' ', '\t', '\n', '\r']);
const NUMBER_RE = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;

/** Parses JSON like `JSON.parse`, but integers beyond 2^53 become exact bigints. */
export function parseJsonLossless(text: string): JsonValue {
  let i = 0;
  const skip = (): void => {
    while (i < text.length && WS.has(text[i]!)) i++;
  };
  const fail = (message: string): never => {
    throw new JsonSyntaxError(i >= text.length ? 'unexpected end of JSON' : message, i);
  };
  const parseString = (): string => {
    const start = i;
    i++;
    while (i < text.length) {
      const c = text[i]!;
      if (c === '"') {
        i++;
        try {
          return JSON.parse(text.slice(start, i)) as string;
        } catch {
          i = start;
          return fail('invalid string');
        }
      }
      if (c === '\\') i += 2;
      else if (c < ' ') return fail('control character in string');
      else i++;
    }
    return fail('unterminated string');
  };
  const parseValue = (depth: number): JsonValue => {
    if (depth > 512) fail('nesting too deep');
    skip();
    const c = text[i];
    if (c === undefined) return fail('unexpected end of JSON');
    if (c === '{') {
      i++;
      const obj: { [key: string]: JsonValue } = {};
      skip();
      if (text[i] === '}') {
        i++;
        return obj;
      }
      for (;;) {
        skip();
        if (text[i] !== '"') fail('expected a property name');
        const key = parseString();
        skip();
        if (text[i] !== ':') fail("expected ':'");
        i++;
        const value = parseValue(depth + 1);
        Object.defineProperty(obj, key, {
          value,
          enumerable: true,
          writable: true,
          configurable: true,
        });
        skip();
        if (text[i] === ',') {
          i++;
          continue;
        }
        if (text[i] === '}') {
          i++;
          return obj;
        }
        fail("expected ',' or '}'");
      }
    }
    if (c === '[') {
      i++;
      const arr: JsonValue[] = [];
      skip();
      if (text[i] === ']') {
        i++;
        return arr;
      }
      for (;;) {
        arr.push(parseValue(depth + 1));
        skip();
        if (text[i] === ',') {
          i++;
          continue;
        }
        if (text[i] === ']') {
          i++;
          return arr;
        }
        fail("expected ',' or ']'");
      }
    }
    if (c === '"') return parseString();
    for (const [word, value] of [
      ['true', true],
      ['false', false],
      ['null', null],
    ] as const) {
      if (text.startsWith(word, i)) {
        i += word.length;
        return value;
      }
    }
    NUMBER_RE.lastIndex = i;
    const m = NUMBER_RE.exec(text);
    if (!m) return fail(`unexpected character ${JSON.stringify(c)}`);
    i += m[0].length;
    const raw = m[0];
    const n = Number(raw);
    if (/^-?\d+$/.test(raw) && !Number.isSafeInteger(n)) return BigInt(raw);
    return n;
  };
  const value = parseValue(0);
  skip();
  if (i < text.length) fail('unexpected data after JSON');
  return value;
}

/** Serialises a value to JSON, writing bigints as bare JSON numbers; `indent` as in `JSON.stringify`. */
export function stringifyJsonLossless(value: unknown, indent = 0): string {
  const pad = (level: number): string => (indent > 0 ? '\n' + ' '.repeat(indent * level) : '');
  const sep = indent > 0 ? ': ' : ':';
  const write = (v: unknown, level: number): string | undefined => {
    if (v === null) return 'null';
    switch (typeof v) {
      case 'bigint':
        return v.toString();
      case 'number':
        if (!Number.isFinite(v)) throw new TypeError(`cannot serialise ${v} as JSON`);
        return JSON.stringify(v);
      case 'string':
      case 'boolean':
        return JSON.stringify(v);
      case 'undefined':
      case 'function':
      case 'symbol':
        return undefined;
      case 'object': {
        if (v instanceof Uint8Array) throw new TypeError('cannot serialise bytes as JSON');
        if (Array.isArray(v)) {
          if (v.length === 0) return '[]';
          const items = v.map((item) => write(item, level + 1) ?? 'null');
          return '[' + items.map((s) => pad(level + 1) + s).join(',') + pad(level) + ']';
        }
        const parts: string[] = [];
        for (const [k, item] of Object.entries(v as Record<string, unknown>)) {
          const s = write(item, level + 1);
          if (s !== undefined) parts.push(pad(level + 1) + JSON.stringify(k) + sep + s);
        }
        if (parts.length === 0) return '{}';
        return '{' + parts.join(',') + pad(level) + '}';
      }
    }
  };
  const out = write(value, 0);
  if (out === undefined) throw new TypeError('value is not serialisable as JSON');
  return out;
}
