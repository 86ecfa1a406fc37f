import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FakeClock, openTestApi, testAdminToken, type TestApi } from '../../../test/helpers/api.js';
import { insertEndpoint } from '../../../test/helpers/factory.js';
import type { Id } from '../../domain/ids.js';
import { ingestedMessageJson, messageFromInput, messageOut, withApp, type MessageIn } from './message.js';

const messageKeys = ['channels', 'deliverAt', 'eventId', 'eventType', 'id', 'payload', 'tags', 'timestamp'];
const msgIdPattern = /^msg_[0-9A-Za-z]{27}$/;
const payload = { job_id: 42, status: 'success', nested: { list: [1, 'two', null], ok: true }, text: 'héllo ✓' };

let api: TestApi;
let clock: FakeClock;
let appId: Id<'app'>;
let otherAppId: Id<'app'>;
let portal: string;

beforeEach(async () => {
  clock = new FakeClock();
  api = await openTestApi({}, clock);
  appId = (await api.call('POST', '/api/v1/app', 201, { name: 'tenant', uid: 'tenant' })).id;
  otherAppId = (await api.call('POST', '/api/v1/app', 201, { name: 'other', uid: 'other' })).id;
  portal = (await api.call('POST', `/api/v1/auth/app-portal-access/${appId}`, 200, {})).token;
});
afterEach(async () => {
  await api.close();
});

const send = (body: unknown, status = 202, opts: Parameters<TestApi['call']>[4] = {}, app: string = appId) => api.call('POST', `/api/v1/app/${app}/msg`, status, body, opts);
const listMessages = async (app: string = appId) => (await api.call('GET', `/api/v1/app/${app}/msg?limit=250`, 200)).data;

/** Runs `fn` (which must fail) and asserts that no message appeared or changed in either app. */
async function unchangedAfter(fn: () => Promise<unknown>): Promise<void> {
  const before = [await listMessages(appId), await listMessages(otherAppId)];
  await fn();
  expect([await listMessages(appId), await listMessages(otherAppId)]).toEqual(before);
}

