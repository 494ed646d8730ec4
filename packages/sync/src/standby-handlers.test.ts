import { readFile, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { ObjectStore } from '@feldera-sync/checkpoint';
import {
  ACTIVATION_INTENT_FILE,
  StoreErrorCodes,
  createMemoryObjectStore,
  readOwner,
} from '@feldera-sync/checkpoint';
import { SyncError, hasErrorCode } from '@feldera-sync/errors';
import type { StandbyHandlers } from '@feldera-sync/standby';
import {
  ERR_STANDBY_FINAL_PULL_FAILED,
  ERR_STANDBY_TAKEOVER_FAILED,
  createStandbyRunner,
} from '@feldera-sync/standby';
import { describe, expect, it } from 'vitest';
import { storagePerTest } from '../test/support/storage-builder.js';
import type { SyncLogger } from './logger.js';
import { createStandbyHandlers, readStandbyStartFacts } from './standby-handlers.js';
import { createSynchronizer } from './synchronizer.js';

const PRIMARY = {
  systemName: 'pipeline-00000000-0000-4000-8000-00000000000a',
  givenName: 'primary',
};
const STANDBY = {
  systemName: 'pipeline-00000000-0000-4000-8000-00000000000b',
  givenName: 'standby',
};
const storage = storagePerTest();

function recordingLogger(): SyncLogger & { warnings: string[] } {
  const warnings: string[] = [];
  return {
    warnings,
    debug: () => undefined,
    info: () => undefined,
    warn: (message) => void warnings.push(message),
    error: () => undefined,
  };
}

/** The memory store, with owner.json writes refused as a store with read-only keys refuses them. */
function ownerWritesRefused(store: ObjectStore): ObjectStore {
  return {
    ...store,
    putSmall: (key, body, options) =>
      key === 'owner.json'
        ? Promise.reject(new SyncError(StoreErrorCodes.auth, 'AccessDenied: owner.json'))
        : store.putSmall(key, body, options),
  };
}

async function primaryPushed() {
  const primary = await storage();
  const batch = await primary.batch(4096);
  const uuid = await primary.checkpoint([batch]);
  const store = createMemoryObjectStore('memory:bucket/');
  const sync = createSynchronizer({ storageDir: primary.dir, store, pipeline: PRIMARY });
  await sync.push(uuid);
  await sync.close();
  return { store, uuid, primary };
}

async function standbyRunner(store: ObjectStore, handlersOverride: Partial<StandbyHandlers> = {}) {
  const dir = (await storage()).dir;
  const logger = recordingLogger();
  const sync = createSynchronizer({ storageDir: dir, store, pipeline: STANDBY, logger });
  const handlers = {
    ...createStandbyHandlers({
      storageDir: dir,
      synchronizer: sync,
      store,
      identity: STANDBY,
      failIfNoCheckpoint: false,
      logger,
    }),
    ...handlersOverride,
  };
  const runner = createStandbyRunner({
    clock: {
      now: () => Date.now(),
      setTimeout: (fn, ms) => setTimeout(fn, ms),
      clearTimeout: (h) => clearTimeout(h as ReturnType<typeof setTimeout>),
    },
    handlers,
  });
  const start = async () =>
    runner.start({
      initial: 'standby',
      startFromCheckpoint: 'latest',
      pullIntervalMs: 60_000,
      failIfNoCheckpoint: false,
      ...(await readStandbyStartFacts(dir)),
    });
  return { dir, sync, runner, logger, start };
}

describe('createStandbyHandlers', () => {
  it('activates: final pull, intent, takeover of owner.json, Feldera marker, intent cleared', async () => {
    const { store, uuid } = await primaryPushed();
    const sb = await standbyRunner(store);
    await sb.start();
    await sb.runner.activate();
    const owner = await readOwner(store);
    expect(owner?.pipeline_name).toBe(STANDBY.systemName);
    expect(sb.runner.snapshot()).toMatchObject({
      state: 'running',
      tookOverFrom: PRIMARY.systemName,
    });
    expect(await readFile(join(sb.dir, 'activated.feldera'), 'utf8')).toMatch(
      new RegExp(`^\\{"uuid":"${uuid}","identifier":null,"fingerprint":18446744073709551557,`),
    );
    expect(await readdir(sb.dir)).not.toContain(ACTIVATION_INTENT_FILE);
    await sb.runner.stop();
    await sb.sync.close();
  });

  it('a refused takeover fails with ERR_STANDBY_TAKEOVER_FAILED caused by ERR_STORE_AUTH, keeps the intent, writes no marker', async () => {
    const { store } = await primaryPushed();
    const sb = await standbyRunner(ownerWritesRefused(store));
    await sb.start();
    const error = await sb.runner.activate().then(
      () => null,
      (e: unknown) => e,
    );
    expect(hasErrorCode(error, ERR_STANDBY_TAKEOVER_FAILED), String(error)).toBe(true);
    expect(hasErrorCode((error as SyncError).cause, StoreErrorCodes.auth)).toBe(true);
    expect(String((error as Error).message)).not.toMatch(/activated\.feldera/);
    const files = await readdir(sb.dir);
    expect(files).toContain(ACTIVATION_INTENT_FILE);
    expect(files).not.toContain('activated.feldera');
    expect(await readStandbyStartFacts(sb.dir)).toEqual({
      activatedMarkerPresent: false,
      activationIntentPresent: true,
      hasLocalCheckpoint: true,
    });
    await sb.runner.stop();
    await sb.sync.close();
  });

  it('a restart with the intent completes the activation: owner taken over, marker written, running', async () => {
    const { store, uuid } = await primaryPushed();
    const sb = await standbyRunner(ownerWritesRefused(store));
    await sb.start();
    await sb.runner.activate().catch(() => undefined);
    await sb.runner.stop();
    await sb.sync.close();
    // Same directory, a store that accepts the write now: the start rolls the activation forward.
    const sync = createSynchronizer({ storageDir: sb.dir, store, pipeline: STANDBY });
    const runner = createStandbyRunner({
      clock: { now: Date.now, setTimeout, clearTimeout },
      handlers: createStandbyHandlers({
        storageDir: sb.dir,
        synchronizer: sync,
        store,
        identity: STANDBY,
        failIfNoCheckpoint: false,
      }),
    });
    await runner.start({
      initial: 'standby',
      startFromCheckpoint: 'latest',
      pullIntervalMs: 60_000,
      failIfNoCheckpoint: false,
      ...(await readStandbyStartFacts(sb.dir)),
    });
    expect(runner.snapshot()).toMatchObject({
      state: 'running',
      activated: true,
      tookOverFrom: PRIMARY.systemName,
      runningFrom: { uuid },
    });
    expect((await readOwner(store))?.pipeline_name).toBe(STANDBY.systemName);
    expect(await readStandbyStartFacts(sb.dir)).toEqual({
      activatedMarkerPresent: true,
      activationIntentPresent: false,
      hasLocalCheckpoint: true,
    });
    await runner.stop();
    await sync.close();
  });

  it('a final pull refused on auth fails with the auth error as its cause', async () => {
    const { store } = await primaryPushed();
    let refuse = false;
    const gated: ObjectStore = {
      ...store,
      getSmall: (key, options) =>
        refuse
          ? Promise.reject(new SyncError(StoreErrorCodes.auth, 'SignatureDoesNotMatch'))
          : store.getSmall(key, options),
    };
    const sb = await standbyRunner(gated);
    await sb.start();
    refuse = true;
    const error = await sb.runner.activate().then(
      () => null,
      (e: unknown) => e,
    );
    expect(hasErrorCode(error, ERR_STANDBY_FINAL_PULL_FAILED)).toBe(true);
    expect(hasErrorCode((error as SyncError).cause, StoreErrorCodes.auth)).toBe(true);
    expect(sb.runner.snapshot().failure).toMatchObject({ causeCode: StoreErrorCodes.auth });
    await sb.runner.stop();
    await sb.sync.close();
  });

  it('without an identity, activation takes nothing over and warns', async () => {
    const { store } = await primaryPushed();
    const dir = (await storage()).dir;
    const logger = recordingLogger();
    const sync = createSynchronizer({ storageDir: dir, store, pipeline: STANDBY });
    const runner = createStandbyRunner({
      clock: { now: Date.now, setTimeout, clearTimeout },
      handlers: createStandbyHandlers({
        storageDir: dir,
        synchronizer: sync,
        store,
        identity: null,
        failIfNoCheckpoint: false,
        logger,
      }),
    });
    await runner.start({
      initial: 'standby',
      startFromCheckpoint: 'latest',
      pullIntervalMs: 60_000,
      failIfNoCheckpoint: false,
      activatedMarkerPresent: false,
    });
    await runner.activate();
    expect((await readOwner(store))?.pipeline_name).toBe(PRIMARY.systemName);
    expect(logger.warnings.join('\n')).toMatch(/without a pipeline identity: owner\.json was not/);
    await runner.stop();
    await sync.close();
  });

  it('readStandbyStartFacts reads marker, intent and local completeness', async () => {
    const b = await storage();
    expect(await readStandbyStartFacts(b.dir)).toEqual({
      activatedMarkerPresent: false,
      activationIntentPresent: false,
      hasLocalCheckpoint: false,
    });
    await b.checkpoint([await b.batch(10)]);
    await writeFile(join(b.dir, 'activated.feldera'), 'null');
    await writeFile(join(b.dir, ACTIVATION_INTENT_FILE), '{}');
    expect(await readStandbyStartFacts(b.dir)).toEqual({
      activatedMarkerPresent: true,
      activationIntentPresent: true,
      hasLocalCheckpoint: true,
    });
  });
});
