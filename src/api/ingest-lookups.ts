import type { Id } from '../domain/ids.js';
import type { Application, Endpoint, EventType } from '../domain/types.js';
import type { Store } from '../store/driver.js';

/**
 * How long ingest may reuse what it read about an application, its endpoints and an event type.
 * Writes made through this process (the API's routes, the dispatcher's 410 disable, maintenance)
 * drop the cache at once (`Store.onConfigWritten`), so with SQLite, where one process owns the
 * file, ingest never sees stale configuration. With PostgreSQL, a write made through another
 * process reaches this one's ingest within this TTL: a message sent through API process B up to
 * 1 s after an endpoint was created or changed through API process A may be matched against the
 * endpoints as they were. The NOTIFY channel is not used for this: an API-only process opens no
 * LISTEN connection (one more per process), and a notice arrives after the commit anyway, so it
 * narrows the window without closing it.
 *
 * Measured (bench quick pass of 2026-11-23 20:48, SQLite, one app named by uid): ingest ran 4
 * lookups per POST (`applicationGet` by id then by uid, `eventTypeGet`, `endpointListAll`), 4 of
 * the 12.6 statements per message and about 5 % of the server's CPU profile. At 5,000 messages
 * a second a 1 s TTL costs one set of lookups per second per app and event type.
 */
export const ingestLookupTtlMs = 1_000;
/** Entries per map before it is cleared (memory bound with very many apps or event types). */
const maxEntries = 10_000;

interface Entry<V> {
  value: V;
  expiresAt: number;
}

/** The Store reads ingest makes, cached (see `ingestLookupTtlMs`); a drop-in for those three. */
export class IngestLookups implements Pick<Store, 'applicationGet' | 'endpointListAll' | 'eventTypeGet'> {
  /** Bumped by every local write: a read that started before it is not cached. */
  private generation = 0;
  private readonly apps = new Map<string, Entry<Application | null>>();
  private readonly endpoints = new Map<string, Entry<Endpoint[]>>();
  private readonly eventTypes = new Map<string, Entry<EventType | null>>();
  private readonly unsubscribe: () => void;

  constructor(
    private readonly store: Store,
    private readonly ttlMs = ingestLookupTtlMs,
  ) {
    this.unsubscribe = store.onConfigWritten(() => this.clear());
  }

  /** Only applications that exist are cached: a miss goes to the store each time (and may create it). */
  applicationGet(p: { idOrUid: string }): Promise<Application | null> {
    return this.cached(this.apps, p.idOrUid, () => this.store.applicationGet(p), (app) => app !== null);
  }

  endpointListAll(p: { appId: Id<'app'> }): Promise<Endpoint[]> {
    return this.cached(this.endpoints, p.appId, () => this.store.endpointListAll(p));
  }

  eventTypeGet(p: { name: string }): Promise<EventType | null> {
    return this.cached(this.eventTypes, p.name, () => this.store.eventTypeGet(p));
  }

  clear(): void {
    this.generation++;
    this.apps.clear();
    this.endpoints.clear();
    this.eventTypes.clear();
  }

  close(): void {
    this.unsubscribe();
  }

  private async cached<V>(map: Map<string, Entry<V>>, key: string, load: () => Promise<V>, keep: (value: V) => boolean = () => true): Promise<V> {
    const now = performance.now();
    const hit = map.get(key);
    if (hit !== undefined && hit.expiresAt > now) return hit.value;
    const generation = this.generation;
    const value = await load();
    if (generation === this.generation && keep(value)) {
      if (map.size >= maxEntries) map.clear();
      map.set(key, { value, expiresAt: now + this.ttlMs });
    }
    return value;
  }
}