describe('POST /app/{app_id}/msg', () => {
  it('accepts a message: 202 with every MessageOut field and the payload as sent', async () => {
    const out = await send({ eventType: 'job.run.completed', payload });
    expect(Object.keys(out).sort()).toEqual(messageKeys);
    expect(out).toEqual({
      id: expect.stringMatching(msgIdPattern),
      eventType: 'job.run.completed',
      eventId: null,
      payload,
      channels: null,
      tags: null,
      timestamp: '2026-01-01T00:00:00.000Z',
      deliverAt: null,
    });
  });

  it('answers payload {} with with_content=false, as the svix SDK asks', async () => {
    const out = await api.call('POST', `/api/v1/app/${appId}/msg?with_content=false`, 202, { eventType: 'e', payload });
    expect(out.payload).toEqual({});
    expect((await api.call('GET', `/api/v1/app/${appId}/msg/${out.id}`, 200)).payload).toEqual(payload);
  });

  it('stores the payload as its JSON text and keeps eventId, channels and tags', async () => {
    const out = await send({ eventType: 'e', eventId: 'evt-1', payload, channels: ['project_1', 'a:b+c'], tags: ['t/1', 'x#y'] });
    expect(out).toMatchObject({ eventId: 'evt-1', channels: ['project_1', 'a:b+c'], tags: ['t/1', 'x#y'] });
    const stored = await api.store.messageGet({ appId, idOrEventId: out.id });
    expect(stored!.payload).toBe(JSON.stringify(payload));
  });

  it('finds the app by uid', async () => {
    const out = await send({ eventType: 'e', payload }, 202, {}, 'tenant');
    expect((await api.store.messageGet({ appId, idOrEventId: out.id }))!.appId).toBe(appId);
  });

  it('queues a delivery for each matching endpoint only, and wakes the dispatcher', async () => {
    const all = await insertEndpoint(api.store, appId);
    const typed = await insertEndpoint(api.store, appId, { filterTypes: ['job.run.completed'] });
    await insertEndpoint(api.store, appId, { filterTypes: ['other.type'] });
    const channel = await insertEndpoint(api.store, appId, { channels: ['project_1'] });
    await insertEndpoint(api.store, appId, { channels: ['project_2'] });
    await insertEndpoint(api.store, appId, { disabled: true });
    const filtered = await insertEndpoint(api.store, appId, { payloadFilter: { job_id: { $in: [42, 43] } } });
    await insertEndpoint(api.store, appId, { payloadFilter: { job_id: 7 } });
    await insertEndpoint(api.store, otherAppId);
    const signals = api.queuedSignals();
    const out = await send({ eventType: 'job.run.completed', payload, channels: ['project_1'] });
    const deliveries = await api.store.deliveryListByMessage({ appId, msgId: out.id });
    expect(deliveries.map((d) => d.endpointId).sort()).toEqual([all.id, typed.id, channel.id, filtered.id].sort());
    expect(deliveries.every((d) => d.status === 1 && d.nextAttemptAt?.getTime() === clock.now().getTime())).toBe(true);
    expect(api.queuedSignals()).toBe(signals + 1);
  });

  it('stores a message with no matching endpoint and does not wake the dispatcher', async () => {
    const signals = api.queuedSignals();
    const out = await send({ eventType: 'e', payload });
    expect(await api.store.deliveryListByMessage({ appId, msgId: out.id })).toEqual([]);
    expect(api.queuedSignals()).toBe(signals);
  });

  it('answers 409 for a duplicate eventId in the app and stores nothing more', async () => {
    await send({ eventType: 'e', eventId: 'evt-1', payload });
    await unchangedAfter(async () => {
      const err = await send({ eventType: 'e', eventId: 'evt-1', payload: { other: true } }, 409);
      expect(err).toEqual({ code: 'conflict', detail: expect.stringContaining('evt-1') });
    });
    // The same eventId in another application is another message.
    await send({ eventType: 'e', eventId: 'evt-1', payload }, 202, {}, otherAppId);
  });

  it('sets payloadExpiresAt from payloadRetentionPeriod (days) or payloadRetentionHours', async () => {
    const days = await send({ eventType: 'e', payload, payloadRetentionPeriod: 3 });
    expect((await api.store.messageGet({ appId, idOrEventId: days.id }))!.payloadExpiresAt).toEqual(new Date('2026-01-04T00:00:00Z'));
    const hours = await send({ eventType: 'e', payload, payloadRetentionHours: 5 });
    expect((await api.store.messageGet({ appId, idOrEventId: hours.id }))!.payloadExpiresAt).toEqual(new Date('2026-01-01T05:00:00Z'));
    const none = await send({ eventType: 'e', payload });
    expect((await api.store.messageGet({ appId, idOrEventId: none.id }))!.payloadExpiresAt).toBeNull();
  });

  it('schedules a message with deliverAt: its deliveries are due then', async () => {
    const ep = await insertEndpoint(api.store, appId);
    const out = await send({ eventType: 'e', payload, deliverAt: '2026-01-01T01:00:00Z' });
    expect(out).toMatchObject({ timestamp: '2026-01-01T00:00:00.000Z', deliverAt: '2026-01-01T01:00:00.000Z' });
    const [delivery] = await api.store.deliveryListByMessage({ appId, msgId: out.id });
    expect(delivery).toMatchObject({ endpointId: ep.id, nextAttemptAt: new Date('2026-01-01T01:00:00Z') });
    expect(await api.call('GET', `/api/v1/app/${appId}/msg/${out.id}`, 200)).toEqual(out);
  });

  it('creates the application named by MessageIn.application when the path uid is unknown', async () => {
    const out = await send({ eventType: 'e', payload, application: { name: 'New tenant' } }, 202, {}, 'new-tenant');
    const created = await api.call('GET', '/api/v1/app/new-tenant', 200);
    expect(created).toMatchObject({ name: 'New tenant', uid: 'new-tenant' });
    expect(await api.call('GET', `/api/v1/app/new-tenant/msg/${out.id}`, 200)).toMatchObject({ id: out.id });
    // Known app: the field is ignored.
    await send({ eventType: 'e', payload, application: { name: 'ignored' } }, 202, {}, 'new-tenant');
    expect((await api.call('GET', '/api/v1/app/new-tenant', 200)).name).toBe('New tenant');
  });

  it('answers 404 for an unknown app without MessageIn.application', async () => {
    await unchangedAfter(async () => {
      expect(await send({ eventType: 'e', payload }, 404, {}, 'nope')).toMatchObject({ code: 'not_found' });
      await send({ eventType: 'e', payload, application: { name: 'x' } }, 404, {}, 'app_2zzzzzzzzzzzzzzzzzzzzzzzzzz');
    });
    await api.call('GET', '/api/v1/app/nope', 404);
  });

  it('answers 400 {code, detail} for a body that is not JSON', async () => {
    await unchangedAfter(async () => {
      expect(await send(undefined, 400, { rawBody: '{"eventType": "e", "payload": {' })).toEqual({ code: 'bad_request', detail: expect.any(String) });
    });
  });

  it.each([
    ['a number where eventType belongs', { eventType: 5, payload }, ['body', 'eventType']],
    ['a missing eventType', { payload }, ['body', 'eventType']],
    ['a missing payload', { eventType: 'e' }, ['body', 'payload']],
    ['an array payload', { eventType: 'e', payload: [1] }, ['body', 'payload']],
    ['a string payload', { eventType: 'e', payload: '{}' }, ['body', 'payload']],
    ['an empty channels list', { eventType: 'e', payload, channels: [] }, ['body', 'channels']],
    ['eleven channels', { eventType: 'e', payload, channels: Array.from({ length: 11 }, (_, i) => `c${i}`) }, ['body', 'channels']],
    ['a channel with a space', { eventType: 'e', payload, channels: ['a b'] }, ['body', 'channels', '0']],
    ['six tags', { eventType: 'e', payload, tags: ['a', 'b', 'c', 'd', 'e', 'f'] }, ['body', 'tags']],
    ['an eventId with a slash', { eventType: 'e', payload, eventId: 'a/b' }, ['body', 'eventId']],
    ['an eventType with a space', { eventType: 'a b', payload }, ['body', 'eventType']],
    ['retention of 91 days', { eventType: 'e', payload, payloadRetentionPeriod: 91 }, ['body', 'payloadRetentionPeriod']],
    ['both retention fields', { eventType: 'e', payload, payloadRetentionPeriod: 1, payloadRetentionHours: 1 }, ['body', 'payloadRetentionHours']],
    ['a deliverAt in the past', { eventType: 'e', payload, deliverAt: '2025-12-31T23:00:00Z' }, ['body', 'deliverAt']],
    ['a deliverAt over 24 h ahead', { eventType: 'e', payload, deliverAt: '2026-01-03T00:00:00Z' }, ['body', 'deliverAt']],
    ['a deliverAt that is not a date', { eventType: 'e', payload, deliverAt: 'tomorrow' }, ['body', 'deliverAt']],
    ['an application without a name', { eventType: 'e', payload, application: {} }, ['body', 'application', 'name']],
  ])('answers 422 for %s and stores nothing', async (_what, body, loc) => {
    await unchangedAfter(async () => {
      const err = await send(body, 422);
      expect(err.detail.length).toBeGreaterThan(0);
      expect(err.detail.map((d: { loc: string[] }) => d.loc)).toContainEqual(loc);
      for (const item of err.detail) expect(item).toEqual({ loc: expect.any(Array), msg: expect.any(String), type: expect.any(String) });
    });
  });

  it('answers 422 for a payload nesting deeper than HERALD_MAX_JSON_DEPTH', async () => {
    const shallow = await openTestApi({ HERALD_MAX_JSON_DEPTH: '4' });
    try {
      const app = (await shallow.call('POST', '/api/v1/app', 201, { name: 'a' })).id;
      await shallow.call('POST', `/api/v1/app/${app}/msg`, 202, { eventType: 'e', payload: { a: { b: { c: { d: 1 } } } } });
      const err = await shallow.call('POST', `/api/v1/app/${app}/msg`, 422, { eventType: 'e', payload: { a: { b: { c: { d: { e: 1 } } } } } });
      expect(err.detail[0].loc).toEqual(['body', 'payload']);
      // Far deeper: refused while parsing, before any route runs.
      const deep = '{"eventType":"e","payload":' + '{"a":'.repeat(20) + '1' + '}'.repeat(20) + '}';
      expect((await shallow.call('POST', `/api/v1/app/${app}/msg`, 422, undefined, { rawBody: deep })).detail[0].loc).toEqual(['body']);
      expect((await shallow.call('GET', `/api/v1/app/${app}/msg`, 200)).data).toHaveLength(1);
    } finally {
      await shallow.close();
    }
  });

  it('answers 413 for a payload over HERALD_MAX_PAYLOAD_BYTES, and for an oversize body', async () => {
    const small = await openTestApi({ HERALD_MAX_PAYLOAD_BYTES: '1024' });
    try {
      const app = (await small.call('POST', '/api/v1/app', 201, { name: 'a' })).id;
      // 1,024 bytes of payload JSON fit exactly: {"s":"…"} is 8 bytes around the string.
      await small.call('POST', `/api/v1/app/${app}/msg`, 202, { eventType: 'e', payload: { s: 'x'.repeat(1016) } });
      const err = await small.call('POST', `/api/v1/app/${app}/msg`, 413, { eventType: 'e', payload: { s: 'x'.repeat(1017) } });
      expect(err).toEqual({ code: 'payload_too_large', detail: expect.stringContaining('1025') });
      const huge = await small.call('POST', `/api/v1/app/${app}/msg`, 413, { eventType: 'e', payload: { s: 'x'.repeat(200_000) } });
      expect(huge).toEqual({ code: 'payload_too_large', detail: expect.any(String) });
      expect((await small.call('GET', `/api/v1/app/${app}/msg`, 200)).data).toHaveLength(1);
    } finally {
      await small.close();
    }
  });

  it('answers 401 without a token or with a wrong one', async () => {
    await unchangedAfter(async () => {
      await send({ eventType: 'e', payload }, 401, { token: null });
      await send({ eventType: 'e', payload }, 401, { token: 'not-the-token-at-all' });
    });
  });

  it('answers 403 to a portal token, on its own app too (sending is the producer’s job)', async () => {
    await unchangedAfter(async () => {
      expect(await send({ eventType: 'e', payload }, 403, { token: portal })).toMatchObject({ code: 'insufficient_access' });
      await send({ eventType: 'e', payload }, 403, { token: portal }, otherAppId);
    });
  });

  it('replays the first answer for a repeated Idempotency-Key and stores one message', async () => {
    const ep = await insertEndpoint(api.store, appId);
    const headers = { 'idempotency-key': 'auto_4a7c' };
    const first = await send({ eventType: 'e', payload }, 202, { headers });
    clock.advance(5000);
    const res = await api.raw({
      method: 'POST',
      url: `/api/v1/app/${appId}/msg`,
      headers: { authorization: `Bearer ${testAdminToken}`, 'content-type': 'application/json', ...headers },
      payload: JSON.stringify({ eventType: 'e', payload }),
    });
    expect(res.statusCode).toBe(202);
    expect(res.json()).toEqual(first);
    expect(await listMessages()).toHaveLength(1);
    expect(await api.store.deliveryListByMessage({ appId, msgId: first.id })).toHaveLength(1);
    expect(ep.id).toBeDefined();
  });
});

