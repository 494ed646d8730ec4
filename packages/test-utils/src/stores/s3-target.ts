/** An S3 endpoint on 127.0.0.1 that tests can use, with its test credentials and quirks. */
export interface S3Target {
  /** Which store this is. */
  kind: 'ceph' | 's3rver';
  /** rclone provider name to configure. */
  provider: string;
  endpoint: string;
  region: string;
  accessKey: string;
  secretKey: string;
  /** The store enforces `If-None-Match: *` on PUT atomically. */
  conditionalPut: boolean;
  /** The store verifies request signatures (wrong-credential tests are meaningful). */
  checksSignatures: boolean;
}

/** A bucket created for one test; `remove()` deletes it with its contents. */
export interface TestBucket extends S3Target {
  bucket: string;
  remove(): Promise<void>;
}

/** A running store: hands out fresh buckets; `close()` stops it if this process started it. */
export interface S3Server extends S3Target {
  createBucket(): Promise<TestBucket>;
  close(): Promise<void>;
}
