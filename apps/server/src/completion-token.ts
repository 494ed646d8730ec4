/**
 * Completion tokens of `POST .../ingress/{table}` (Feldera's `CompletionTokenResponse`): opaque to
 * clients, here the run's incarnation and the step the request was applied in.
 */
const PREFIX = 'fs1';
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** What a completion token stands for. */
export interface CompletionTokenData {
  incarnation: string;
  step: number;
}

/** Encodes a token. */
export function encodeCompletionToken(data: CompletionTokenData): string {
  return `${PREFIX}.${data.incarnation}.${data.step}`;
}

/** Decodes a token; null when it is not one this server issued. */
export function decodeCompletionToken(token: string): CompletionTokenData | null {
  if (token.length > 100) return null;
  const parts = token.split('.');
  if (parts.length !== 3 || parts[0] !== PREFIX) return null;
  const [, incarnation = '', stepText = ''] = parts;
  if (!UUID.test(incarnation) || !/^\d{1,15}$/.test(stepText)) return null;
  return { incarnation, step: Number(stepText) };
}