describe('POST /app/{app_id}/msg/batch', () => {
  const batch = (body: unknown, status = 202, opts: Parameters<TestApi['call']>[4] = {}) => api.call('POST', `/api/v1/app/${appId}/msg/batch`, status, body, opts);

  it('accepts up to 1,000 messages in one call: 202 {data: [MessageOut…]} in order', async () => {
    const ep = await insertEndpoint(api.store, appId, { filterTypes: ['a'] });
    const messages = Array.from({ length: 1000 }, (_, i) => ({ eventType: i % 2 === 0 ? 'a' : 'b', eventId: `e${i}`, payload: { i } }));
    const out = await batch({ messages });
    expect(out.data).toHaveLength(1000);
    expect(out.data[999]).toMatchObject({ eventId: 'e999', payload: { i: 999 }, eventType: 'b' });
    expect(Object.keys(out.data[0]).sort()).toEqual(messageKeys);
    expect(await api.store.deliveryListByMessage({ appId, msgId: out.data[0].id })).toMatchObject([{ endpointId: ep.id }]);
    expect(await api.store.deliveryListByMessage({ appId, msgId: out.data[1].id })).toEqual([]);
    expect((await api.call('GET', `/api/v1/app/${appId}/msg?limit=250`, 200)).done).toBe(false);
  });

  it('answers payload {} for each message with with_content=false', async () => {
    const out = await api.call('POST', `/api/v1/app/${appId}/msg/batch?with_content=false`, 202, { messages: [{ eventType: 'a', payload }] });
    expect(out.data[0].payload).toEqual({});
  });

  it('answers 409 and stores nothing when an eventId repeats inside the batch', async () => {
    await unchangedAfter(async () => {
      await batch({ messages: [{ eventType: 'a', eventId: 'x', payload }, { eventType: 'a', eventId: 'y', payload }, { eventType: 'a', eventId: 'x', payload }] }, 409);
    });
  });

  it('answers 409 and stores nothing when one eventId already exists', async () => {
    await send({ eventType: 'a', eventId: 'taken', payload });
    await unchangedAfter(async () => {
      await batch({ messages: [{ eventType: 'a', eventId: 'fresh', payload }, { eventType: 'a', eventId: 'taken', payload }] }, 409);
    });
    await api.call('GET', `/api/v1/app/${appId}/msg/fresh`, 404);
  });

  it.each([
    ['an empty batch', { messages: [] }, ['body', 'messages']],
    ['1,001 messages', { messages: Array.from({ length: 1001 }, () => ({ eventType: 'a', payload: {} })) }, ['body', 'messages']],
    ['no messages field', {}, ['body', 'messages']],
    ['a bad item', { messages: [{ eventType: 'a', payload }, { eventType: 1, payload }] }, ['body', 'messages', '1', 'eventType']],
    ['a scheduled item', { messages: [{ eventType: 'a', payload, deliverAt: '2026-01-01T01:00:00Z' }] }, ['body', 'messages', '0', 'deliverAt']],
  ])('answers 422 for %s and stores nothing', async (_what, body, loc) => {
    await unchangedAfter(async () => {
      const err = await batch(body, 422);
      expect(err.detail.map((d: { loc: string[] }) => d.loc)).toContainEqual(loc);
    });
  });

  it('answers 400 for invalid JSON, 401 without a token, 403 to a portal token, 404 for an unknown app', async () => {
    await unchangedAfter(async () => {
      await batch(undefined, 400, { rawBody: '{"messages": [' });
      await batch({ messages: [{ eventType: 'a', payload }] }, 401, { token: null });
      await batch({ messages: [{ eventType: 'a', payload }] }, 403, { token: portal });
      await api.call('POST', '/api/v1/app/nope/msg/batch', 404, { messages: [{ eventType: 'a', payload }] });
    });
  });

  it('answers 413 when one payload is over HERALD_MAX_PAYLOAD_BYTES, storing none of the batch', async () => {
    const small = await openTestApi({ HERALD_MAX_PAYLOAD_BYTES: '1024' });
    try {
      const app = (await small.call('POST', '/api/v1/app', 201, { name: 'a' })).id;
      // The batch body may be far larger than one payload's limit.
      const messages = Array.from({ length: 100 }, (_, i) => ({ eventType: 'e', payload: { s: 'x'.repeat(1000), i } }));
      await small.call('POST', `/api/v1/app/${app}/msg/batch`, 202, { messages });
      messages.push({ eventType: 'e', payload: { s: 'x'.repeat(1100), i: 100 } });
      await small.call('POST', `/api/v1/app/${app}/msg/batch`, 413, { messages });
      expect((await small.call('GET', `/api/v1/app/${app}/msg?limit=250`, 200)).data).toHaveLength(100);
    } finally {
      await small.close();
    }
  });

  it('replays the first answer for a repeated Idempotency-Key', async () => {
    const headers = { 'idempotency-key': 'batch-1' };
    const first = await batch({ messages: [{ eventType: 'a', payload }, { eventType: 'b', payload }] }, 202, { headers });
    expect(await batch({ messages: [{ eventType: 'a', payload }, { eventType: 'b', payload }] }, 202, { headers })).toEqual(first);
    expect(await listMessages()).toHaveLength(2);
  });
});

