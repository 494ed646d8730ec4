import type { ServerOptions } from '@feldera-sync/server';
import type { StoreFactory } from './stores.js';
import { rcloneStoreFactory } from './stores.js';

/** Options `serve` passes to the server app. */
export type ServeOptions = ServerOptions;

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
    // Loaded on demand so that commands other than `serve` never load fastify and pino.
    const server = await import('@feldera-sync/server');
    return server.runServer(options);
  },
};
