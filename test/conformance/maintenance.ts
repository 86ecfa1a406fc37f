import { expect } from 'vitest';
import type { Id } from '../../src/domain/ids.js';
import { MessageStatus } from '../../src/domain/types.js';
import type { DeliveryKey, Store } from '../../src/store/driver.js';
import { attempt, insertApp, insertEndpoint, insertMessage, tick } from '../helpers/factory.js';
import type { ConformanceContext } from './index.js';

const day = 86_400_000;
const plus = (t: Date, ms: number) => new Date(t.getTime() + ms);

/** Records one attempt of the delivery at `at`: a 200, or a 500 that leaves it pending. */
async function recordAttempt(store: Store, key: DeliveryKey, at: Date, ok: boolean): Promise<void> {
  const a = attempt(key, ok ? { timestamp: at } : { timestamp: at, status: MessageStatus.Fail, responseStatusCode: 500 });
  const status = ok ? MessageStatus.Success : MessageStatus.Pending;
  await store.deliveryRecordOutcomes({ outcomes: [{ key, attempt: a, status, nextAttemptAt: ok ? null : at, attemptCount: 1, disableEndpoint: false }] });
}

async function endpointWithDelivery(store: Store, appId: Id<'app'>, createdAt: Date) {
  const ep = await insertEndpoint(store, appId, { createdAt });
  const m = await insertMessage(store, appId, [ep.id], { timestamp: createdAt });
  return { ep, key: { appId, msgId: m.id, endpointId: ep.id } };
}

async function purgeAll(op: (limit: number) => Promise<number>, limit = 2): Promise<number> {
  let total = 0;
  for (;;) {
    const n = await op(limit);
    total += n;
    if (n < limit) return total;
  }
}