describe('ingestedMessageJson', () => {
  const created = new Date('2026-01-01T00:00:00.000Z');
  const inputs: MessageIn[] = [
    { eventType: 'a', payload },
    { eventType: 'a.b_c', eventId: 'evt-1', payload: { q: '"\u2028\n</script>', e: '😀', n: -0.5e-7, big: 1e21, arr: [[], {}] }, channels: ['c1', 'a:b+c'], tags: ['t/1'] },
    { eventType: 'late', payload: {}, deliverAt: '2026-01-01T05:00:00.000Z', payloadRetentionHours: 2 },
  ];

  it.each([true, false])('is JSON.stringify(messageOut(…)) byte for byte (with_content=%s)', (withContent) => {
    for (const input of inputs) {
      const message = withApp(messageFromInput(input, created, api.config, ['body']), appId);
      expect(ingestedMessageJson(message, created, created.toISOString(), withContent)).toBe(JSON.stringify(messageOut(message, withContent)));
    }
  });

  it('is what the batch route answers, as JSON, and what reading each message gives', async () => {
    const res = await api.raw({
      method: 'POST',
      url: `/api/v1/app/${appId}/msg/batch`,
      headers: { authorization: `Bearer ${testAdminToken}`, 'content-type': 'application/json' },
      payload: JSON.stringify({ messages: inputs.slice(0, 2) }),
    });
    expect(res.statusCode).toBe(202);
    expect(res.headers['content-type']).toBe('application/json; charset=utf-8');
    const { data } = res.json() as { data: { id: string }[] };
    for (const out of data) expect(await api.call('GET', `/api/v1/app/${appId}/msg/${out.id}`, 200)).toEqual(out);
  });
});

