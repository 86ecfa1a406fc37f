import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { endpoint, insertApp, insertEndpoint, insertEventType } from '../../test/helpers/factory.js';
import { openTestStore } from '../../test/helpers/open-test-store.js';
import type { Store } from '../store/driver.js';
import { IngestLookups } from './ingest-lookups.js';

let store: Store;
let close: () => Promise<void>;
let lookups: IngestLookups;

beforeEach(async () => {
  const opened = await openTestStore('sqlite');
  store = opened.store;
  close = opened.close;
  // A TTL no test outlives: only invalidation can make these caches read again.
  lookups = new IngestLookups(store, 3_600_000);
});

afterEach(async () => {
  lookups.close();
  await close();
});

/** The store, with its reads counted by operation. */
function countReads(): Record<string, number> {
  const reads: Record<string, number> = {};
  for (const name of ['applicationGet', 'endpointListAll', 'eventTypeGet'] as const) {
    const op = store[name].bind(store) as (p: never) => Promise<unknown>;
    (store as unknown as Record<string, unknown>)[name] = (p: never) => {
      reads[name] = (reads[name] ?? 0) + 1;
      return op(p);
    };
  }
  return reads;
}

describe('IngestLookups', () => {
  it('reads an application, its endpoints and an event type once, then from memory', async () => {
    const app = await insertApp(store, { uid: 'tenant' });
    await insertEndpoint(store, app.id);
    const reads = countReads();
    for (let i = 0; i < 3; i++) {
      expect((await lookups.applicationGet({ idOrUid: 'tenant' }))?.id).toBe(app.id);
      expect(await lookups.endpointListAll({ appId: app.id })).toHaveLength(1);
      expect(await lookups.eventTypeGet({ name: 'missing.type' })).toBeNull();
    }
    expect(reads).toEqual({ applicationGet: 1, endpointListAll: 1, eventTypeGet: 1 });
  });

  it('does not keep an application that does not exist: the next call looks again', async () => {
    expect(await lookups.applicationGet({ idOrUid: 'later' })).toBeNull();
    await insertApp(store, { uid: 'later' });
    expect((await lookups.applicationGet({ idOrUid: 'later' }))?.uid).toBe('later');
  });

  it("drops everything on this process's writes of endpoints, event types and applications", async () => {
    const app = await insertApp(store);
    expect(await lookups.endpointListAll({ appId: app.id })).toHaveLength(0);
    await insertEndpoint(store, app.id);
    expect(await lookups.endpointListAll({ appId: app.id })).toHaveLength(1);

    expect(await lookups.eventTypeGet({ name: 'invoice.paid' })).toBeNull();
    await insertEventType(store, { name: 'invoice.paid' });
    expect((await lookups.eventTypeGet({ name: 'invoice.paid' }))?.name).toBe('invoice.paid');

    await store.applicationUpdate({ ...app, name: 'renamed' });
    expect((await lookups.applicationGet({ idOrUid: app.id }))?.name).toBe('renamed');
  });

  it('keeps nothing read before a write that ended while the read was under way', async () => {
    const app = await insertApp(store);
    const read = store.endpointListAll.bind(store);
    store.endpointListAll = async (p) => {
      const before = await read(p);
      await store.endpointInsert(endpoint(app.id));
      return before;
    };
    expect(await lookups.endpointListAll({ appId: app.id })).toHaveLength(0);
    store.endpointListAll = read;
    expect(await lookups.endpointListAll({ appId: app.id })).toHaveLength(1);
  });
});
