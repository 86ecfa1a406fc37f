import { expect } from 'vitest';
import { MessageStatus, TriggerType } from '../../src/domain/types.js';
import type { DeliveryKey, DeliveryOutcome, Store } from '../../src/store/driver.js';
import { attempt, insertApp, insertEndpoint, insertMessage, tick } from '../helpers/factory.js';
import type { ConformanceContext } from './index.js';

function claimAll(store: Store, now: Date) {
  return store.deliveryClaimDue({ now, limit: 100, leaseMs: 30_000, perEndpointLimit: 100, skipEndpointIds: [] });
}

function outcome(key: DeliveryKey, p: Partial<DeliveryOutcome> & { code?: number } = {}): DeliveryOutcome {
  const ok = p.status === undefined || p.status === MessageStatus.Success;
  return {
    key,
    attempt: attempt(key, ok ? {} : { status: MessageStatus.Fail, responseStatusCode: p.code ?? 500, response: 'nope' }),
    status: MessageStatus.Success,
    nextAttemptAt: null,
    attemptCount: 1,
    disableEndpoint: false,
    ...p,
  };
}

async function claimedOne(store: Store) {
  const a = await insertApp(store);
  const ep = await insertEndpoint(store, a.id);
  const m = await insertMessage(store, a.id, [ep.id]);
  await claimAll(store, tick());
  return { a, ep, m, key: { appId: a.id, msgId: m.id, endpointId: ep.id } };
}