describe('GET /app/{app_id}/msg', () => {
  it('lists messages newest first in the Svix list shape, with content by default', async () => {
    const a = await send({ eventType: 'a', payload });
    clock.advance(1000);
    const b = await send({ eventType: 'b', payload: { n: 2 } });
    const page = await api.call('GET', `/api/v1/app/${appId}/msg`, 200);
    expect(page).toEqual({ data: [b, a], iterator: null, prevIterator: null, done: true });
    const bare = await api.call('GET', `/api/v1/app/${appId}/msg?with_content=false`, 200);
    expect(bare.data.map((m: { payload: unknown }) => m.payload)).toEqual([{}, {}]);
  });

  it('filters by event_types (comma-separated, as the SDK sends), channel, tag, before and after', async () => {
    const a = await send({ eventType: 'a', payload, channels: ['ch1'], tags: ['t1'] });
    clock.advance(60_000);
    const b = await send({ eventType: 'b', payload, channels: ['ch2'] });
    clock.advance(60_000);
    const c = await send({ eventType: 'c', payload, tags: ['t1'] });
    const ids = async (query: string) => (await api.call('GET', `/api/v1/app/${appId}/msg?${query}`, 200)).data.map((m: { id: string }) => m.id);
    expect(await ids('event_types=a,c')).toEqual([c.id, a.id]);
    expect(await ids('event_types=a&event_types=b')).toEqual([b.id, a.id]);
    expect(await ids('channel=ch2')).toEqual([b.id]);
    expect(await ids('tag=t1')).toEqual([c.id, a.id]);
    expect(await ids('before=2026-01-01T00:01:30Z')).toEqual([b.id, a.id]);
    expect(await ids('after=2026-01-01T00:00:30Z')).toEqual([c.id, b.id]);
  });

  it('pages with limit and iterator', async () => {
    const sent = [];
    for (let i = 0; i < 3; i++) {
      clock.advance(1);
      sent.push(await send({ eventType: 'a', payload: { i } }));
    }
    const p1 = await api.call('GET', `/api/v1/app/${appId}/msg?limit=2`, 200);
    expect(p1.data.map((m: { id: string }) => m.id)).toEqual([sent[2].id, sent[1].id]);
    const p2 = await api.call('GET', `/api/v1/app/${appId}/msg?limit=2&iterator=${p1.iterator}`, 200);
    expect(p2).toMatchObject({ done: true, data: [{ id: sent[0].id }] });
  });

  it('lets a portal token list its own app and answers 404 for another app', async () => {
    const a = await send({ eventType: 'a', payload });
    expect((await api.call('GET', `/api/v1/app/${appId}/msg`, 200, undefined, { token: portal })).data).toEqual([a]);
    await api.call('GET', `/api/v1/app/${otherAppId}/msg`, 404, undefined, { token: portal });
  });

  it.each([['limit=0'], ['with_content=sure'], ['before=yesterday'], ['channel=a%20b'], ['event_types=a,b%20c']])('answers 422 for %s', async (query) => {
    const err = await api.call('GET', `/api/v1/app/${appId}/msg?${query}`, 422);
    expect(err.detail[0].loc[0]).toBe('query');
  });

  it('answers 404 for an unknown app and 401 without a token', async () => {
    await api.call('GET', '/api/v1/app/nope/msg', 404);
    await api.call('GET', `/api/v1/app/${appId}/msg`, 401, undefined, { token: null });
  });
});

