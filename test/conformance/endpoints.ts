import { expect } from 'vitest';
import { ConflictError, NotFoundError } from '../../src/domain/errors.js';
import { MessageStatus } from '../../src/domain/types.js';
import { attempt, endpoint, insertApp, insertEndpoint, insertMessage, testSecretBox, tick } from '../helpers/factory.js';
import type { ConformanceContext } from './index.js';

export function endpointsArea(t: ConformanceContext): void {
  t.test('stores an endpoint with every field and reads it back by id and by uid', async (store) => {
    const a = await insertApp(store);
    const e = endpoint(a.id, {
      uid: 'billing-hook',
      description: 'billing',
      version: 3,
      filterTypes: ['job.run.completed'],
      channels: ['project-1'],
      rateLimit: 10,
      metadata: { team: 'data' },
      headers: { 'x-custom': 'yes' },
      profile: 'dbt-cloud',
      profileOptions: { slowThresholdMs: 4000 },
      payloadFilter: { job_id: { $in: [1, 2] } },
      timeoutMs: 5000,
      retrySchedule: [10, 60, 300],
      maxConcurrency: 4,
    });
    await store.endpointInsert(e);
    expect(await store.endpointGet({ appId: a.id, idOrUid: e.id })).toEqual(e);
    expect(await store.endpointGet({ appId: a.id, idOrUid: 'billing-hook' })).toEqual(e);
  });

  t.test('keeps the sealed secrets exactly as given', async (store) => {
    const a = await insertApp(store);
    const e = await insertEndpoint(store, a.id);
    const got = await store.endpointGet({ appId: a.id, idOrUid: e.id });
    expect(got?.secrets).toBe(e.secrets);
    expect(testSecretBox.open(got!.secrets)[0]?.key).toMatch(/^whsec_/);
  });

  t.test('finds an endpoint only within its own application', async (store) => {
    const a = await insertApp(store);
    const b = await insertApp(store);
    const e = await insertEndpoint(store, a.id, { uid: 'hook' });
    expect(await store.endpointGet({ appId: b.id, idOrUid: e.id })).toBeNull();
    expect(await store.endpointGet({ appId: b.id, idOrUid: 'hook' })).toBeNull();
  });

  t.test('throws ConflictError for a duplicate uid within an application, not across applications', async (store) => {
    const a = await insertApp(store);
    const b = await insertApp(store);
    await insertEndpoint(store, a.id, { uid: 'hook' });
    await expect(store.endpointInsert(endpoint(a.id, { uid: 'hook' }))).rejects.toBeInstanceOf(ConflictError);
    await expect(store.endpointInsert(endpoint(b.id, { uid: 'hook' }))).resolves.toBeUndefined();
  });

  t.test('throws NotFoundError for an endpoint of a missing application', async (store) => {
    const a = await insertApp(store);
    await store.applicationDelete({ id: a.id });
    await expect(store.endpointInsert(endpoint(a.id))).rejects.toBeInstanceOf(NotFoundError);
  });

  t.test("lists only the application's endpoints, and listAll includes disabled ones", async (store) => {
    const a = await insertApp(store);
    const b = await insertApp(store);
    const e1 = await insertEndpoint(store, a.id);
    const e2 = await insertEndpoint(store, a.id, { disabled: true });
    await insertEndpoint(store, b.id);
    expect((await store.endpointList({ appId: a.id, limit: 10 })).data.map((e) => e.id)).toEqual([e1.id, e2.id]);
    expect((await store.endpointListAll({ appId: a.id })).map((e) => e.id)).toEqual([e1.id, e2.id]);
  });

  t.test('updates every field', async (store) => {
    const a = await insertApp(store);
    const e = await insertEndpoint(store, a.id);
    const changed = {
      ...e,
      uid: 'renamed',
      url: 'https://elsewhere.example.com/',
      version: 2,
      disabled: true,
      filterTypes: ['a.b'],
      channels: ['c'],
      headers: { 'x-h': '1' },
      payloadFilter: { a: { $eq: 1 } },
      retrySchedule: [1],
      updatedAt: tick(),
    };
    await store.endpointUpdate(changed);
    expect(await store.endpointGet({ appId: a.id, idOrUid: e.id })).toEqual(changed);
  });

  t.test('throws NotFoundError when updating or deleting a missing endpoint', async (store) => {
    const a = await insertApp(store);
    const ghost = endpoint(a.id);
    await expect(store.endpointUpdate(ghost)).rejects.toBeInstanceOf(NotFoundError);
    await expect(store.endpointDelete({ appId: a.id, id: ghost.id })).rejects.toBeInstanceOf(NotFoundError);
  });

  t.test('deletes the endpoint with its deliveries and attempts, keeping the messages', async (store) => {
    const a = await insertApp(store);
    const gone = await insertEndpoint(store, a.id);
    const kept = await insertEndpoint(store, a.id);
    const m = await insertMessage(store, a.id, [gone.id, kept.id]);
    const key = { appId: a.id, msgId: m.id, endpointId: gone.id };
    await store.deliveryRecordOutcomes({
      outcomes: [{ key, attempt: attempt(key), status: MessageStatus.Success, nextAttemptAt: null, attemptCount: 1, disableEndpoint: false }],
    });

    await store.endpointDelete({ appId: a.id, id: gone.id });

    expect(await store.endpointGet({ appId: a.id, idOrUid: gone.id })).toBeNull();
    expect((await store.deliveryListByMessage({ appId: a.id, msgId: m.id })).map((d) => d.endpointId)).toEqual([kept.id]);
    expect((await store.attemptList({ appId: a.id, msgId: m.id, limit: 10 })).data).toEqual([]);
    expect(await store.messageGet({ appId: a.id, idOrEventId: m.id })).not.toBeNull();
  });
}
