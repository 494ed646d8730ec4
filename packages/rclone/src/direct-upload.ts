import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { TransferOptions, TransferProgress, TransferResult } from '@feldera-sync/checkpoint';
import { SMALL_FILE_BYTES } from '@feldera-sync/checkpoint';
import { isSyncError } from '@feldera-sync/errors';
import { rcloneError, RcloneErrorCodes } from './errors.js';
import type { DirectS3 } from './s3/client.js';
import { sha256Hex } from './s3/sign.js';
import { statUploadFiles } from './local-files.js';
import type { UploadFile } from './local-files.js';

/**
 * Files up to this size are uploaded as one signed PUT each by the direct client, read once into
 * memory, instead of through rclone. rclone 1.60 reads a single-part upload twice: an MD5 pass for
 * Content-MD5 (backend/s3/s3.go, `Object.Update`: `if !multipart || !DisableChecksum`), which drops
 * the pages behind it, then the upload; a PUT from memory reads it once, and its SigV4 payload hash
 * protects the bytes in transit instead.
 */
export const DIRECT_UPLOAD_MAX_BYTES = 4 * 1024 * 1024;

/** PUTs in flight at once at most. */
export const DIRECT_UPLOAD_MAX_CONCURRENCY = 16;

/** Bytes of file bodies held in memory at once at most (one larger file may go alone). */
export const DIRECT_UPLOAD_BUDGET_BYTES = 32 * 1024 * 1024;

/** rclone flags under which uploads must stay on rclone: they shape the transfer itself. */
const RCLONE_ONLY_UPLOAD_FLAGS = ['--bwlimit', '--tpslimit', '--max-transfer'];

/** The first flag that keeps uploads on rclone, or null. */
export function rcloneOnlyUploadFlag(flags: readonly string[]): string | null {
  for (const f of flags) {
    const name = f.split('=')[0]!;
    if (RCLONE_ONLY_UPLOAD_FLAGS.includes(name)) return name;
  }
  return null;
}

/** Which files go direct (small enough) and which through rclone, in their given order. */
export function splitUpload(
  files: readonly UploadFile[],
  maxDirectBytes = DIRECT_UPLOAD_MAX_BYTES,
): { direct: UploadFile[]; rclone: UploadFile[] } {
  const direct: UploadFile[] = [];
  const rclone: UploadFile[] = [];
  for (const f of files) (f.size <= maxDirectBytes ? direct : rclone).push(f);
  return { direct, rclone };
}

/** Progress of the two halves as one transfer: bytes and objects add up, speed over the whole. */
export function combinedProgress(
  totals: { bytes: number; objects: number },
  viaRclone: { bytesDone: number; objectsDone: number },
  direct: { bytes: number; objects: number },
  elapsedMs: number,
): TransferProgress {
  const bytesDone = viaRclone.bytesDone + direct.bytes;
  const speed = elapsedMs > 0 ? (bytesDone * 1000) / elapsedMs : 0;
  return {
    bytesDone,
    bytesTotal: totals.bytes,
    objectsDone: viaRclone.objectsDone + direct.objects,
    objectsTotal: totals.objects,
    speed,
    etaSeconds: speed > 0 ? Math.max(0, (totals.bytes - bytesDone) / speed) : null,
  };
}

/** A rejection's reason as an Error (ours always are; anything else is wrapped, not lost). */
function asError(e: unknown): Error {
  return e instanceof Error ? e : new Error(String(e));
}

/** What `uploadSplit` needs besides the files. */
export interface SplitUploadSpec {
  localDir: string;
  files: readonly string[];
  remotePrefix: string;
  client: DirectS3;
  concurrency: number;
  description: string;
  /** The rclone half (the adapter's `copyFilesUp` with the call's options). */
  viaRclone: (files: readonly string[], call: TransferOptions) => Promise<TransferResult>;
  call: TransferOptions | undefined;
}

/**
 * Uploads `files`: the small ones as direct PUTs from memory (`concurrency` at a time), the rest
 * through rclone, both at once, reported as one transfer (progress, per-object completion, one
 * result). The first failure stops the other half; that failure, not the stop, is what is thrown.
 * The call's deadline bounds both halves.
 */