describe('GET /app/{app_id}/msg/{msg_id}', () => {
  it('finds a message by id and by eventId', async () => {
    const out = await send({ eventType: 'a', eventId: 'evt-9', payload });
    expect(await api.call('GET', `/api/v1/app/${appId}/msg/${out.id}`, 200)).toEqual(out);
    expect(await api.call('GET', '/api/v1/app/tenant/msg/evt-9', 200)).toEqual(out);
    expect((await api.call('GET', `/api/v1/app/${appId}/msg/evt-9?with_content=false`, 200)).payload).toEqual({});
  });

  it('answers 404 for an unknown message, a message of another app, or an unknown app', async () => {
    const other = await send({ eventType: 'a', payload }, 202, {}, otherAppId);
    await api.call('GET', `/api/v1/app/${appId}/msg/msg_2zzzzzzzzzzzzzzzzzzzzzzzzzz`, 404);
    await api.call('GET', `/api/v1/app/${appId}/msg/${other.id}`, 404);
    await api.call('GET', `/api/v1/app/nope/msg/${other.id}`, 404);
  });

  it('lets a portal token read its own app and answers 404 for another app; 401 without a token', async () => {
    const mine = await send({ eventType: 'a', payload });
    const other = await send({ eventType: 'a', payload }, 202, {}, otherAppId);
    expect(await api.call('GET', `/api/v1/app/${appId}/msg/${mine.id}`, 200, undefined, { token: portal })).toEqual(mine);
    await api.call('GET', `/api/v1/app/${otherAppId}/msg/${other.id}`, 404, undefined, { token: portal });
    await api.call('GET', `/api/v1/app/${appId}/msg/${mine.id}`, 401, undefined, { token: null });
    await api.call('GET', `/api/v1/app/${appId}/msg/${mine.id}?with_content=nah`, 422);
  });
});