export function recordOutcomesArea(t: ConformanceContext): void {
  t.test('a success writes the attempt and marks the delivery succeeded', async (store) => {
    const { a, m, key } = await claimedOne(store);
    const o = outcome(key);
    await store.deliveryRecordOutcomes({ outcomes: [o] });
    expect(await store.attemptGet({ appId: a.id, msgId: m.id, id: o.attempt.id })).toEqual(o.attempt);
    const [d] = await store.deliveryListByMessage({ appId: a.id, msgId: m.id });
    expect(d).toMatchObject({ status: MessageStatus.Success, attemptCount: 1, nextAttemptAt: null });
    expect(await claimAll(store, new Date(tick().getTime() + 86_400_000))).toEqual([]);
  });

  t.test('a retry makes the delivery pending again, claimable from its next attempt time', async (store) => {
    const { a, m, key } = await claimedOne(store);
    const next = new Date(tick().getTime() + 60_000);
    await store.deliveryRecordOutcomes({ outcomes: [outcome(key, { status: MessageStatus.Pending, nextAttemptAt: next, attemptCount: 1 })] });
    const [d] = await store.deliveryListByMessage({ appId: a.id, msgId: m.id });
    expect(d).toMatchObject({ status: MessageStatus.Pending, attemptCount: 1 });
    expect(d?.nextAttemptAt?.getTime()).toBe(next.getTime());
    expect(await claimAll(store, new Date(next.getTime() - 1))).toEqual([]);
    const [again] = await claimAll(store, next);
    expect(again?.delivery.attemptCount).toBe(1);
  });

  t.test('a final failure marks the delivery failed and it is never claimed again', async (store) => {
    const { a, m, key } = await claimedOne(store);
    await store.deliveryRecordOutcomes({ outcomes: [outcome(key, { status: MessageStatus.Fail, attemptCount: 6 })] });
    const [d] = await store.deliveryListByMessage({ appId: a.id, msgId: m.id });
    expect(d).toMatchObject({ status: MessageStatus.Fail, attemptCount: 6, nextAttemptAt: null });
    expect(await claimAll(store, new Date(tick().getTime() + 86_400_000))).toEqual([]);
  });

  t.test('a 410 disables the endpoint in the same write, and only that endpoint', async (store) => {
    const a = await insertApp(store);
    const gone = await insertEndpoint(store, a.id);
    const fine = await insertEndpoint(store, a.id);
    const m = await insertMessage(store, a.id, [gone.id, fine.id]);
    await insertMessage(store, a.id, [gone.id, fine.id]);
    const now = tick();
    await claimAll(store, now);
    const key = { appId: a.id, msgId: m.id, endpointId: gone.id };
    await store.deliveryRecordOutcomes({ outcomes: [outcome(key, { status: MessageStatus.Fail, code: 410, disableEndpoint: true })] });
    expect((await store.endpointGet({ appId: a.id, idOrUid: gone.id }))?.disabled).toBe(true);
    expect((await store.endpointGet({ appId: a.id, idOrUid: fine.id }))?.disabled).toBe(false);
    await store.deliveryReapExpiredLeases({ now: new Date(now.getTime() + 30_000) });
    const reclaimed = await claimAll(store, new Date(now.getTime() + 30_000));
    expect(new Set(reclaimed.map((c) => c.endpoint.id))).toEqual(new Set([fine.id]));
  });

  t.test('writes a batch of outcomes together', async (store) => {
    const a = await insertApp(store);
    const ep = await insertEndpoint(store, a.id, { maxConcurrency: 50 });
    const msgs = [];
    for (let i = 0; i < 50; i++) msgs.push(await insertMessage(store, a.id, [ep.id]));
    const claimed = await claimAll(store, tick());
    await store.deliveryRecordOutcomes({ outcomes: claimed.map((c) => outcome(c.delivery)) });
    expect((await store.deliveryStats({ appId: a.id, endpointId: ep.id })).success).toBe(50);
    expect((await store.attemptList({ appId: a.id, endpointId: ep.id, limit: 100 })).data).toHaveLength(50);
  });

  t.test('an outcome for a delivery whose endpoint was deleted in flight is dropped without failing the batch', async (store) => {
    const a = await insertApp(store);
    const gone = await insertEndpoint(store, a.id);
    const kept = await insertEndpoint(store, a.id);
    const m = await insertMessage(store, a.id, [gone.id, kept.id]);
    await claimAll(store, tick());
    await store.endpointDelete({ appId: a.id, id: gone.id });
    await store.deliveryRecordOutcomes({
      outcomes: [outcome({ appId: a.id, msgId: m.id, endpointId: gone.id }), outcome({ appId: a.id, msgId: m.id, endpointId: kept.id })],
    });
    const attempts = await store.attemptList({ appId: a.id, msgId: m.id, limit: 10 });
    expect(attempts.data.map((x) => x.endpointId)).toEqual([kept.id]);
  });

  t.test('after a manual attempt the following retries are scheduled', async (store) => {
    const { a, m, key } = await claimedOne(store);
    await store.deliveryRecordOutcomes({ outcomes: [outcome(key, { status: MessageStatus.Fail })] });
    const now = tick();
    await store.deliveryRequeue({ ...key, now });
    const [manual] = await claimAll(store, now);
    expect(manual?.delivery.triggerType).toBe(TriggerType.Manual);
    const retryAt = new Date(now.getTime() + 1000);
    await store.deliveryRecordOutcomes({
      outcomes: [
        {
          ...outcome(key, { status: MessageStatus.Pending, nextAttemptAt: retryAt }),
          attempt: attempt(key, { triggerType: TriggerType.Manual, status: MessageStatus.Fail }),
        },
      ],
    });
    const [d] = await store.deliveryListByMessage({ appId: a.id, msgId: m.id });
    expect(d?.triggerType).toBe(TriggerType.Scheduled);
    expect((await store.attemptList({ appId: a.id, msgId: m.id, limit: 10 })).data[0]?.triggerType).toBe(TriggerType.Manual);
  });

  t.test('an empty batch does nothing', async (store) => {
    await expect(store.deliveryRecordOutcomes({ outcomes: [] })).resolves.toBeUndefined();
  });

  t.test('writing the same outcomes again (a retry after a lost reply) changes nothing and adds no attempt', async (store) => {
    const a = await insertApp(store);
    const ep = await insertEndpoint(store, a.id);
    await insertMessage(store, a.id, [ep.id]);
    await insertMessage(store, a.id, [ep.id]);
    const claimed = await claimAll(store, tick());
    const outcomes = claimed.map((c) => outcome(c.delivery));
    await store.deliveryRecordOutcomes({ outcomes });
    await store.deliveryRecordOutcomes({ outcomes });
    expect((await store.deliveryStats({ appId: a.id, endpointId: ep.id })).success).toBe(2);
    expect((await store.attemptList({ appId: a.id, endpointId: ep.id, limit: 100 })).data).toHaveLength(2);
  });
}
