import type { StoreFactory } from './stores.js';
import { rcloneStoreFactory } from './stores.js';

/** The package `serve` loads lazily. */
export const SERVER_PACKAGE = '@feldera-sync/server';

/** Options `serve` passes to the server app (mirrors `@feldera-sync/server`'s `ServerOptions`). */
export interface ServeOptions {
  host: string;
  port: number;
  dataDir: string;
  apiKeyFile?: string | undefined;
  embeddedS3?: boolean | undefined;
  embeddedS3Port?: number | undefined;
  demo?: boolean | undefined;
  shutdownGraceMs?: number | undefined;
  rcloneBinary?: string | undefined;
  logLevel?: string | undefined;
  print?: ((text: string) => void) | undefined;
}

/** A running server as `serve` needs it. */
export interface ServerHandle {
  url: string;
  close(): Promise<void>;
}

/** What the commands use from outside the CLI; replaced in tests. */
export interface CliDeps {
  /** Opens an object store for a bucket location. */
  createStore: StoreFactory;
  /** Starts the server app (loaded lazily so other commands do not load fastify). */
  runServer: (options: ServeOptions) => Promise<ServerHandle>;
}

/** The production wiring: rclone stores and the real server. */
export const defaultDeps: CliDeps = {
  createStore: rcloneStoreFactory,
  runServer: async (options) => {
    // A non-literal specifier keeps the server's sources (and their ambient module declarations)
    // out of this package's type-check; `ServeOptions` mirrors its `runServer` signature.
    const specifier: string = SERVER_PACKAGE;
    const server = (await import(specifier)) as { runServer: (options: ServeOptions) => Promise<ServerHandle> };
    return server.runServer(options);
  },
};
