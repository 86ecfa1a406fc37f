import { expect } from 'vitest';
import { MessageStatus } from '../../src/domain/types.js';
import type { DeliveryKey, Store } from '../../src/store/driver.js';
import { attempt, insertApp, insertEndpoint, insertMessage, tick } from '../helpers/factory.js';
import type { ConformanceContext } from './index.js';

async function record(store: Store, key: DeliveryKey, status: MessageStatus = MessageStatus.Success) {
  const a = attempt(key, status === MessageStatus.Success ? {} : { status, responseStatusCode: 503, response: 'busy' });
  await store.deliveryRecordOutcomes({ outcomes: [{ key, attempt: a, status, nextAttemptAt: null, attemptCount: 1, disableEndpoint: false }] });
  return a;
}

export function attemptsArea(t: ConformanceContext): void {
  t.test('lists attempts by endpoint and by message, newest first, with filters', async (store) => {
    const app = await insertApp(store);
    const e1 = await insertEndpoint(store, app.id);
    const e2 = await insertEndpoint(store, app.id);
    const m1 = await insertMessage(store, app.id, [e1.id, e2.id], { eventType: 'order.created' });
    const m2 = await insertMessage(store, app.id, [e1.id], { eventType: 'order.paid' });
    const a1 = await record(store, { appId: app.id, msgId: m1.id, endpointId: e1.id }, MessageStatus.Fail);
    const a2 = await record(store, { appId: app.id, msgId: m1.id, endpointId: e2.id });
    const a3 = await record(store, { appId: app.id, msgId: m2.id, endpointId: e1.id });
    const ids = async (p: Partial<Parameters<Store['attemptList']>[0]>) => (await store.attemptList({ appId: app.id, limit: 10, ...p })).data.map((x) => x.id);

    expect(await ids({})).toEqual([a3.id, a2.id, a1.id]);
    expect(await ids({ order: 'ascending' })).toEqual([a1.id, a2.id, a3.id]);
    expect(await ids({ endpointId: e1.id })).toEqual([a3.id, a1.id]);
    expect(await ids({ msgId: m1.id })).toEqual([a2.id, a1.id]);
    expect(await ids({ endpointId: e1.id, msgId: m1.id })).toEqual([a1.id]);
    expect(await ids({ status: MessageStatus.Fail })).toEqual([a1.id]);
    expect(await ids({ eventTypes: ['order.paid'] })).toEqual([a3.id]);
    expect(await ids({ before: a2.timestamp })).toEqual([a1.id]);
    expect(await ids({ after: a2.timestamp })).toEqual([a3.id]);
  });

  t.test('reads one attempt back with every field, only under its own message', async (store) => {
    const app = await insertApp(store);
    const ep = await insertEndpoint(store, app.id);
    const m = await insertMessage(store, app.id, [ep.id]);
    const other = await insertMessage(store, app.id, []);
    const a = await record(store, { appId: app.id, msgId: m.id, endpointId: ep.id }, MessageStatus.Fail);
    expect(await store.attemptGet({ appId: app.id, msgId: m.id, id: a.id })).toEqual(a);
    expect(await store.attemptGet({ appId: app.id, msgId: other.id, id: a.id })).toBeNull();
  });

  t.test('keeps attempts without headers', async (store) => {
    const app = await insertApp(store);
    const ep = await insertEndpoint(store, app.id);
    const m = await insertMessage(store, app.id, [ep.id]);
    const key = { appId: app.id, msgId: m.id, endpointId: ep.id };
    const a = attempt(key, { responseHeaders: null, requestHeaders: null, responseStatusCode: 0, response: 'connection refused', timestamp: tick() });
    await store.deliveryRecordOutcomes({ outcomes: [{ key, attempt: a, status: MessageStatus.Fail, nextAttemptAt: null, attemptCount: 1, disableEndpoint: false }] });
    expect(await store.attemptGet({ appId: app.id, msgId: m.id, id: a.id })).toEqual(a);
  });
}
