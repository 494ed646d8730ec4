import { createHash } from 'node:crypto';

/** S3's DeleteObjects limit: at most this many keys per request. */
export const DELETE_OBJECTS_MAX_KEYS = 1000;

/** `keys` in request-sized batches, duplicates removed (a store may reject a repeated key). */
export function deleteBatches(keys: readonly string[]): string[][] {
  const unique = [...new Set(keys)];
  const out: string[][] = [];
  for (let i = 0; i < unique.length; i += DELETE_OBJECTS_MAX_KEYS)
    out.push(unique.slice(i, i + DELETE_OBJECTS_MAX_KEYS));
  return out;
}

function escapeXml(text: string): string {
  return text.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' })[c] ?? c,
  );
}

function unescapeXml(text: string): string {
  return text.replace(/&(amp|lt|gt|quot|apos|#\d+|#x[0-9a-f]+);/gi, (whole, name: string) => {
    const named: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };
    const lower = name.toLowerCase();
    if (named[lower] !== undefined) return named[lower];
    const code = lower.startsWith('#x')
      ? parseInt(lower.slice(2), 16)
      : parseInt(lower.slice(1), 10);
    return Number.isSafeInteger(code) && code <= 0x10ffff ? String.fromCodePoint(code) : whole;
  });
}

/** The DeleteObjects request body: quiet mode, so the answer lists only failures. */
export function deleteObjectsXml(keys: readonly string[]): Uint8Array {
  const objects = keys.map((k) => `<Object><Key>${escapeXml(k)}</Key></Object>`).join('');
  return new TextEncoder().encode(
    `<?xml version="1.0" encoding="UTF-8"?><Delete><Quiet>true</Quiet>${objects}</Delete>`,
  );
}

/** Base64 MD5 of a body, for `Content-MD5`. */
export function md5Base64(body: Uint8Array): string {
  return createHash('md5').update(body).digest('base64');
}

/** A key DeleteObjects could not delete. */
export interface DeleteObjectsProblem {
  key: string;
  code: string;
  message: string;
}

/**
 * The first real failure in a DeleteObjects answer, or null. `NoSuchKey` is not one: deleting
 * an absent key succeeds, as a single DELETE does.
 */
export function deleteObjectsProblem(answer: Uint8Array): DeleteObjectsProblem | null {
  const text = new TextDecoder().decode(answer);
  for (const m of text.matchAll(/<Error>([\s\S]*?)<\/Error>/g)) {
    const block = m[1] ?? '';
    const field = (name: string): string =>
      unescapeXml(new RegExp(`<${name}>([\\s\\S]*?)</${name}>`).exec(block)?.[1] ?? '');
    const code = field('Code') || 'UnknownError';
    if (code === 'NoSuchKey') continue;
    return { key: field('Key'), code, message: field('Message') };
  }
  return null;
}
