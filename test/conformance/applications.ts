import { expect } from 'vitest';
import { ConflictError, NotFoundError } from '../../src/domain/errors.js';
import { MessageStatus } from '../../src/domain/types.js';
import { app, attempt, insertApp, insertEndpoint, insertMessage, tick } from '../helpers/factory.js';
import type { ConformanceContext } from './index.js';

export function applicationsArea(t: ConformanceContext): void {
  t.test('stores an application and reads it back by id and by uid', async (store) => {
    const a = app({ uid: 'acme.prod', rateLimit: 100, metadata: { plan: 'gold' } });
    await store.applicationInsert(a);
    expect(await store.applicationGet({ idOrUid: a.id })).toEqual(a);
    expect(await store.applicationGet({ idOrUid: 'acme.prod' })).toEqual(a);
  });

  t.test('returns null for an unknown id or uid', async (store) => {
    await insertApp(store, { uid: 'known' });
    expect(await store.applicationGet({ idOrUid: app().id })).toBeNull();
    expect(await store.applicationGet({ idOrUid: 'unknown' })).toBeNull();
  });

  t.test('throws ConflictError for a duplicate uid or id', async (store) => {
    const a = await insertApp(store, { uid: 'taken' });
    await expect(store.applicationInsert(app({ uid: 'taken' }))).rejects.toBeInstanceOf(ConflictError);
    await expect(store.applicationInsert({ ...a, uid: null })).rejects.toBeInstanceOf(ConflictError);
  });

  t.test('allows any number of applications without a uid', async (store) => {
    await insertApp(store);
    await insertApp(store);
    expect((await store.applicationList({ limit: 10 })).data).toHaveLength(2);
  });

  t.test('updates every field', async (store) => {
    const a = await insertApp(store);
    const changed = { ...a, uid: 'new-uid', name: 'Renamed', rateLimit: 5, metadata: { k: 'v' }, updatedAt: tick() };
    await store.applicationUpdate(changed);
    expect(await store.applicationGet({ idOrUid: a.id })).toEqual(changed);
  });

  t.test('throws NotFoundError when updating a missing application', async (store) => {
    await expect(store.applicationUpdate(app())).rejects.toBeInstanceOf(NotFoundError);
  });

  t.test("throws ConflictError when an update takes another application's uid", async (store) => {
    await insertApp(store, { uid: 'first' });
    const second = await insertApp(store, { uid: 'second' });
    await expect(store.applicationUpdate({ ...second, uid: 'first' })).rejects.toBeInstanceOf(ConflictError);
  });

  t.test('throws NotFoundError when deleting a missing application', async (store) => {
    await expect(store.applicationDelete({ id: app().id })).rejects.toBeInstanceOf(NotFoundError);
  });

  t.test('deletes the application with its endpoints, messages, deliveries, attempts and portal tokens', async (store) => {
    const a = await insertApp(store);
    const other = await insertApp(store);
    const ep = await insertEndpoint(store, a.id);
    const otherEp = await insertEndpoint(store, other.id);
    const m = await insertMessage(store, a.id, [ep.id]);
    const otherMsg = await insertMessage(store, other.id, [otherEp.id]);
    const key = { appId: a.id, msgId: m.id, endpointId: ep.id };
    await store.deliveryRecordOutcomes({
      outcomes: [{ key, attempt: attempt(key), status: MessageStatus.Success, nextAttemptAt: null, attemptCount: 1, disableEndpoint: false }],
    });
    await store.portalTokenInsert({ tokenHash: 'hash-a', appId: a.id, expiresAt: new Date(Date.now() + 3_600_000), readOnly: false });

    await store.applicationDelete({ id: a.id });

    expect(await store.applicationGet({ idOrUid: a.id })).toBeNull();
    expect(await store.endpointGet({ appId: a.id, idOrUid: ep.id })).toBeNull();
    expect(await store.messageGet({ appId: a.id, idOrEventId: m.id })).toBeNull();
    expect(await store.deliveryListByMessage({ appId: a.id, msgId: m.id })).toEqual([]);
    expect((await store.attemptList({ appId: a.id, limit: 10 })).data).toEqual([]);
    expect(await store.portalTokenGet({ tokenHash: 'hash-a', now: new Date() })).toBeNull();
    // The other tenant is untouched.
    expect(await store.messageGet({ appId: other.id, idOrEventId: otherMsg.id })).not.toBeNull();
    expect(await store.deliveryListByMessage({ appId: other.id, msgId: otherMsg.id })).toHaveLength(1);
  });

  t.test('lists oldest first by default and newest first when asked', async (store) => {
    const a1 = await insertApp(store);
    const a2 = await insertApp(store);
    const a3 = await insertApp(store);
    expect((await store.applicationList({ limit: 10 })).data.map((a) => a.id)).toEqual([a1.id, a2.id, a3.id]);
    expect((await store.applicationList({ limit: 10, order: 'descending' })).data.map((a) => a.id)).toEqual([a3.id, a2.id, a1.id]);
  });
}