describe('DELETE /app/{app_id}/msg/{msg_id}/content', () => {
  it('expunges the payload: 204, then the message reads {"expired": true}', async () => {
    const out = await send({ eventType: 'a', eventId: 'evt-1', payload });
    expect(await api.call('DELETE', `/api/v1/app/${appId}/msg/evt-1/content`, 204)).toBeUndefined();
    const after = await api.call('GET', `/api/v1/app/${appId}/msg/${out.id}`, 200);
    expect(after).toEqual({ ...out, payload: { expired: true } });
    // Again: still 204.
    await api.call('DELETE', `/api/v1/app/${appId}/msg/${out.id}/content`, 204);
  });

  it('answers 404 for an unknown message or app, 401 without a token, 403 to a portal token', async () => {
    const out = await send({ eventType: 'a', payload });
    await unchangedAfter(async () => {
      await api.call('DELETE', `/api/v1/app/${appId}/msg/nope/content`, 404);
      await api.call('DELETE', `/api/v1/app/nope/msg/${out.id}/content`, 404);
      await api.call('DELETE', `/api/v1/app/${otherAppId}/msg/${out.id}/content`, 404);
      await api.call('DELETE', `/api/v1/app/${appId}/msg/${out.id}/content`, 401, undefined, { token: null });
      await api.call('DELETE', `/api/v1/app/${appId}/msg/${out.id}/content`, 403, undefined, { token: portal });
    });
  });
});