export async function uploadSplit(spec: SplitUploadSpec): Promise<TransferResult> {
  const started = Date.now();
  const { call } = spec;
  const all = statUploadFiles(spec.localDir, spec.files, spec.description);
  const { direct, rclone } = splitUpload(all);
  const totals = { bytes: all.reduce((n, f) => n + f.size, 0), objects: all.length };
  const stop = new AbortController();
  const deadline =
    call?.deadlineMs === undefined ? null : AbortSignal.timeout(Math.max(1, call.deadlineMs));
  const signal = AbortSignal.any([
    stop.signal,
    ...(call?.signal ? [call.signal] : []),
    ...(deadline ? [deadline] : []),
  ]);

  let viaRclone = { bytesDone: 0, objectsDone: 0 };
  const sent = { bytes: 0, objects: 0 };
  let lastEmit = 0;
  const emit = (force: boolean): void => {
    const now = Date.now();
    if (!call?.onProgress || (!force && now - lastEmit < 250)) return;
    lastEmit = now;
    call.onProgress(combinedProgress(totals, viaRclone, sent, now - started));
  };

  // Bodies in memory stay within the budget: a worker waits until its file fits (or nothing is held).
  let held = 0;
  const waiting: (() => void)[] = [];
  const acquire = async (size: number): Promise<void> => {
    while (held > 0 && held + size > DIRECT_UPLOAD_BUDGET_BYTES)
      await new Promise<void>((r) => waiting.push(r));
    held += size;
  };
  const release = (size: number): void => {
    held -= size;
    for (const w of waiting.splice(0)) w();
  };

  const upDirect = async (): Promise<void> => {
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < direct.length) {
        const f = direct[next++]!;
        if (signal.aborted) return;
        await acquire(f.size);
        try {
          await sendOne(f);
        } finally {
          release(f.size);
        }
      }
    };
    await Promise.all(
      Array.from({ length: Math.min(Math.max(1, spec.concurrency), direct.length) }, worker),
    );
  };

  /** Reads one file whole and PUTs it. */
  const sendOne = async (f: UploadFile): Promise<void> => {
    const path = join(spec.localDir, f.file);
    // A digest the caller already has (it read the file to hash it) is the PUT's payload hash:
    // the body is not hashed again, and the store checks that what it received is what was hashed.
    const known = call?.knownSha256?.(f.file);
    let body: Uint8Array;
    try {
      // Read synchronously (an open, a read, a close, no round trips) when small, or when the
      // caller has just read it to hash it (then it comes from the page cache).
      body =
        f.size <= SMALL_FILE_BYTES || known !== undefined
          ? readFileSync(path)
          : await readFile(path, { signal });
    } catch (e) {
      if (signal.aborted) return;
      throw rcloneError(
        RcloneErrorCodes.localNotFound,
        `cannot read '${path}' for upload to ${spec.description}`,
        { exitCode: null, stderrTail: [], missing: [f.file] },
        { cause: e },
      );
    }
    let sha256 = known;
    if (sha256 === undefined) {
      // Hashed once here, for the signature and for the caller, which then need not read it.
      sha256 = sha256Hex(body);
      call?.onSha256?.(f.file, sha256, body.byteLength);
    }
    await spec.client.put(spec.remotePrefix + f.file, body, signal, sha256);
    sent.bytes += body.byteLength;
    sent.objects += 1;
    call?.onObjectDone?.(f.file);
    emit(false);
  };

  const upRclone = async (): Promise<TransferResult | null> => {
    if (rclone.length === 0) return null;
    return spec.viaRclone(
      rclone.map((f) => f.file),
      {
        signal,
        ...(call?.deadlineMs !== undefined ? { deadlineMs: call.deadlineMs } : {}),
        ...(call?.onObjectDone ? { onObjectDone: call.onObjectDone } : {}),
        onProgress: (p) => {
          viaRclone = p;
          emit(true);
        },
      },
    );
  };

  const halves = [upDirect(), upRclone()] as const;
  // The first failure stops the other half at once.
  for (const h of halves) h.catch(() => stop.abort());
  const [d, r] = await Promise.allSettled(halves);
  const failure = d.status === 'rejected' || r.status === 'rejected';
  if (failure || signal.aborted) {
    // The error that stopped the transfer, not the other half's cancellation.
    const errors = [d, r]
      .filter((x): x is PromiseRejectedResult => x.status === 'rejected')
      .map((x) => x.reason as unknown);
    const cause = errors.find((e) => !(isSyncError(e) && e.code === RcloneErrorCodes.aborted));
    if (cause !== undefined) throw asError(cause);
    if (deadline?.aborted && !call?.signal?.aborted) {
      throw rcloneError(
        RcloneErrorCodes.timeout,
        `upload of ${spec.files.length} file(s) to ${spec.description} '${spec.remotePrefix}' did not finish within ${call?.deadlineMs} ms`,
        { exitCode: null, stderrTail: [] },
      );
    }
    throw asError(
      errors[0] ??
        rcloneError(
          RcloneErrorCodes.aborted,
          `upload of ${spec.files.length} file(s) to ${spec.description} was cancelled`,
          { exitCode: null, stderrTail: [] },
        ),
    );
  }
  const rcloneResult = r.status === 'fulfilled' ? r.value : null;
  emit(true);
  return {
    bytes: sent.bytes + (rcloneResult?.bytes ?? 0),
    objects: sent.objects + (rcloneResult?.objects ?? 0),
    durationMs: Date.now() - started,
  };
}
