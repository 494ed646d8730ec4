import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  DIRECT_UPLOAD_BUDGET_BYTES,
  DIRECT_UPLOAD_MAX_BYTES,
  DIRECT_UPLOAD_MAX_CONCURRENCY,
  combinedProgress,
  rcloneOnlyUploadFlag,
  splitUpload,
  uploadSplit,
} from './direct-upload.js';
import type { DirectS3 } from './s3/client.js';

describe('splitUpload', () => {
  it('sends files up to the bound direct and the rest through rclone, keeping their order', () => {
    const files = [
      { file: 'a', size: 0 },
      { file: 'b', size: DIRECT_UPLOAD_MAX_BYTES + 1 },
      { file: 'c', size: DIRECT_UPLOAD_MAX_BYTES },
      { file: 'd', size: 10 },
    ];
    expect(splitUpload(files)).toEqual({
      direct: [files[0], files[2], files[3]],
      rclone: [files[1]],
    });
    expect(splitUpload(files, 5)).toEqual({
      direct: [files[0]],
      rclone: [files[1], files[2], files[3]],
    });
  });
});

describe('rcloneOnlyUploadFlag', () => {
  it('names the first flag that shapes the transfer, in either form, and nothing else', () => {
    expect(rcloneOnlyUploadFlag(['--s3-upload-cutoff', '5M', '--bwlimit', '1M'])).toBe('--bwlimit');
    expect(rcloneOnlyUploadFlag(['--tpslimit=10'])).toBe('--tpslimit');
    expect(rcloneOnlyUploadFlag(['--max-transfer', '1G'])).toBe('--max-transfer');
    expect(rcloneOnlyUploadFlag(['--contimeout', '10s', '--s3-chunk-size', '5M'])).toBeNull();
    // A value that happens to look like a flag name is not a flag of its own here.
    expect(rcloneOnlyUploadFlag(['--bwlimit-file', 'x'])).toBeNull();
  });
});

describe('combinedProgress', () => {
  it('adds both halves up and derives speed and ETA over the whole transfer', () => {
    expect(
      combinedProgress(
        { bytes: 1000, objects: 10 },
        { bytesDone: 300, objectsDone: 2 },
        { bytes: 200, objects: 5 },
        2000,
      ),
    ).toEqual({
      bytesDone: 500,
      bytesTotal: 1000,
      objectsDone: 7,
      objectsTotal: 10,
      speed: 250,
      etaSeconds: 2,
    });
    expect(
      combinedProgress(
        { bytes: 5, objects: 1 },
        { bytesDone: 0, objectsDone: 0 },
        { bytes: 0, objects: 0 },
        0,
      ),
    ).toMatchObject({ speed: 0, etaSeconds: null });
  });
});

describe('uploadSplit scheduling (real files, a recording client)', () => {
  it('keeps at most 16 PUTs and 32 MiB of bodies in flight, and sends every file once', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'fsync-split-'));
    try {
      const names: string[] = [];
      for (let i = 0; i < 40; i++) {
        const name = `f${i}`;
        await writeFile(join(dir, name), Buffer.alloc(i % 2 === 0 ? 3 << 20 : 1000, i));
        names.push(name);
      }
      let inFlight = 0;
      let bytesInFlight = 0;
      const peak = { count: 0, bytes: 0 };
      const put: Record<string, number> = {};
      const client = {
        async put(key: string, body: Uint8Array) {
          inFlight++;
          bytesInFlight += body.byteLength;
          peak.count = Math.max(peak.count, inFlight);
          peak.bytes = Math.max(peak.bytes, bytesInFlight);
          await new Promise((r) => setTimeout(r, 2));
          put[key] = (put[key] ?? 0) + body.byteLength;
          inFlight--;
          bytesInFlight -= body.byteLength;
        },
      } as unknown as DirectS3;
      const done: string[] = [];
      const result = await uploadSplit({
        localDir: dir,
        files: names,
        remotePrefix: 'p/',
        client,
        concurrency: 20,
        description: 'test',
        viaRclone: () => Promise.reject(new Error('no file is above the bound')),
        call: { onObjectDone: (k) => done.push(k) },
      });
      expect(result.objects).toBe(40);
      expect(Object.keys(put).sort()).toEqual(names.map((n) => `p/${n}`).sort());
      expect(done.sort()).toEqual([...names].sort());
      expect(peak.count).toBeLessThanOrEqual(DIRECT_UPLOAD_MAX_CONCURRENCY);
      expect(peak.bytes).toBeLessThanOrEqual(DIRECT_UPLOAD_BUDGET_BYTES);
      expect(peak.bytes).toBeGreaterThan(3 << 20); // more than one body at a time
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
