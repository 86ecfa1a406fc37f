import { expect } from 'vitest';
import { MessageStatus, TriggerType } from '../../src/domain/types.js';
import { maxConcurrencyDefault, type DeliveryClaimDueParams, type Store } from '../../src/store/driver.js';
import { attempt, insertApp, insertDelivery, insertEndpoint, insertMessage, message, tick } from '../helpers/factory.js';
import type { ConformanceContext } from './index.js';

const leaseMs = 30_000;

function claim(store: Store, now: Date, p: Partial<DeliveryClaimDueParams> = {}) {
  return store.deliveryClaimDue({ now, limit: 100, leaseMs, perEndpointLimit: 100, skipEndpointIds: [], ...p });
}

export function claimArea(t: ConformanceContext): void {
  t.test('claims a due delivery with its message, endpoint and application uid, and marks it sending', async (store) => {
    const a = await insertApp(store, { uid: 'acme' });
    const ep = await insertEndpoint(store, a.id);
    const m = await insertMessage(store, a.id, [ep.id]);
    const now = tick();
    const claimed = await claim(store, now);
    expect(claimed).toHaveLength(1);
    expect(claimed[0]!.message).toEqual(m);
    expect(claimed[0]!.endpoint).toEqual(ep);
    expect(claimed[0]!.appUid).toBe('acme');
    expect(claimed[0]!.delivery).toMatchObject({ appId: a.id, msgId: m.id, endpointId: ep.id, attemptCount: 0, triggerType: TriggerType.Scheduled });
    const [stored] = await store.deliveryListByMessage({ appId: a.id, msgId: m.id });
    expect(stored?.status).toBe(MessageStatus.Sending);
    expect(await claim(store, now)).toEqual([]);
  });

  t.test('returns a null appUid for an application without one', async (store) => {
    const a = await insertApp(store);
    const ep = await insertEndpoint(store, a.id);
    await insertMessage(store, a.id, [ep.id]);
    expect((await claim(store, tick()))[0]?.appUid).toBeNull();
  });

  t.test('does not claim deliveries that are not yet due', async (store) => {
    const a = await insertApp(store);
    const ep = await insertEndpoint(store, a.id);
    const due = tick();
    await insertMessage(store, a.id, [ep.id], {}, due);
    expect(await claim(store, new Date(due.getTime() - 1))).toEqual([]);
    expect(await claim(store, due)).toHaveLength(1);
  });

  t.test('never claims succeeded or failed deliveries', async (store) => {
    const a = await insertApp(store);
    const ep = await insertEndpoint(store, a.id);
    await insertDelivery(store, { appId: a.id, endpointId: ep.id, status: MessageStatus.Success });
    await insertDelivery(store, { appId: a.id, endpointId: ep.id, status: MessageStatus.Fail });
    expect(await claim(store, new Date(tick().getTime() + 86_400_000))).toEqual([]);
  });

  t.test('takes at most limit deliveries, earliest due first within an endpoint', async (store) => {
    const a = await insertApp(store);
    const ep = await insertEndpoint(store, a.id);
    const msgs = [];
    for (let i = 0; i < 5; i++) msgs.push(await insertMessage(store, a.id, [ep.id]));
    const claimed = await claim(store, tick(), { limit: 3 });
    expect(claimed.map((c) => c.message.id)).toEqual(msgs.slice(0, 3).map((m) => m.id));
  });

  t.test('takes at most perEndpointLimit deliveries of one endpoint', async (store) => {
    const a = await insertApp(store);
    const busy = await insertEndpoint(store, a.id);
    const quiet = await insertEndpoint(store, a.id);
    for (let i = 0; i < 10; i++) await insertMessage(store, a.id, [busy.id]);
    await insertMessage(store, a.id, [quiet.id]);
    const claimed = await claim(store, tick(), { perEndpointLimit: 3 });
    expect(claimed.filter((c) => c.endpoint.id === busy.id)).toHaveLength(3);
    expect(claimed.filter((c) => c.endpoint.id === quiet.id)).toHaveLength(1);
  });

  t.test('with one endpoint due, takes the least of limit, perEndpointLimit and its room, in due order', async (store) => {
    const a = await insertApp(store);
    const ep = await insertEndpoint(store, a.id, { maxConcurrency: 4 });
    const msgs = [];
    for (let i = 0; i < 8; i++) msgs.push(await insertMessage(store, a.id, [ep.id]));
    const ids = (claimed: Awaited<ReturnType<typeof claim>>) => claimed.map((c) => c.message.id);
    expect(ids(await claim(store, tick(), { perEndpointLimit: 2 }))).toEqual(msgs.slice(0, 2).map((m) => m.id));
    expect(ids(await claim(store, tick(), { limit: 1 }))).toEqual([msgs[2]!.id]);
    // 3 of its 4 places are leased: one left, whatever the caller allows.
    expect(ids(await claim(store, tick()))).toEqual([msgs[3]!.id]);
    expect(await claim(store, tick())).toEqual([]);
  });

  t.test('skips the endpoints listed in skipEndpointIds', async (store) => {
    const a = await insertApp(store);
    const skipped = await insertEndpoint(store, a.id);
    const other = await insertEndpoint(store, a.id);
    await insertMessage(store, a.id, [skipped.id, other.id]);
    const now = tick();
    const claimed = await claim(store, now, { skipEndpointIds: [skipped.id] });
    expect(claimed.map((c) => c.endpoint.id)).toEqual([other.id]);
    expect((await claim(store, now)).map((c) => c.endpoint.id)).toEqual([skipped.id]);
  });

  t.test('skips disabled endpoints and claims their deliveries once re-enabled', async (store) => {
    const a = await insertApp(store);
    const ep = await insertEndpoint(store, a.id, { disabled: true });
    await insertMessage(store, a.id, [ep.id]);
    const now = tick();
    expect(await claim(store, now)).toEqual([]);
    await store.endpointUpdate({ ...ep, disabled: false });
    expect(await claim(store, now)).toHaveLength(1);
  });

  t.test("one application's backlog does not keep another application's fresh message out of the batch", async (store) => {
    const noisy = await insertApp(store);
    const quiet = await insertApp(store);
    const noisyEps = [await insertEndpoint(store, noisy.id), await insertEndpoint(store, noisy.id)];
    const quietEp = await insertEndpoint(store, quiet.id);
    const items = Array.from({ length: 200 }, () => ({ message: message(noisy.id), endpointIds: noisyEps.map((e) => e.id) }));
    await store.messageInsert({ items, now: tick() });
    const fresh = await insertMessage(store, quiet.id, [quietEp.id]);

    const claimed = await claim(store, tick(), { limit: 10, perEndpointLimit: 50 });
    expect(claimed).toHaveLength(10);
    expect(claimed.map((c) => c.message.id)).toContain(fresh.id);
    // Applications take turns: the quiet one's only delivery comes within the first two.
    expect(claimed.slice(0, 2).map((c) => c.message.appId).sort()).toEqual([noisy.id, quiet.id].sort());
  });

  t.test("an application's endpoints take turns in the batch", async (store) => {
    const a = await insertApp(store);
    const e1 = await insertEndpoint(store, a.id);
    const e2 = await insertEndpoint(store, a.id);
    for (let i = 0; i < 5; i++) await insertMessage(store, a.id, [e1.id]);
    for (let i = 0; i < 5; i++) await insertMessage(store, a.id, [e2.id]);
    const claimed = await claim(store, tick(), { limit: 4 });
    expect(claimed.filter((c) => c.endpoint.id === e1.id)).toHaveLength(2);
    expect(claimed.filter((c) => c.endpoint.id === e2.id)).toHaveLength(2);
  });

  t.test('a leased delivery is not claimed again until the reaper returns it after the lease ends', async (store) => {
    const a = await insertApp(store);
    const ep = await insertEndpoint(store, a.id);
    const m = await insertMessage(store, a.id, [ep.id]);
    const now = tick();
    expect(await claim(store, now)).toHaveLength(1);
    const beforeExpiry = new Date(now.getTime() + leaseMs - 1);
    expect(await claim(store, beforeExpiry)).toEqual([]);
    expect(await store.deliveryReapExpiredLeases({ now: beforeExpiry })).toBe(0);

    const expiry = new Date(now.getTime() + leaseMs);
    expect(await store.deliveryReapExpiredLeases({ now: expiry })).toBe(1);
    const [d] = await store.deliveryListByMessage({ appId: a.id, msgId: m.id });
    expect(d?.status).toBe(MessageStatus.Pending);
    expect(d?.attemptCount).toBe(0);
    expect((await claim(store, expiry)).map((c) => c.message.id)).toEqual([m.id]);
    expect((await store.attemptList({ appId: a.id, limit: 10 })).data).toEqual([]);
  });

  t.test('releasing leases makes the deliveries claimable at once without recording an attempt', async (store) => {
    const a = await insertApp(store);
    const ep = await insertEndpoint(store, a.id);
    await insertMessage(store, a.id, [ep.id]);
    await insertMessage(store, a.id, [ep.id]);
    const now = tick();
    const claimed = await claim(store, now);
    expect(claimed).toHaveLength(2);
    await store.deliveryReleaseLeases({ keys: claimed.map((c) => c.delivery), now });
    expect(await claim(store, now)).toHaveLength(2);
    expect((await store.attemptList({ appId: a.id, limit: 10 })).data).toEqual([]);
  });

  t.test('releasing a lease leaves a delivery whose outcome was already recorded alone', async (store) => {
    const a = await insertApp(store);
    const ep = await insertEndpoint(store, a.id);
    const m = await insertMessage(store, a.id, [ep.id]);
    const now = tick();
    const [c] = await claim(store, now);
    const key = { appId: a.id, msgId: m.id, endpointId: ep.id };
    await store.deliveryRecordOutcomes({
      outcomes: [{ key, attempt: attempt(key), status: MessageStatus.Success, nextAttemptAt: null, attemptCount: 1, disableEndpoint: false }],
    });
    await store.deliveryReleaseLeases({ keys: [c!.delivery], now });
    const [d] = await store.deliveryListByMessage({ appId: a.id, msgId: m.id });
    expect(d?.status).toBe(MessageStatus.Success);
  });

  t.test('leases at most maxConcurrency deliveries of an endpoint, counting the leases it already holds', async (store) => {
    const a = await insertApp(store);
    const ep = await insertEndpoint(store, a.id, { maxConcurrency: 3 });
    const other = await insertEndpoint(store, a.id);
    for (let i = 0; i < 8; i++) await insertMessage(store, a.id, [ep.id]);
    await insertMessage(store, a.id, [other.id]);
    const now = tick();
    const first = await claim(store, now);
    expect(first.filter((c) => c.endpoint.id === ep.id)).toHaveLength(3);
    expect(first.filter((c) => c.endpoint.id === other.id)).toHaveLength(1);
    expect(await claim(store, now)).toEqual([]);
    // An outcome frees its place, and only its place.
    const done = first.find((c) => c.endpoint.id === ep.id)!;
    await store.deliveryRecordOutcomes({
      outcomes: [{ key: done.delivery, attempt: attempt(done.delivery), status: MessageStatus.Success, nextAttemptAt: null, attemptCount: 1, disableEndpoint: false }],
    });
    expect(await claim(store, now)).toHaveLength(1);
    expect(await claim(store, now)).toEqual([]);
  });

  t.test('a released lease frees its place at once; an expired one frees it when the lease ends', async (store) => {
    const a = await insertApp(store);
    const ep = await insertEndpoint(store, a.id, { maxConcurrency: 2 });
    for (let i = 0; i < 6; i++) await insertMessage(store, a.id, [ep.id]);
    const now = tick();
    const held = await claim(store, now);
    expect(held).toHaveLength(2);
    await store.deliveryReleaseLeases({ keys: [held[0]!.delivery], now });
    expect(await claim(store, now)).toHaveLength(1);
    expect(await claim(store, new Date(now.getTime() + leaseMs - 1))).toEqual([]);
    // The holder died: its leases end, and the endpoint's places come back without a reap.
    expect(await claim(store, new Date(now.getTime() + leaseMs))).toHaveLength(2);
  });

  t.test('caps endpoints without maxConcurrency at maxConcurrencyDefault, or at 10 when none is given', async (store) => {
    const a = await insertApp(store);
    const ep = await insertEndpoint(store, a.id, { maxConcurrency: null });
    for (let i = 0; i < 15; i++) await insertMessage(store, a.id, [ep.id]);
    expect(await claim(store, tick(), { maxConcurrencyDefault: 4 })).toHaveLength(4);
    const rest = await store.deliveryClaimDue({ now: tick(), limit: 100, leaseMs, perEndpointLimit: 100, skipEndpointIds: [] });
    expect(rest).toHaveLength(maxConcurrencyDefault - 4);
  });

  t.test("takes a burst of rateLimit from a rate-limited endpoint, then one more only as its bucket refills", async (store) => {
    const a = await insertApp(store);
    const ep = await insertEndpoint(store, a.id, { rateLimit: 5, maxConcurrency: 100 });
    const other = await insertEndpoint(store, a.id);
    for (let i = 0; i < 12; i++) await insertMessage(store, a.id, [ep.id]);
    for (let i = 0; i < 3; i++) await insertMessage(store, a.id, [other.id]);
    const startedAt = performance.now();
    const burst = await claim(store, tick());
    expect(burst.filter((c) => c.endpoint.id === ep.id)).toHaveLength(5);
    expect(burst.filter((c) => c.endpoint.id === other.id)).toHaveLength(3);
    // The bucket runs on the store's clock, not on `now`: standing still does not stall it, and
    // a `now` far ahead does not refill it.
    const far = new Date(tick().getTime() + 3_600_000);
    const next = await claim(store, far);
    const elapsedMs = performance.now() - startedAt;
    expect(next.length).toBeLessThanOrEqual(Math.floor((elapsedMs * 5) / 1000));
    let refilled = next.length;
    const deadline = performance.now() + 5_000;
    while (refilled === 0) {
      expect(performance.now(), 'a token came back within 5 s').toBeLessThan(deadline);
      await new Promise((r) => setTimeout(r, 20));
      refilled = (await claim(store, tick())).length;
    }
    expect(refilled).toBe(1);
    expect(performance.now() - startedAt).toBeGreaterThanOrEqual(150);
  });
}
