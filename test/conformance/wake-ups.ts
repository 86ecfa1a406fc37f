import { expect } from 'vitest';
import { MessageStatus } from '../../src/domain/types.js';
import { attempt, insertApp, insertDelivery, insertEndpoint, insertMessage, message, tick } from '../helpers/factory.js';
import type { ConformanceContext } from './index.js';

/**
 * `onDeliveriesQueued` as seen from the process that writes: its own listeners are called once
 * the write has committed (the PostgreSQL driver's notices to other processes are tested in
 * postgres.test.ts).
 */
export function wakeUpsArea(t: ConformanceContext): void {
  t.test('wakes listeners after an ingest with deliveries, not after one without', async (store) => {
    const a = await insertApp(store);
    const ep = await insertEndpoint(store, a.id);
    let heard = 0;
    const off = store.onDeliveriesQueued(() => heard++);
    await store.messageInsert({ items: [{ message: message(a.id), endpointIds: [] }], now: tick() });
    expect(heard).toBe(0);
    await insertMessage(store, a.id, [ep.id]);
    expect(heard).toBe(1);
    off();
  });

  t.test('wakes listeners after resend, recover, replay and released or reaped leases', async (store) => {
    const a = await insertApp(store);
    const ep = await insertEndpoint(store, a.id);
    const { key } = await insertDelivery(store, { appId: a.id, endpointId: ep.id, status: MessageStatus.Fail });
    let heard = 0;
    const off = store.onDeliveriesQueued(() => heard++);

    await store.deliveryRequeueFailed({ appId: a.id, endpointId: ep.id, since: new Date(0), until: new Date(tick().getTime() + 1), now: tick() });
    expect(heard).toBe(1);
    await store.deliveryRequeue({ ...key, now: tick() });
    expect(heard).toBe(2);
    const never = message(a.id);
    await store.messageInsert({ items: [{ message: never, endpointIds: [] }], now: tick() });
    await store.deliveryInsert({ appId: a.id, endpointId: ep.id, msgIds: [never.id], now: tick() });
    expect(heard).toBe(3);

    const now = tick();
    const claimed = await store.deliveryClaimDue({ now, limit: 10, leaseMs: 1_000, perEndpointLimit: 10, skipEndpointIds: [] });
    expect(claimed).toHaveLength(2);
    await store.deliveryReleaseLeases({ keys: [claimed[0]!.delivery], now });
    expect(heard).toBe(4);
    expect(await store.deliveryReapExpiredLeases({ now: new Date(now.getTime() + 1_000) })).toBe(1);
    expect(heard).toBe(5);
    // Writes that queue nothing stay quiet.
    expect(await store.deliveryReapExpiredLeases({ now: new Date(now.getTime() + 1_000) })).toBe(0);
    const outcome = { key: claimed[1]!.delivery, attempt: attempt(claimed[1]!.delivery), status: MessageStatus.Success, nextAttemptAt: null, attemptCount: 1, disableEndpoint: false };
    await store.deliveryRecordOutcomes({ outcomes: [outcome] });
    expect(heard).toBe(5);
    off();
  });

  t.test('stops calling a listener once it unsubscribes, and keeps calling the others', async (store) => {
    const a = await insertApp(store);
    const ep = await insertEndpoint(store, a.id);
    let first = 0;
    let second = 0;
    const offFirst = store.onDeliveriesQueued(() => first++);
    const offSecond = store.onDeliveriesQueued(() => second++);
    await insertMessage(store, a.id, [ep.id]);
    offFirst();
    offFirst();
    await insertMessage(store, a.id, [ep.id]);
    expect([first, second]).toEqual([1, 2]);
    offSecond();
  });
}
