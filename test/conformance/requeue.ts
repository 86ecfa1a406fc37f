import { expect } from 'vitest';
import { NotFoundError } from '../../src/domain/errors.js';
import { MessageStatus, TriggerType } from '../../src/domain/types.js';
import type { Store } from '../../src/store/driver.js';
import { endpoint, insertApp, insertDelivery, insertEndpoint, insertMessage, message, tick } from '../helpers/factory.js';
import type { ConformanceContext } from './index.js';

function claimAll(store: Store, now: Date) {
  return store.deliveryClaimDue({ now, limit: 100, leaseMs: 30_000, perEndpointLimit: 100, skipEndpointIds: [] });
}

export function requeueArea(t: ConformanceContext): void {
  t.test('resend makes a failed delivery pending now with a fresh schedule and a manual trigger', async (store) => {
    const a = await insertApp(store);
    const ep = await insertEndpoint(store, a.id);
    const { key } = await insertDelivery(store, { appId: a.id, endpointId: ep.id, status: MessageStatus.Fail });
    const now = tick();
    await store.deliveryRequeue({ ...key, now });
    const [d] = await store.deliveryListByMessage({ appId: a.id, msgId: key.msgId });
    expect(d).toMatchObject({ status: MessageStatus.Pending, attemptCount: 0, triggerType: TriggerType.Manual });
    expect(d?.nextAttemptAt?.getTime()).toBe(now.getTime());
    const [claimed] = await claimAll(store, now);
    expect(claimed?.delivery).toMatchObject({ msgId: key.msgId, triggerType: TriggerType.Manual, attemptCount: 0 });
  });

  t.test('resend leaves a delivery that is being sent alone: the request in flight is the resend', async (store) => {
    const a = await insertApp(store);
    const ep = await insertEndpoint(store, a.id);
    const m = await insertMessage(store, a.id, [ep.id]);
    const now = tick();
    expect(await claimAll(store, now)).toHaveLength(1);
    await store.deliveryRequeue({ appId: a.id, msgId: m.id, endpointId: ep.id, now });
    const [d] = await store.deliveryListByMessage({ appId: a.id, msgId: m.id });
    expect(d).toMatchObject({ status: MessageStatus.Sending, triggerType: TriggerType.Scheduled });
    expect(await claimAll(store, now)).toHaveLength(0);
  });

  t.test('resend creates the delivery when the message never went to the endpoint', async (store) => {
    const a = await insertApp(store);
    const ep = await insertEndpoint(store, a.id);
    const m = await insertMessage(store, a.id, []);
    const now = tick();
    await store.deliveryRequeue({ appId: a.id, msgId: m.id, endpointId: ep.id, now });
    const [d] = await store.deliveryListByMessage({ appId: a.id, msgId: m.id });
    expect(d).toMatchObject({ endpointId: ep.id, status: MessageStatus.Pending, triggerType: TriggerType.Manual });
  });

  t.test('resend throws NotFoundError for a missing message or endpoint', async (store) => {
    const a = await insertApp(store);
    const ep = await insertEndpoint(store, a.id);
    const m = await insertMessage(store, a.id, []);
    const now = tick();
    await expect(store.deliveryRequeue({ appId: a.id, msgId: message(a.id).id, endpointId: ep.id, now })).rejects.toBeInstanceOf(NotFoundError);
    await expect(store.deliveryRequeue({ appId: a.id, msgId: m.id, endpointId: endpoint(a.id).id, now })).rejects.toBeInstanceOf(NotFoundError);
  });

  t.test("recover requeues only the endpoint's failed deliveries whose message is in [since, until)", async (store) => {
    const a = await insertApp(store);
    const ep = await insertEndpoint(store, a.id);
    const other = await insertEndpoint(store, a.id);
    const early = await insertDelivery(store, { appId: a.id, endpointId: ep.id, status: MessageStatus.Fail });
    const since = tick();
    const failed1 = await insertDelivery(store, { appId: a.id, endpointId: ep.id, status: MessageStatus.Fail });
    const ok = await insertDelivery(store, { appId: a.id, endpointId: ep.id, status: MessageStatus.Success });
    const failedOther = await insertDelivery(store, { appId: a.id, endpointId: other.id, status: MessageStatus.Fail });
    const failed2 = await insertDelivery(store, { appId: a.id, endpointId: ep.id, status: MessageStatus.Fail });
    const until = tick();
    const late = await insertDelivery(store, { appId: a.id, endpointId: ep.id, status: MessageStatus.Fail });
    const now = tick();

    expect(await store.deliveryRequeueFailed({ appId: a.id, endpointId: ep.id, since, until, now })).toBe(2);

    const status = async (msgId: typeof early.key.msgId, endpointId = ep.id) =>
      (await store.deliveryListByMessage({ appId: a.id, msgId })).find((d) => d.endpointId === endpointId);
    for (const r of [failed1, failed2]) {
      expect(await status(r.key.msgId)).toMatchObject({ status: MessageStatus.Pending, attemptCount: 0, triggerType: TriggerType.Manual });
    }
    expect((await status(early.key.msgId))?.status).toBe(MessageStatus.Fail);
    expect((await status(late.key.msgId))?.status).toBe(MessageStatus.Fail);
    expect((await status(ok.key.msgId))?.status).toBe(MessageStatus.Success);
    expect((await status(failedOther.key.msgId, other.id))?.status).toBe(MessageStatus.Fail);
    expect((await claimAll(store, now)).map((c) => c.message.id).sort()).toEqual([failed1.key.msgId, failed2.key.msgId].sort());
  });

  t.test('replay creates pending manual deliveries for the messages that had none, and leaves existing ones alone', async (store) => {
    const a = await insertApp(store);
    const ep = await insertEndpoint(store, a.id);
    const since = tick();
    const done = await insertDelivery(store, { appId: a.id, endpointId: ep.id, status: MessageStatus.Success });
    const missed1 = await insertMessage(store, a.id, []);
    const missed2 = await insertMessage(store, a.id, []);
    const until = tick();
    const now = tick();

    const missing = await store.messageListWithoutDelivery({ appId: a.id, endpointId: ep.id, since, until, limit: 10 });
    expect(missing.map((m) => m.id)).toEqual([missed1.id, missed2.id]);
    // Replaying the already-delivered message too shows that existing deliveries are kept as they are.
    await store.deliveryInsert({ appId: a.id, endpointId: ep.id, msgIds: [...missing.map((m) => m.id), done.key.msgId], now });
    await store.deliveryInsert({ appId: a.id, endpointId: ep.id, msgIds: missing.map((m) => m.id), now });

    for (const m of [missed1, missed2]) {
      const [d] = await store.deliveryListByMessage({ appId: a.id, msgId: m.id });
      expect(d).toMatchObject({ status: MessageStatus.Pending, attemptCount: 0, triggerType: TriggerType.Manual });
    }
    expect((await store.deliveryListByMessage({ appId: a.id, msgId: done.key.msgId }))[0]?.status).toBe(MessageStatus.Success);
    expect(await store.messageListWithoutDelivery({ appId: a.id, endpointId: ep.id, since, until, limit: 10 })).toEqual([]);
    expect(await claimAll(store, now)).toHaveLength(2);
  });

  t.test('replay throws NotFoundError for a missing endpoint', async (store) => {
    const a = await insertApp(store);
    const m = await insertMessage(store, a.id, []);
    await expect(store.deliveryInsert({ appId: a.id, endpointId: endpoint(a.id).id, msgIds: [m.id], now: tick() })).rejects.toBeInstanceOf(NotFoundError);
  });
}
