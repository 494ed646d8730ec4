import type { RcloneErrorCode } from './errors.js';
import { RcloneErrorCodes } from './errors.js';
import { parseRcloneLogLine } from './log-line.js';

/** What a failed rclone run means, decided from its exit code and (redacted) stderr. */
export interface RcloneFailure {
  code: RcloneErrorCode;
  /** The store's or rclone's own words, one line, e.g. `SignatureDoesNotMatch: status code: 403`. */
  reason: string;
}

const AUTH =
  /SignatureDoesNotMatch|InvalidAccessKeyId|AccessDenied|InvalidToken|ExpiredToken|TokenRefreshRequired|NoCredentialProviders|no valid credential|status code: 403/;
const BUCKET = /NoSuchBucket|bucket does not exist/i;
const OBJECT = /NoSuchKey|object not found|status code: 404/i;
const NETWORK =
  /connection refused|no such host|i\/o timeout|network is unreachable|connection reset|no route to host|TLS handshake|context deadline exceeded|dial tcp|server misbehaving|unexpected EOF|RequestError: send request failed|timeout awaiting response/i;
/** The store's own server errors: it was reached, and kept failing (rclone retried already). */
const UNAVAILABLE =
  /status code: 5\d\d|SlowDown|ServiceUnavailable|InternalError|RequestTimeout|Please reduce your request rate/;
const DISK_FULL = /no space left on device|disk quota exceeded/i;
const DISK_IO = /input\/output error|read-only file system/i;
const USAGE =
  /unknown flag|unknown shorthand flag|unknown command|invalid argument ".*" for|needs \d+ arguments|flag needs an argument|Usage:/;

/** The lines that describe the failure: error records and plain `Failed to ...` text with its continuations. */
export function failureLines(stderrLines: readonly string[]): string[] {
  const out: string[] = [];
  for (const line of stderrLines) {
    const parsed = parseRcloneLogLine(line);
    if (parsed.kind === 'log') {
      if (parsed.level === 'error' || parsed.level === 'critical' || parsed.level === 'fatal')
        out.push(parsed.message);
    } else if (parsed.kind === 'text' && line.trim() !== '') {
      out.push(line.trim());
    }
  }
  return out;
}

/** One-line summary: the last `Failed to ...` text (with its continuation lines), else the last error. */
export function summariseFailure(stderrLines: readonly string[]): string {
  const lines = failureLines(stderrLines);
  const fatal = lines.findLastIndex((l) => /Failed to |Fatal error|^Error: /.test(l));
  const picked =
    fatal >= 0
      ? lines.slice(fatal, fatal + 4).filter((l, i) => i === 0 || !/^\d{4}\/\d\d\/\d\d /.test(l))
      : lines.slice(-1);
  const text = picked
    .join(' ')
    .replace(/^\d{4}\/\d\d\/\d\d \d\d:\d\d:\d\d (?:[A-Z]+\s*: )?/, '')
    .replace(/\s+/g, ' ')
    .replace(/^Failed to [\w-]+(?: with \d+ errors: last error was)?: /, '')
    .replace(/^error in \w+: /, '')
    .replace(/, host id: ?$/, '')
    .trim();
  return text.length > 400 ? `${text.slice(0, 400)}...` : text;
}

/** Classifies a failed run. Stderr wins over the exit code (rclone exits 1 for auth errors too). */
export function classifyRcloneFailure(
  exitCode: number | null,
  stderrLines: readonly string[],
): RcloneFailure {
  const text = failureLines(stderrLines).join('\n');
  const reason = summariseFailure(stderrLines) || `rclone exited with code ${exitCode ?? 'none'}`;
  let code: RcloneErrorCode;
  if (DISK_FULL.test(text)) code = RcloneErrorCodes.diskFull;
  else if (DISK_IO.test(text)) code = RcloneErrorCodes.diskIo;
  else if (AUTH.test(text)) code = RcloneErrorCodes.auth;
  else if (BUCKET.test(text)) code = RcloneErrorCodes.bucketNotFound;
  else if (NETWORK.test(text)) code = RcloneErrorCodes.network;
  else if (UNAVAILABLE.test(text)) code = RcloneErrorCodes.unavailable;
  else if (USAGE.test(text)) code = RcloneErrorCodes.usage;
  // rclone's exit codes: 3 directory not found (for a remote root: the bucket), 4 file not found.
  else if (exitCode === 3) code = RcloneErrorCodes.bucketNotFound;
  else if (exitCode === 4 || OBJECT.test(text)) code = RcloneErrorCodes.notFound;
  else code = RcloneErrorCodes.other;
  return { code, reason };
}