export function maintenanceArea(t: ConformanceContext): void {
  t.test('queue stats count pending work of enabled endpoints, what is due, the oldest due time and what is in flight', async (store) => {
    const a = await insertApp(store);
    const ep = await insertEndpoint(store, a.id);
    const off = await insertEndpoint(store, a.id, { disabled: true });
    const t0 = tick();
    await insertMessage(store, a.id, [ep.id, off.id], { timestamp: t0 });
    await insertMessage(store, a.id, [ep.id], { timestamp: plus(t0, 1) });
    await insertMessage(store, a.id, [ep.id], { timestamp: plus(t0, 10_000) });
    const now = plus(t0, 5_000);
    expect(await store.deliveryQueueStats({ now })).toEqual({ pending: 3, due: 2, oldestDueAt: t0, inFlight: [] });

    await store.deliveryClaimDue({ now, limit: 1, leaseMs: 30_000, perEndpointLimit: 1, skipEndpointIds: [] });
    expect(await store.deliveryQueueStats({ now })).toEqual({ pending: 2, due: 1, oldestDueAt: plus(t0, 1), inFlight: [{ appId: a.id, endpointId: ep.id, count: 1 }] });
  });

  t.test('queue stats of an empty queue', async (store) => {
    expect(await store.deliveryQueueStats({ now: tick() })).toEqual({ pending: 0, due: 0, oldestDueAt: null, inFlight: [] });
  });

  t.test('lists enabled endpoints whose attempts all failed since at least failingSince, with the first failure', async (store) => {
    const a = await insertApp(store);
    const t0 = tick();
    const failing = await endpointWithDelivery(store, a.id, t0);
    const recovered = await endpointWithDelivery(store, a.id, t0);
    const young = await endpointWithDelivery(store, a.id, t0);
    const off = await endpointWithDelivery(store, a.id, t0);
    const healthyBefore = await endpointWithDelivery(store, a.id, t0);
    await recordAttempt(store, healthyBefore.key, plus(t0, 1 * day), true);
    for (const d of [failing, recovered, off, healthyBefore]) await recordAttempt(store, d.key, plus(t0, 2 * day), false);
    await recordAttempt(store, young.key, plus(t0, 5 * day), false);
    for (const d of [failing, off, young, healthyBefore]) await recordAttempt(store, d.key, plus(t0, 7 * day), false);
    await recordAttempt(store, recovered.key, plus(t0, 7 * day), true);
    await store.endpointDisable({ appId: a.id, id: off.ep.id, now: plus(t0, 7 * day) });

    const listed = await store.endpointListFailing({ failingSince: plus(t0, 3 * day), limit: 10 });
    expect(listed).toEqual(
      [failing, healthyBefore].map((d) => ({ appId: a.id, endpointId: d.ep.id, failSince: plus(t0, 2 * day) })).sort((x, y) => (x.endpointId < y.endpointId ? -1 : 1)),
    );
    expect(await store.endpointListFailing({ failingSince: plus(t0, 3 * day), limit: 1 })).toHaveLength(1);
  });

  t.test('an edit restarts the failure clock: only failures after the endpoint was last updated count', async (store) => {
    const a = await insertApp(store);
    const t0 = tick();
    const d = await endpointWithDelivery(store, a.id, t0);
    await recordAttempt(store, d.key, plus(t0, 1 * day), false);
    await store.endpointUpdate({ ...d.ep, description: 'fixed', updatedAt: plus(t0, 2 * day) });
    await recordAttempt(store, d.key, plus(t0, 3 * day), false);
    expect(await store.endpointListFailing({ failingSince: plus(t0, 2 * day), limit: 10 })).toEqual([]);
    expect(await store.endpointListFailing({ failingSince: plus(t0, 3 * day), limit: 10 })).toEqual([{ appId: a.id, endpointId: d.ep.id, failSince: plus(t0, 3 * day) }]);
  });

  t.test('endpointDisable disables an enabled endpoint once, and answers false for a disabled or missing one', async (store) => {
    const a = await insertApp(store);
    const ep = await insertEndpoint(store, a.id);
    const now = tick();
    expect(await store.endpointDisable({ appId: a.id, id: ep.id, now })).toBe(true);
    expect(await store.endpointGet({ appId: a.id, idOrUid: ep.id })).toMatchObject({ disabled: true, updatedAt: now });
    expect(await store.endpointDisable({ appId: a.id, id: ep.id, now })).toBe(false);
    expect(await store.endpointDisable({ appId: a.id, id: 'ep_000000000000000000000000000', now })).toBe(false);
  });

  t.test('the payload purge by age empties messages created in [from, before) except those kept longer by their own period', async (store) => {
    const apps = [await insertApp(store), await insertApp(store)];
    const t0 = tick();
    const old = [];
    for (const [i, a] of apps.entries()) {
      old.push(await insertMessage(store, a.id, [], { timestamp: plus(t0, i) }));
      old.push(await insertMessage(store, a.id, [], { timestamp: plus(t0, 10 + i) }));
    }
    const keptLonger = await insertMessage(store, apps[0]!.id, [], { timestamp: plus(t0, 20), payloadExpiresAt: plus(t0, 90 * day) });
    const cutoff = plus(t0, 30 * day);
    const fresh = await insertMessage(store, apps[1]!.id, [], { timestamp: cutoff });
    const now = plus(t0, 60 * day);

    expect(await store.messagePurgePayloads({ from: plus(t0, 10), before: cutoff, now, limit: 10 })).toBe(2);
    expect(await purgeAll((limit) => store.messagePurgePayloads({ from: null, before: cutoff, now, limit }))).toBe(2);
    for (const m of old) expect((await store.messageGet({ appId: m.appId, idOrEventId: m.id }))?.payload).toBeNull();
    expect((await store.messageGet({ appId: keptLonger.appId, idOrEventId: keptLonger.id }))?.payload).toBe(keptLonger.payload);
    expect((await store.messageGet({ appId: fresh.appId, idOrEventId: fresh.id }))?.payload).toBe(fresh.payload);
  });

  t.test('the payload purge by own period empties messages whose payloadExpiresAt has passed, once', async (store) => {
    const a = await insertApp(store);
    const t0 = tick();
    const expired = [];
    for (let i = 0; i < 3; i++) expired.push(await insertMessage(store, a.id, [], { timestamp: plus(t0, i), payloadExpiresAt: plus(t0, day) }));
    const later = await insertMessage(store, a.id, [], { timestamp: plus(t0, 5), payloadExpiresAt: plus(t0, 3 * day) });
    const plain = await insertMessage(store, a.id, [], { timestamp: plus(t0, 6) });
    const now = plus(t0, 2 * day);
    expect(await purgeAll((limit) => store.messagePurgeExpiredPayloads({ now, limit }))).toBe(3);
    expect(await store.messagePurgeExpiredPayloads({ now, limit: 10 })).toBe(0);
    for (const m of expired) expect((await store.messageGet({ appId: a.id, idOrEventId: m.id }))?.payload).toBeNull();
    for (const m of [later, plain]) expect((await store.messageGet({ appId: a.id, idOrEventId: m.id }))?.payload).toBe(m.payload);
  });

  t.test('the attempt purge deletes attempts made before the cutoff, in every application', async (store) => {
    const t0 = tick();
    const keys = [];
    for (let i = 0; i < 2; i++) keys.push((await endpointWithDelivery(store, (await insertApp(store)).id, t0)).key);
    for (const key of keys) {
      await recordAttempt(store, key, plus(t0, day), false);
      await recordAttempt(store, key, plus(t0, 2 * day), false);
      await recordAttempt(store, key, plus(t0, 3 * day), true);
    }
    expect(await purgeAll((limit) => store.attemptPurge({ before: plus(t0, 3 * day), limit }), 3)).toBe(4);
    for (const key of keys) {
      const left = await store.attemptList({ appId: key.appId, msgId: key.msgId, limit: 10 });
      expect(left.data.map((x) => x.timestamp)).toEqual([plus(t0, 3 * day)]);
    }
  });

  t.test('the idempotency purge deletes keys begun before the cutoff, done or not', async (store) => {
    const t0 = tick();
    const expiresBefore = plus(t0, -day);
    for (const [key, at] of [['a', t0], ['b', plus(t0, 1)], ['c', plus(t0, day)]] as const) await store.idempotencyBegin({ key, now: at, expiresBefore });
    await store.idempotencyComplete({ key: 'a', response: { statusCode: 200, body: '{}', contentType: null } });
    expect(await purgeAll((limit) => store.idempotencyPurge({ before: plus(t0, 2), limit }), 1)).toBe(2);
    // Purged keys are free; the kept one is still held.
    expect(await store.idempotencyBegin({ key: 'a', now: plus(t0, day), expiresBefore })).toEqual({ state: 'new' });
    expect(await store.idempotencyBegin({ key: 'c', now: plus(t0, day), expiresBefore })).toEqual({ state: 'in-progress' });
  });
}
