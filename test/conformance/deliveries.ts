import { expect } from 'vitest';
import { MessageStatus } from '../../src/domain/types.js';
import { insertApp, insertDelivery, insertEndpoint, insertMessage, tick } from '../helpers/factory.js';
import type { ConformanceContext } from './index.js';

export function deliveriesArea(t: ConformanceContext): void {
  t.test("lists an endpoint's deliveries with their messages, newest first, filtered by status", async (store) => {
    const a = await insertApp(store);
    const ep = await insertEndpoint(store, a.id);
    const other = await insertEndpoint(store, a.id);
    const failed = await insertDelivery(store, { appId: a.id, endpointId: ep.id, status: MessageStatus.Fail });
    const pending = await insertDelivery(store, { appId: a.id, endpointId: ep.id });
    await insertMessage(store, a.id, [other.id]);

    const page = await store.deliveryListByEndpoint({ appId: a.id, endpointId: ep.id, limit: 10 });
    expect(page.data.map((x) => x.message.id)).toEqual([pending.message.id, failed.message.id]);
    expect(page.data[0]!.message).toEqual(pending.message);
    expect(page.data[0]!.delivery).toMatchObject({ endpointId: ep.id, status: MessageStatus.Pending });
    expect(page.done).toBe(true);

    const asc = await store.deliveryListByEndpoint({ appId: a.id, endpointId: ep.id, limit: 10, order: 'ascending' });
    expect(asc.data.map((x) => x.message.id)).toEqual([failed.message.id, pending.message.id]);
    const onlyFailed = await store.deliveryListByEndpoint({ appId: a.id, endpointId: ep.id, limit: 10, status: MessageStatus.Fail });
    expect(onlyFailed.data.map((x) => x.message.id)).toEqual([failed.message.id]);
  });

  t.test('pages through an endpoint\'s deliveries by message id', async (store) => {
    const a = await insertApp(store);
    const ep = await insertEndpoint(store, a.id);
    const ids = [];
    for (let i = 0; i < 5; i++) ids.push((await insertMessage(store, a.id, [ep.id])).id);
    const first = await store.deliveryListByEndpoint({ appId: a.id, endpointId: ep.id, limit: 3 });
    expect(first.done).toBe(false);
    const second = await store.deliveryListByEndpoint({ appId: a.id, endpointId: ep.id, limit: 3, iterator: first.iterator });
    expect([...first.data, ...second.data].map((x) => x.message.id)).toEqual(ids.reverse());
    expect(second.done).toBe(true);
  });

  t.test("lists a message's deliveries to every endpoint", async (store) => {
    const a = await insertApp(store);
    const e1 = await insertEndpoint(store, a.id);
    const e2 = await insertEndpoint(store, a.id);
    const m = await insertMessage(store, a.id, [e1.id, e2.id]);
    const list = await store.deliveryListByMessage({ appId: a.id, msgId: m.id });
    expect(new Set(list.map((d) => d.endpointId))).toEqual(new Set([e1.id, e2.id]));
  });

  t.test("counts an endpoint's deliveries by status, within the message-time window when given", async (store) => {
    const a = await insertApp(store);
    const ep = await insertEndpoint(store, a.id);
    const other = await insertEndpoint(store, a.id);
    await insertDelivery(store, { appId: a.id, endpointId: ep.id, status: MessageStatus.Success });
    const since = tick();
    await insertDelivery(store, { appId: a.id, endpointId: ep.id, status: MessageStatus.Success });
    await insertDelivery(store, { appId: a.id, endpointId: ep.id, status: MessageStatus.Fail });
    await insertDelivery(store, { appId: a.id, endpointId: ep.id });
    await insertDelivery(store, { appId: a.id, endpointId: other.id, status: MessageStatus.Fail });
    const until = tick();
    await insertDelivery(store, { appId: a.id, endpointId: ep.id });
    await store.deliveryClaimDue({ now: until, limit: 1, leaseMs: 1000, perEndpointLimit: 1, skipEndpointIds: [other.id] });

    expect(await store.deliveryStats({ appId: a.id, endpointId: ep.id })).toEqual({ success: 2, pending: 1, sending: 1, fail: 1, canceled: 0 });
    const windowed = await store.deliveryStats({ appId: a.id, endpointId: ep.id, since, until });
    expect(windowed).toEqual({ success: 1, pending: 0, sending: 1, fail: 1, canceled: 0 });
    expect(await store.deliveryStats({ appId: a.id, endpointId: ep.id, since: until })).toEqual({ success: 0, pending: 1, sending: 0, fail: 0, canceled: 0 });
  });
}
