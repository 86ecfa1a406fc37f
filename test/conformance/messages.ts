import { expect } from 'vitest';
import { ConflictError, NotFoundError } from '../../src/domain/errors.js';
import { MessageStatus, TriggerType } from '../../src/domain/types.js';
import { insertApp, insertEndpoint, insertMessage, message, tick } from '../helpers/factory.js';
import type { ConformanceContext } from './index.js';

export function messagesArea(t: ConformanceContext): void {
  t.test('stores the payload text byte for byte', async (store) => {
    const a = await insertApp(store);
    // Odd spacing, key order, escapes and non-ASCII must survive: retries send these exact bytes.
    const payload = '{ "z":1,\n  "a" : "caf\u00e9 \\u00e9 \ud83d\ude80",  "n": 1.50 ,"e":[ ] }';
    const m = message(a.id, { payload, channels: ['ch-1'], tags: ['t1', 't2'], eventId: 'evt-1', payloadExpiresAt: tick() });
    await store.messageInsert({ items: [{ message: m, endpointIds: [] }], now: m.timestamp });
    const got = await store.messageGet({ appId: a.id, idOrEventId: m.id });
    expect(got).toEqual(m);
    expect(got?.payload).toBe(payload);
  });

  t.test('reads a message by eventId, only within its application', async (store) => {
    const a = await insertApp(store);
    const b = await insertApp(store);
    const m = await insertMessage(store, a.id, [], { eventId: 'order-42' });
    expect((await store.messageGet({ appId: a.id, idOrEventId: 'order-42' }))?.id).toBe(m.id);
    expect(await store.messageGet({ appId: b.id, idOrEventId: 'order-42' })).toBeNull();
    expect(await store.messageGet({ appId: b.id, idOrEventId: m.id })).toBeNull();
  });

  t.test('creates a pending delivery per endpoint, due at the given time, with a scheduled trigger', async (store) => {
    const a = await insertApp(store);
    const e1 = await insertEndpoint(store, a.id);
    const e2 = await insertEndpoint(store, a.id);
    const now = tick();
    const m = await insertMessage(store, a.id, [e1.id, e2.id], {}, now);
    const deliveries = await store.deliveryListByMessage({ appId: a.id, msgId: m.id });
    expect(deliveries).toHaveLength(2);
    for (const d of deliveries) {
      expect(d).toMatchObject({ appId: a.id, msgId: m.id, status: MessageStatus.Pending, attemptCount: 0, triggerType: TriggerType.Scheduled });
      expect(d.nextAttemptAt?.getTime()).toBe(now.getTime());
    }
    expect(new Set(deliveries.map((d) => d.endpointId))).toEqual(new Set([e1.id, e2.id]));
  });

  t.test('skips an endpoint deleted between matching and insert', async (store) => {
    const a = await insertApp(store);
    const kept = await insertEndpoint(store, a.id);
    const gone = await insertEndpoint(store, a.id);
    await store.endpointDelete({ appId: a.id, id: gone.id });
    const m = await insertMessage(store, a.id, [kept.id, gone.id]);
    expect((await store.deliveryListByMessage({ appId: a.id, msgId: m.id })).map((d) => d.endpointId)).toEqual([kept.id]);
  });

  t.test('throws ConflictError for a duplicate eventId and stores nothing of that call', async (store) => {
    const a = await insertApp(store);
    const ep = await insertEndpoint(store, a.id);
    await insertMessage(store, a.id, [ep.id], { eventId: 'evt-dup' });
    const fresh = message(a.id);
    const dup = message(a.id, { eventId: 'evt-dup' });
    await expect(
      store.messageInsert({ items: [{ message: fresh, endpointIds: [ep.id] }, { message: dup, endpointIds: [ep.id] }], now: tick() }),
    ).rejects.toBeInstanceOf(ConflictError);
    expect(await store.messageGet({ appId: a.id, idOrEventId: fresh.id })).toBeNull();
    expect(await store.deliveryListByMessage({ appId: a.id, msgId: fresh.id })).toEqual([]);
    expect((await store.messageList({ appId: a.id, limit: 10 })).data).toHaveLength(1);
  });

  t.test('accepts the same eventId in two applications', async (store) => {
    const a = await insertApp(store);
    const b = await insertApp(store);
    await insertMessage(store, a.id, [], { eventId: 'shared' });
    await expect(insertMessage(store, b.id, [], { eventId: 'shared' })).resolves.toBeDefined();
  });

  t.test('throws NotFoundError for a message of a missing application', async (store) => {
    const a = await insertApp(store);
    await store.applicationDelete({ id: a.id });
    await expect(insertMessage(store, a.id, [])).rejects.toBeInstanceOf(NotFoundError);
  });

  t.test('concurrent inserts: a duplicate eventId rejects only its own call, the others are stored', async (store) => {
    const a = await insertApp(store);
    const ep = await insertEndpoint(store, a.id);
    await insertMessage(store, a.id, [ep.id], { eventId: 'taken' });
    // All issued in the same tick, so a driver that group-commits flushes them together.
    const messages = Array.from({ length: 20 }, (_, i) => message(a.id, { eventId: i === 7 ? 'taken' : `evt-${i}` }));
    const results = await Promise.allSettled(messages.map((m) => store.messageInsert({ items: [{ message: m, endpointIds: [ep.id] }], now: tick() })));
    results.forEach((r, i) => {
      if (i === 7) {
        expect(r.status).toBe('rejected');
        expect((r as PromiseRejectedResult).reason).toBeInstanceOf(ConflictError);
      } else {
        expect(r.status).toBe('fulfilled');
      }
    });
    for (const [i, m] of messages.entries()) {
      expect(await store.messageGet({ appId: a.id, idOrEventId: m.id }), `message ${i}`).toEqual(i === 7 ? null : m);
      expect(await store.deliveryListByMessage({ appId: a.id, msgId: m.id })).toHaveLength(i === 7 ? 0 : 1);
    }
  });

  t.test('concurrent calls: a batch with one duplicate eventId stores none of its messages, and a call for a deleted application fails alone', async (store) => {
    const a = await insertApp(store);
    const gone = await insertApp(store);
    const ep = await insertEndpoint(store, a.id);
    await insertMessage(store, a.id, [ep.id], { eventId: 'taken' });
    await store.applicationDelete({ id: gone.id });
    const batch = Array.from({ length: 5 }, (_, i) => message(a.id, { eventId: i === 3 ? 'taken' : `batch-${i}` }));
    const single = message(a.id, { eventId: 'single' });
    const orphan = message(gone.id);
    const results = await Promise.allSettled([
      store.messageInsert({ items: batch.map((m) => ({ message: m, endpointIds: [ep.id] })), now: tick() }),
      store.messageInsert({ items: [{ message: single, endpointIds: [ep.id, ep.id] }], now: tick() }),
      store.messageInsert({ items: [{ message: orphan, endpointIds: [] }], now: tick() }),
    ]);
    expect((results[0] as PromiseRejectedResult).reason).toBeInstanceOf(ConflictError);
    expect(results[1]!.status).toBe('fulfilled');
    expect((results[2] as PromiseRejectedResult).reason).toBeInstanceOf(NotFoundError);
    for (const m of batch) expect(await store.messageGet({ appId: a.id, idOrEventId: m.id })).toBeNull();
    expect(await store.deliveryListByMessage({ appId: a.id, msgId: single.id })).toHaveLength(1);
  });

  t.test('concurrent calls: a batch whose last message repeats an eventId of an earlier call stores none of its messages', async (store) => {
    const a = await insertApp(store);
    const first = message(a.id, { eventId: 'shared' });
    const batch = [message(a.id, { eventId: 'b-0' }), message(a.id, { eventId: 'shared' })];
    const results = await Promise.allSettled([
      store.messageInsert({ items: [{ message: first, endpointIds: [] }], now: tick() }),
      store.messageInsert({ items: batch.map((m) => ({ message: m, endpointIds: [] })), now: tick() }),
    ]);
    expect(results[0]!.status).toBe('fulfilled');
    expect((results[1] as PromiseRejectedResult).reason).toBeInstanceOf(ConflictError);
    expect((await store.messageList({ appId: a.id, limit: 10 })).data.map((m) => m.id)).toEqual([first.id]);
  });

  t.test('two concurrent calls with the same new eventId: exactly one is stored', async (store) => {
    const a = await insertApp(store);
    const first = message(a.id, { eventId: 'race' });
    const second = message(a.id, { eventId: 'race' });
    const results = await Promise.allSettled([first, second].map((m) => store.messageInsert({ items: [{ message: m, endpointIds: [] }], now: tick() })));
    expect(results.map((r) => r.status).sort()).toEqual(['fulfilled', 'rejected']);
    expect((results.find((r) => r.status === 'rejected') as PromiseRejectedResult).reason).toBeInstanceOf(ConflictError);
    expect((await store.messageList({ appId: a.id, limit: 10 })).data).toHaveLength(1);
  });

  t.test('a batch of 1,000 messages is stored whole', async (store) => {
    const a = await insertApp(store);
    const ep = await insertEndpoint(store, a.id);
    const items = Array.from({ length: 1000 }, (_, i) => ({ message: message(a.id, { eventId: `b-${i}` }), endpointIds: [ep.id] }));
    await store.messageInsert({ items, now: tick() });
    const stats = await store.deliveryStats({ appId: a.id, endpointId: ep.id });
    expect(stats.pending).toBe(1000);
  });

  t.test('a batch of 1,000 messages with one duplicate eventId stores none of them', async (store) => {
    const a = await insertApp(store);
    const ep = await insertEndpoint(store, a.id);
    const items = Array.from({ length: 1000 }, (_, i) => ({ message: message(a.id, { eventId: i === 999 ? 'b-0' : `b-${i}` }), endpointIds: [ep.id] }));
    await expect(store.messageInsert({ items, now: tick() })).rejects.toBeInstanceOf(ConflictError);
    expect((await store.messageList({ appId: a.id, limit: 10 })).data).toEqual([]);
    expect(await store.deliveryStats({ appId: a.id, endpointId: ep.id })).toEqual({ success: 0, pending: 0, sending: 0, fail: 0, canceled: 0 });
  });

  t.test('an empty insert does nothing', async (store) => {
    await expect(store.messageInsert({ items: [], now: tick() })).resolves.toBeUndefined();
  });

  t.test('lists newest first by default and filters by event type, channel, tag and time', async (store) => {
    const a = await insertApp(store);
    const b = await insertApp(store);
    const m1 = await insertMessage(store, a.id, [], { eventType: 'x.created', channels: ['eu'], tags: ['vip'] });
    const m2 = await insertMessage(store, a.id, [], { eventType: 'x.updated', channels: ['us'] });
    const m3 = await insertMessage(store, a.id, [], { eventType: 'x.created', tags: ['vip', 'new'] });
    await insertMessage(store, b.id, [], { eventType: 'x.created' });
    const ids = async (p: Partial<Parameters<typeof store.messageList>[0]>) => (await store.messageList({ appId: a.id, limit: 10, ...p })).data.map((m) => m.id);

    expect(await ids({})).toEqual([m3.id, m2.id, m1.id]);
    expect(await ids({ order: 'ascending' })).toEqual([m1.id, m2.id, m3.id]);
    expect(await ids({ eventTypes: ['x.created'] })).toEqual([m3.id, m1.id]);
    expect(await ids({ channel: 'eu' })).toEqual([m1.id]);
    expect(await ids({ tag: 'vip' })).toEqual([m3.id, m1.id]);
    expect(await ids({ before: m2.timestamp })).toEqual([m1.id]);
    expect(await ids({ after: m2.timestamp })).toEqual([m3.id]);
    expect(await ids({ after: m1.timestamp, before: m3.timestamp })).toEqual([m2.id]);
  });

  t.test('lists the messages in [since, until) that have no delivery to the endpoint', async (store) => {
    const a = await insertApp(store);
    const ep = await insertEndpoint(store, a.id);
    const other = await insertEndpoint(store, a.id);
    const before = await insertMessage(store, a.id, []);
    const since = tick();
    const sent = await insertMessage(store, a.id, [ep.id]);
    const missing1 = await insertMessage(store, a.id, [other.id]);
    const missing2 = await insertMessage(store, a.id, []);
    const missing3 = await insertMessage(store, a.id, []);
    const until = tick();
    await insertMessage(store, a.id, []);
    expect(before.id < sent.id).toBe(true);

    const all = await store.messageListWithoutDelivery({ appId: a.id, endpointId: ep.id, since, until, limit: 10 });
    expect(all.map((m) => m.id)).toEqual([missing1.id, missing2.id, missing3.id]);
    const firstTwo = await store.messageListWithoutDelivery({ appId: a.id, endpointId: ep.id, since, until, limit: 2 });
    expect(firstTwo.map((m) => m.id)).toEqual([missing1.id, missing2.id]);
    const rest = await store.messageListWithoutDelivery({ appId: a.id, endpointId: ep.id, since, until, limit: 2, afterId: missing2.id });
    expect(rest.map((m) => m.id)).toEqual([missing3.id]);
  });

  t.test('expunges a payload and keeps the message', async (store) => {
    const a = await insertApp(store);
    const m = await insertMessage(store, a.id, []);
    await store.messageExpungePayload({ appId: a.id, id: m.id });
    expect(await store.messageGet({ appId: a.id, idOrEventId: m.id })).toEqual({ ...m, payload: null });
  });

  t.test('throws NotFoundError when expunging a missing message', async (store) => {
    const a = await insertApp(store);
    await expect(store.messageExpungePayload({ appId: a.id, id: message(a.id).id })).rejects.toBeInstanceOf(NotFoundError);
  });
}
