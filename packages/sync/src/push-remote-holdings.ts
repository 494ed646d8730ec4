import type { CatalogEntry, Manifest } from '@feldera-sync/checkpoint';
import { readRemoteCatalog, uuidv7TimeMs } from '@feldera-sync/checkpoint';
import type { SyncContext } from './context.js';
import { readingRemote } from './layout-errors.js';
import { mapLimit } from './remote/manifest-cache.js';

/** How many of the newest catalog entries' manifests a push reads to plan (docs/sync.md, "Push"). */
const RECENT_MANIFESTS = 2;

const KEY_UUIDV7 = /([0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[0-9a-f]{4}-[0-9a-f]{12})[^/]*$/i;

/** The UUIDv7 time in an object's name (`w0-<uuidv7>.feldera`, `<uuidv7>.zip`), or null. */
function keyTimeMs(key: string): number | null {
  const m = KEY_UUIDV7.exec(key);
  return m ? uuidv7TimeMs(m[1]!) : null;
}

/** What a push knows of the bucket before planning. */
export interface RemoteHoldings {
  catalog: CatalogEntry[];
  /** This checkpoint's own manifest when an earlier push got that far, else null. */
  ownManifest: Manifest | null;
  /** The manifests at hand: the newest few, any already cached, and `ownManifest`. */
  manifests: Manifest[];
  /** Objects no manifest at hand records that a `head` found, by key, with their size. */
  present: Map<string, number>;
}

/**
 * What the remote already has, at a cost that does not grow with the catalog: the manifests of the
 * newest few catalog entries (a new checkpoint shares its batch files mostly with them), any this
 * process already holds, and this checkpoint's own manifest when an earlier push got that far (it is
 * written only after its objects). Whatever they do not record is checked with a cheap `head` (size
 * must match) rather than by reading every old manifest or listing.
 */
export async function readRemoteHoldings(
  ctx: SyncContext,
  uuid: string,
  candidates: readonly { key: string; size: number }[],
  resumed: boolean,
  opts: { signal?: AbortSignal },
): Promise<RemoteHoldings> {
  const catalog = await readingRemote(readRemoteCatalog(ctx.store, opts));
  const ownManifest = await ctx.manifests.get(ctx.store, uuid, opts);
  const others = catalog.map((e) => e.uuid).filter((u) => u !== uuid);
  const newest = others.slice(-RECENT_MANIFESTS);
  const lookups = await ctx.manifests.lookup(ctx.store, newest, {
    ...opts,
    concurrency: ctx.checkers,
  });
  const manifests = [...lookups.values()].flatMap((l) => (l.status === 'ok' ? [l.manifest] : []));
  const newestSet = new Set(newest);
  manifests.push(
    ...ctx.manifests.cached(
      ctx.store,
      others.filter((u) => !newestSet.has(u)),
    ),
  );
  if (ownManifest) manifests.push(ownManifest);

  // Objects no manifest at hand records may still be there: referenced by an older checkpoint whose
  // manifest was not read, or sent by a push that was killed (a staging dir survived, or our manifest
  // exists). Those get a `head` each, `checkers` at a time. Without a resumed push, a file written
  // after the newest catalogued checkpoint (its UUIDv7 name says so) cannot be referenced by any of
  // them, so it is sent without a look; a wrong guess (clock skew across hosts) only re-sends it.
  const present = new Map<string, number>();
  const unread = others.some((u) => !manifests.some((m) => m.uuid === u.toLowerCase()));
  if (unread || resumed || ownManifest !== null) {
    const recorded = new Set(manifests.flatMap((m) => m.objects.map((o) => o.key)));
    const newestMs = Math.max(-Infinity, ...others.map((u) => uuidv7TimeMs(u) ?? Infinity));
    const mayExist = (key: string): boolean => {
      if (resumed || ownManifest !== null) return true;
      const t = keyTimeMs(key);
      return t === null || t <= newestMs;
    };
    const unchecked = candidates.filter((o) => !recorded.has(o.key) && mayExist(o.key));
    const heads = await mapLimit(unchecked, ctx.checkers, (o) => ctx.store.head(o.key, opts));
    for (const h of heads) if (h) present.set(h.key, h.size);
  }
  return { catalog, ownManifest, manifests, present };
}