describe('payloads checked against the event type schema', () => {
  const userSchema = { type: 'object', properties: { userId: { type: 'string' } }, required: ['userId'] };
  const locs = (err: { detail: { loc: string[] }[] }) => err.detail.map((d) => d.loc);

  beforeEach(async () => {
    await api.call('POST', '/api/v1/event-type', 201, { name: 'user.created', description: '', schemas: { '1': userSchema } });
  });

  it('answers 422 naming the payload path and stores nothing', async () => {
    await unchangedAfter(async () => {
      expect(locs(await send({ eventType: 'user.created', payload: { userId: 42 } }, 422))).toEqual([['body', 'payload', 'userId']]);
      expect(locs(await send({ eventType: 'user.created', payload: {} }, 422))).toEqual([['body', 'payload', 'userId']]);
    });
    await send({ eventType: 'user.created', payload: { userId: 'u1' } });
    // No schema, no check.
    await send({ eventType: 'no.such.type', payload: { userId: 42 } });
  });

  it('checks every message of a batch and stores none when one fails', async () => {
    await unchangedAfter(async () => {
      const err = await api.call('POST', `/api/v1/app/${appId}/msg/batch`, 422, {
        messages: [
          { eventType: 'user.created', payload: { userId: 'ok' } },
          { eventType: 'other', payload: { userId: 1 } },
          { eventType: 'user.created', payload: { userId: 7 } },
        ],
      });
      expect(locs(err)).toEqual([['body', 'messages', '2', 'payload', 'userId']]);
    });
  });

  it('reads draft-07 schemas as draft-07 and others as draft 2020-12', async () => {
    const draft07 = { $schema: 'http://json-schema.org/draft-07/schema#', type: 'object', properties: { list: { type: 'array', items: [{ type: 'string' }] } } };
    const draft2020 = { $schema: 'https://json-schema.org/draft/2020-12/schema', type: 'object', properties: { list: { type: 'array', prefixItems: [{ type: 'string' }] } } };
    await api.call('POST', '/api/v1/event-type', 201, { name: 'old.style', description: '', schemas: { '1': draft07 } });
    await api.call('POST', '/api/v1/event-type', 201, { name: 'new.style', description: '', schemas: { '1': draft2020 } });
    expect(locs(await send({ eventType: 'old.style', payload: { list: [1] } }, 422))).toEqual([['body', 'payload', 'list', '0']]);
    expect(locs(await send({ eventType: 'new.style', payload: { list: [1] } }, 422))).toEqual([['body', 'payload', 'list', '0']]);
    await send({ eventType: 'new.style', payload: { list: ['a', 1] } });
  });

  it('follows schema updates and archiving, compiling each version once per app', async () => {
    await send({ eventType: 'user.created', payload: { userId: 'u1' } });
    clock.advance(1000);
    await api.call('PUT', '/api/v1/event-type/user.created', 200, { description: '', schemas: { '1': { type: 'object', required: ['email'] } } });
    await send({ eventType: 'user.created', payload: { userId: 'u1' } }, 422);
    await send({ eventType: 'user.created', payload: { email: 'a@b.c' } });
    const cache = (api.app.payloadSchemas as unknown as { cache: Map<string, { validate: unknown }> }).cache;
    const validator = cache.get('user.created')!.validate;
    await send({ eventType: 'user.created', payload: { email: 'd@e.f' } });
    expect(cache.get('user.created')!.validate).toBe(validator);
    clock.advance(1000);
    await api.call('DELETE', '/api/v1/event-type/user.created', 204);
    await send({ eventType: 'user.created', payload: { userId: 1 } });
  });

  it('leaves no application behind when a message that would create it is refused', async () => {
    const application = { name: 'Never' };
    await send({ eventType: 'user.created', payload: { userId: 1 }, application }, 422, {}, 'never-1');
    await send({ eventType: 'e', payload, application, deliverAt: '2020-01-01T00:00:00Z' }, 422, {}, 'never-2');
    await api.call('POST', '/api/v1/app/never-3/msg/batch', 409, { messages: [{ eventType: 'e', eventId: 'x', payload, application }, { eventType: 'e', eventId: 'x', payload }] });
    const small = await openTestApi({ HERALD_MAX_PAYLOAD_BYTES: '1024' });
    try {
      await small.call('POST', '/api/v1/app/never-4/msg', 413, { eventType: 'e', payload: { big: 'x'.repeat(1100) }, application });
      await small.call('GET', '/api/v1/app/never-4', 404);
    } finally {
      await small.close();
    }
    for (const uid of ['never-1', 'never-2', 'never-3']) await api.call('GET', `/api/v1/app/${uid}`, 404);
  });

  it('answers 422 at the path when an app to create has an unusable uid', async () => {
    for (const path of ['has%20space%21', 'app_not-an-id']) {
      const err = await send({ eventType: 'e', payload, application: { name: 'x' } }, 422, {}, path);
      expect(locs(err)).toEqual([['path', 'app_id']]);
    }
    expect((await api.call('GET', '/api/v1/app?limit=250', 200)).data).toHaveLength(2);
  });
});
