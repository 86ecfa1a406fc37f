import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FakeClock, openTestApi, testAdminToken, type TestApi } from '../../../test/helpers/api.js';
import { insertApp, insertEndpoint, insertMessage, insertPortalToken } from '../../../test/helpers/factory.js';
import { newId } from '../../domain/ids.js';
import { MessageStatus, TriggerType, type Application, type Endpoint, type Message } from '../../domain/types.js';
import type { ClaimedDelivery } from '../../store/driver.js';

let api: TestApi;
let clock: FakeClock;
let application: Application;
let ep1: Endpoint;
let ep2: Endpoint;
let m1: Message;
let m2: Message;
let appUrl: string;

/**
 * One pass of what the dispatcher does, through the store: claim what is due, then record one
 * attempt per claimed delivery with the status code `decide` picks (2xx succeeds, anything else
 * is retried a minute later). Attempt ids are minted a millisecond apart so their order is known.
 */
async function deliverDue(decide: (c: ClaimedDelivery) => number): Promise<number> {
  const now = clock.now().getTime();
  const claimed = await api.store.deliveryClaimDue({ now: clock.now(), limit: 100, leaseMs: 30_000, perEndpointLimit: 100, skipEndpointIds: [] });
  claimed.sort((a, b) => (a.message.id + a.endpoint.id < b.message.id + b.endpoint.id ? -1 : 1));
  await api.store.deliveryRecordOutcomes({
    outcomes: claimed.map((c, i) => {
      const code = decide(c);
      const ok = code >= 200 && code < 300;
      const at = new Date(now + i);
      const key = { appId: c.delivery.appId, msgId: c.delivery.msgId, endpointId: c.delivery.endpointId };
      return {
        key,
        attempt: {
          id: newId('atmpt', at),
          ...key,
          url: c.endpoint.url,
          response: ok ? 'ok' : 'boom',
          responseStatusCode: code,
          responseHeaders: { 'content-type': 'text/plain' },
          requestHeaders: { 'webhook-id': c.message.id },
          responseDurationMs: 12,
          status: ok ? MessageStatus.Success : MessageStatus.Fail,
          triggerType: c.delivery.triggerType,
          timestamp: at,
        },
        status: ok ? MessageStatus.Success : MessageStatus.Pending,
        nextAttemptAt: ok ? null : new Date(now + 60_000),
        attemptCount: c.delivery.attemptCount + 1,
        disableEndpoint: false,
      };
    }),
  });
  clock.advance(1000);
  return claimed.length;
}

beforeEach(async () => {
  clock = new FakeClock(Date.parse('2026-02-01T00:00:00Z'));
  api = await openTestApi({}, clock);
  application = await insertApp(api.store, { uid: 'acme' });
  ep1 = await insertEndpoint(api.store, application.id, { uid: 'hook', url: 'https://one.example.com/hook' });
  ep2 = await insertEndpoint(api.store, application.id, { url: 'https://two.example.com/hook' });
  m1 = await insertMessage(api.store, application.id, [ep1.id, ep2.id], { eventType: 'user.signup', channels: ['c1'], tags: ['t1'], payload: '{"n":1}' });
  m2 = await insertMessage(api.store, application.id, [ep1.id], { eventType: 'user.deleted', payload: '{"n":2}' });
  // First pass: m1 fails at ep1 and succeeds at ep2; m2 succeeds at ep1.
  await deliverDue((c) => (c.message.id === m1.id && c.endpoint.id === ep1.id ? 500 : 200));
  clock.advance(60_000);
  // Second pass: the retry of m1 at ep1 succeeds.
  expect(await deliverDue(() => 204)).toBe(1);
  appUrl = `/api/v1/app/${application.id}`;
});
afterEach(() => api.close());

const attemptPattern = /^atmpt_[0-9A-Za-z]{27}$/;

describe('GET /app/{app}/attempt/endpoint/{ep}', () => {
  it('lists the endpoint’s attempts newest first with every MessageAttemptOut field', async () => {
    const out = await api.call('GET', `${appUrl}/attempt/endpoint/${ep1.id}`, 200);
    expect(out).toMatchObject({ done: true });
    expect(out).toHaveProperty('iterator');
    expect(out).toHaveProperty('prevIterator');
    expect(out.data.map((a: { msgId: string; responseStatusCode: number }) => [a.msgId, a.responseStatusCode])).toEqual([
      [m1.id, 204],
      [expect.any(String), expect.any(Number)],
      [expect.any(String), expect.any(Number)],
    ]);
    const retry = out.data[0];
    expect(retry).toEqual({
      id: expect.stringMatching(attemptPattern),
      msgId: m1.id,
      endpointId: ep1.id,
      url: 'https://one.example.com/hook',
      response: 'ok',
      responseStatusCode: 204,
      responseDurationMs: 12,
      status: MessageStatus.Success,
      statusText: 'success',
      triggerType: TriggerType.Scheduled,
      timestamp: expect.stringMatching(/^2026-02-01T00:01:01\.\d{3}Z$/),
      responseHeaders: { 'content-type': 'text/plain' },
      requestHeaders: { 'webhook-id': m1.id },
    });
    const failed = out.data.find((a: { status: number }) => a.status === MessageStatus.Fail);
    expect(failed).toMatchObject({ msgId: m1.id, statusText: 'fail', responseStatusCode: 500, response: 'boom' });
  });

  it('filters by status, status_code_class, event_types, channel, tag, before and after', async () => {
    const list = async (q: string) => (await api.call('GET', `/api/v1/app/acme/attempt/endpoint/hook?${q}`, 200)).data as { msgId: string; responseStatusCode: number }[];
    expect((await list('status=2')).map((a) => a.responseStatusCode)).toEqual([500]);
    expect((await list('status=0')).length).toBe(2);
    expect((await list('status_code_class=500')).map((a) => a.responseStatusCode)).toEqual([500]);
    expect((await list('status_code_class=200')).length).toBe(2);
    expect(await list('status_code_class=0')).toEqual([]);
    expect((await list('event_types=user.deleted')).map((a) => a.msgId)).toEqual([m2.id]);
    expect((await list('event_types=user.deleted,user.signup')).length).toBe(3);
    expect((await list('event_types=user.deleted&event_types=user.signup')).length).toBe(3);
    expect((await list('channel=c1')).every((a) => a.msgId === m1.id)).toBe(true);
    expect((await list('channel=c1')).length).toBe(2);
    expect((await list('tag=t1')).length).toBe(2);
    expect((await list('tag=zz')).length).toBe(0);
    expect((await list('after=2026-02-01T00:00:30Z')).map((a) => a.responseStatusCode)).toEqual([204]);
    expect((await list('before=2026-02-01T00:00:30Z')).length).toBe(2);
  });

  it('includes the message with with_msg=true, without its payload when with_content=false', async () => {
    const withMsg = await api.call('GET', `${appUrl}/attempt/endpoint/${ep1.id}?with_msg=true&event_types=user.deleted`, 200);
    expect(withMsg.data[0].msg).toMatchObject({ id: m2.id, eventType: 'user.deleted', payload: { n: 2 } });
    const noContent = await api.call('GET', `${appUrl}/attempt/endpoint/${ep1.id}?with_msg=true&with_content=false&event_types=user.deleted`, 200);
    expect(noContent.data[0].msg).toMatchObject({ id: m2.id, payload: {} });
    const plain = await api.call('GET', `${appUrl}/attempt/endpoint/${ep1.id}`, 200);
    expect(plain.data[0]).not.toHaveProperty('msg');
  });

  it('pages with limit and iterator', async () => {
    const first = await api.call('GET', `${appUrl}/attempt/endpoint/${ep1.id}?limit=2`, 200);
    expect(first.data).toHaveLength(2);
    expect(first.done).toBe(false);
    const second = await api.call('GET', `${appUrl}/attempt/endpoint/${ep1.id}?limit=2&iterator=${first.iterator}`, 200);
    expect(second.data).toHaveLength(1);
    expect(second.done).toBe(true);
    const ids = [...first.data, ...second.data].map((a: { id: string }) => a.id);
    expect(new Set(ids).size).toBe(3);
  });

  it.each([
    ['status=9', ['query', 'status']],
    ['status=abc', ['query', 'status']],
    ['status_code_class=201', ['query', 'status_code_class']],
    ['with_msg=maybe', ['query', 'with_msg']],
    ['with_content=2', ['query', 'with_content']],
    ['before=yesterday', ['query', 'before']],
    ['limit=0', ['query', 'limit']],
    ['limit=251', ['query', 'limit']],
    ['event_types=not%20a%20name', ['query', 'event_types']],
    ['channel=bad%20channel', ['query', 'channel']],
  ])('answers 422 for %s', async (query, loc) => {
    const err = await api.call('GET', `${appUrl}/attempt/endpoint/${ep1.id}?${query}`, 422);
    expect(err.detail).toEqual(expect.arrayContaining([expect.objectContaining({ loc })]));
  });

  it('answers 401 without a token and 404 for unknown ids or another app’s portal token', async () => {
    await api.call('GET', `${appUrl}/attempt/endpoint/${ep1.id}`, 401, undefined, { token: null });
    await api.call('GET', `${appUrl}/attempt/endpoint/ep_nope`, 404);
    await api.call('GET', `/api/v1/app/nope/attempt/endpoint/${ep1.id}`, 404);
    const other = await insertApp(api.store);
    await api.call('GET', `${appUrl}/attempt/endpoint/${ep1.id}`, 404, undefined, { token: await insertPortalToken(api.store, other.id) });
    await api.call('GET', `${appUrl}/attempt/endpoint/${ep1.id}`, 200, undefined, { token: await insertPortalToken(api.store, application.id) });
  });
});

describe('GET /app/{app}/attempt/msg/{msg}', () => {
  it('lists the message’s attempts at every endpoint, newest first', async () => {
    const out = await api.call('GET', `${appUrl}/attempt/msg/${m1.id}`, 200);
    expect(out.data.map((a: { endpointId: string; status: number }) => [a.endpointId, a.status])).toEqual([
      [ep1.id, MessageStatus.Success],
      expect.anything(),
      expect.anything(),
    ]);
    expect(out.data.map((a: { endpointId: string }) => a.endpointId).sort()).toEqual([ep1.id, ep1.id, ep2.id].sort());
    expect(out.data.every((a: { msgId: string }) => a.msgId === m1.id)).toBe(true);
  });

  it('narrows to one endpoint with endpoint_id (an id or a uid), and filters by status', async () => {
    expect((await api.call('GET', `${appUrl}/attempt/msg/${m1.id}?endpoint_id=hook`, 200)).data).toHaveLength(2);
    expect((await api.call('GET', `${appUrl}/attempt/msg/${m1.id}?endpoint_id=${ep2.id}`, 200)).data).toHaveLength(1);
    expect((await api.call('GET', `${appUrl}/attempt/msg/${m1.id}?status=2`, 200)).data.map((a: { endpointId: string }) => a.endpointId)).toEqual([ep1.id]);
  });

  it('finds the message by eventId too', async () => {
    const withEventId = await insertMessage(api.store, application.id, [ep1.id], { eventId: 'evt-42' });
    await deliverDue(() => 200);
    const out = await api.call('GET', `${appUrl}/attempt/msg/evt-42`, 200);
    expect(out.data.map((a: { msgId: string }) => a.msgId)).toEqual([withEventId.id]);
  });

  it.each([
    ['status=-1', ['query', 'status']],
    ['after=tomorrow', ['query', 'after']],
    ['limit=x', ['query', 'limit']],
    ['with_content=nope', ['query', 'with_content']],
  ])('answers 422 for %s', async (query, loc) => {
    const err = await api.call('GET', `${appUrl}/attempt/msg/${m1.id}?${query}`, 422);
    expect(err.detail).toEqual(expect.arrayContaining([expect.objectContaining({ loc })]));
  });

  it('answers 401, and 404 for an unknown message, endpoint_id, app, or another app’s portal token', async () => {
    await api.call('GET', `${appUrl}/attempt/msg/${m1.id}`, 401, undefined, { token: null });
    await api.call('GET', `${appUrl}/attempt/msg/msg_nope`, 404);
    await api.call('GET', `${appUrl}/attempt/msg/${m1.id}?endpoint_id=ep_nope`, 404);
    await api.call('GET', `/api/v1/app/nope/attempt/msg/${m1.id}`, 404);
    const other = await insertApp(api.store);
    await api.call('GET', `${appUrl}/attempt/msg/${m1.id}`, 404, undefined, { token: await insertPortalToken(api.store, other.id) });
  });
});

describe('GET /app/{app}/msg/{msg}/attempt/{attempt}', () => {
  it('reads one attempt', async () => {
    const [latest] = (await api.call('GET', `${appUrl}/attempt/msg/${m1.id}`, 200)).data;
    expect(await api.call('GET', `/api/v1/app/acme/msg/${m1.id}/attempt/${latest.id}`, 200)).toEqual(latest);
  });

  it('answers 404 for an attempt of another message, an unknown or malformed attempt id, unknown ids, and another app’s portal token', async () => {
    const [ofM1] = (await api.call('GET', `${appUrl}/attempt/msg/${m1.id}`, 200)).data;
    await api.call('GET', `${appUrl}/msg/${m2.id}/attempt/${ofM1.id}`, 404);
    await api.call('GET', `${appUrl}/msg/${m1.id}/attempt/${newId('atmpt')}`, 404);
    await api.call('GET', `${appUrl}/msg/${m1.id}/attempt/not-an-id`, 404);
    await api.call('GET', `${appUrl}/msg/msg_nope/attempt/${ofM1.id}`, 404);
    await api.call('GET', `/api/v1/app/nope/msg/${m1.id}/attempt/${ofM1.id}`, 404);
    await api.call('GET', `${appUrl}/msg/${m1.id}/attempt/${ofM1.id}`, 401, undefined, { token: null });
    const other = await insertApp(api.store);
    await api.call('GET', `${appUrl}/msg/${m1.id}/attempt/${ofM1.id}`, 404, undefined, { token: await insertPortalToken(api.store, other.id) });
  });
});

describe('POST /app/{app}/msg/{msg}/endpoint/{ep}/resend', () => {
  const deliveryOf = async (msgId: string, endpointId: string) =>
    (await api.store.deliveryListByMessage({ appId: application.id, msgId: msgId as Message['id'] })).find((d) => d.endpointId === endpointId);

  it('answers 202 {} and makes a new attempt with triggerType 1', async () => {
    const signals = api.queuedSignals();
    const res = await api.raw({ method: 'POST', url: `${appUrl}/msg/${m2.id}/endpoint/${ep1.id}/resend`, headers: { authorization: `Bearer ${testAdminToken}` } });
    expect(res.statusCode).toBe(202);
    expect(res.json()).toEqual({});
    expect(api.queuedSignals()).toBe(signals + 1);
    expect(await deliveryOf(m2.id, ep1.id)).toMatchObject({ status: MessageStatus.Pending, triggerType: TriggerType.Manual, attemptCount: 0 });
    expect(await deliverDue(() => 200)).toBe(1);
    const [latest] = (await api.call('GET', `${appUrl}/attempt/msg/${m2.id}`, 200)).data;
    expect(latest).toMatchObject({ endpointId: ep1.id, triggerType: TriggerType.Manual, status: MessageStatus.Success });
  });

  it('works by uid and eventId, and for a pair that was never delivered', async () => {
    const withEventId = await insertMessage(api.store, application.id, [], { eventId: 'evt-7' });
    await api.call('POST', `/api/v1/app/acme/msg/evt-7/endpoint/hook/resend`, 202);
    expect(await deliveryOf(withEventId.id, ep1.id)).toMatchObject({ status: MessageStatus.Pending, triggerType: TriggerType.Manual });
  });

  it('answers 400 for a message whose payload was expunged, changing nothing', async () => {
    await api.store.messageExpungePayload({ appId: application.id, id: m2.id });
    const before = await deliveryOf(m2.id, ep1.id);
    expect(await api.call('POST', `${appUrl}/msg/${m2.id}/endpoint/${ep1.id}/resend`, 400)).toMatchObject({ code: 'bad_request' });
    expect(await deliveryOf(m2.id, ep1.id)).toEqual(before);
  });

  it('answers 401, and 404 for unknown ids or another app’s portal token, changing nothing', async () => {
    const before = await deliveryOf(m2.id, ep1.id);
    await api.call('POST', `${appUrl}/msg/${m2.id}/endpoint/${ep1.id}/resend`, 401, undefined, { token: null });
    await api.call('POST', `${appUrl}/msg/msg_nope/endpoint/${ep1.id}/resend`, 404);
    await api.call('POST', `${appUrl}/msg/${m2.id}/endpoint/ep_nope/resend`, 404);
    await api.call('POST', `/api/v1/app/nope/msg/${m2.id}/endpoint/${ep1.id}/resend`, 404);
    const other = await insertApp(api.store);
    await api.call('POST', `${appUrl}/msg/${m2.id}/endpoint/${ep1.id}/resend`, 404, undefined, { token: await insertPortalToken(api.store, other.id) });
    expect(await deliveryOf(m2.id, ep1.id)).toEqual(before);
  });
});

describe('GET /app/{app}/endpoint/{ep}/msg', () => {
  it('lists the endpoint’s messages with their delivery state, newest first', async () => {
    const pending = await insertMessage(api.store, application.id, [ep1.id], { eventType: 'user.signup', timestamp: new Date('2026-01-02T00:00:00Z') }, new Date('2026-03-01T00:00:00Z'));
    const out = await api.call('GET', `${appUrl}/endpoint/${ep1.id}/msg`, 200);
    expect(out).toMatchObject({ done: true });
    expect(out).toHaveProperty('iterator');
    expect(out).toHaveProperty('prevIterator');
    expect(out.data.map((m: { id: string }) => m.id)).toEqual([pending.id, m2.id, m1.id]);
    expect(out.data[0]).toMatchObject({ id: pending.id, status: MessageStatus.Pending, statusText: 'pending', nextAttempt: '2026-03-01T00:00:00.000Z' });
    expect(out.data[1]).toEqual({
      id: m2.id,
      eventType: 'user.deleted',
      eventId: null,
      payload: { n: 2 },
      channels: null,
      tags: null,
      timestamp: m2.timestamp.toISOString(),
      deliverAt: null,
      status: MessageStatus.Success,
      statusText: 'success',
      nextAttempt: null,
    });
  });

  it('filters by status, event_types, channel, tag, before and after; with_content=false drops payloads', async () => {
    await insertMessage(api.store, application.id, [ep1.id]);
    const ids = async (q: string) => (await api.call('GET', `/api/v1/app/acme/endpoint/hook/msg?${q}`, 200)).data.map((m: { id: string }) => m.id);
    expect(await ids('status=0')).toEqual([m2.id, m1.id]);
    expect(await ids('event_types=user.signup')).toEqual([m1.id]);
    expect(await ids('channel=c1')).toEqual([m1.id]);
    expect(await ids('tag=t1')).toEqual([m1.id]);
    expect(await ids(`before=${encodeURIComponent(m2.timestamp.toISOString())}`)).toEqual([m1.id]);
    expect(await ids(`after=${encodeURIComponent(m1.timestamp.toISOString())}&status=0`)).toEqual([m2.id]);
    const bare = await api.call('GET', `${appUrl}/endpoint/${ep1.id}/msg?with_content=false&status=0`, 200);
    expect(bare.data.map((m: { payload: unknown }) => m.payload)).toEqual([{}, {}]);
  });

  it.each([
    ['status=7', ['query', 'status']],
    ['before=never', ['query', 'before']],
    ['limit=-1', ['query', 'limit']],
    ['tag=bad%20tag', ['query', 'tag']],
  ])('answers 422 for %s', async (query, loc) => {
    const err = await api.call('GET', `${appUrl}/endpoint/${ep1.id}/msg?${query}`, 422);
    expect(err.detail).toEqual(expect.arrayContaining([expect.objectContaining({ loc })]));
  });

  it('answers 401, and 404 for unknown ids or another app’s portal token', async () => {
    await api.call('GET', `${appUrl}/endpoint/${ep1.id}/msg`, 401, undefined, { token: null });
    await api.call('GET', `${appUrl}/endpoint/ep_nope/msg`, 404);
    await api.call('GET', `/api/v1/app/nope/endpoint/${ep1.id}/msg`, 404);
    const other = await insertApp(api.store);
    await api.call('GET', `${appUrl}/endpoint/${ep1.id}/msg`, 404, undefined, { token: await insertPortalToken(api.store, other.id) });
  });
});

describe('GET /app/{app}/msg/{msg}/endpoint', () => {
  it('lists the message’s endpoints with their delivery state, in endpoint-id order', async () => {
    const out = await api.call('GET', `${appUrl}/msg/${m1.id}/endpoint`, 200);
    const sorted = [ep1, ep2].sort((a, b) => (a.id < b.id ? -1 : 1));
    expect(out.data.map((e: { id: string }) => e.id)).toEqual(sorted.map((e) => e.id));
    expect(out).toMatchObject({ done: true, prevIterator: null });
    const one = out.data.find((e: { id: string }) => e.id === ep1.id);
    expect(one).toMatchObject({
      id: ep1.id,
      uid: 'hook',
      url: 'https://one.example.com/hook',
      description: '',
      version: 1,
      disabled: false,
      filterTypes: null,
      channels: null,
      rateLimit: null,
      metadata: {},
      createdAt: ep1.createdAt.toISOString(),
      updatedAt: ep1.updatedAt.toISOString(),
      status: MessageStatus.Success,
      statusText: 'success',
      nextAttempt: null,
    });
  });

  it('pages with limit and iterator', async () => {
    const first = await api.call('GET', `/api/v1/app/acme/msg/${m1.id}/endpoint?limit=1`, 200);
    expect(first.data).toHaveLength(1);
    expect(first.done).toBe(false);
    const second = await api.call('GET', `/api/v1/app/acme/msg/${m1.id}/endpoint?limit=1&iterator=${first.iterator}`, 200);
    expect(second.data).toHaveLength(1);
    expect(second.done).toBe(true);
    expect(second.data[0].id).not.toBe(first.data[0].id);
  });

  it('answers 422 for a bad limit, 401, and 404 for unknown ids or another app’s portal token', async () => {
    expect((await api.call('GET', `${appUrl}/msg/${m1.id}/endpoint?limit=0`, 422)).detail[0].loc).toEqual(['query', 'limit']);
    await api.call('GET', `${appUrl}/msg/${m1.id}/endpoint`, 401, undefined, { token: null });
    await api.call('GET', `${appUrl}/msg/msg_nope/endpoint`, 404);
    await api.call('GET', `/api/v1/app/nope/msg/${m1.id}/endpoint`, 404);
    const other = await insertApp(api.store);
    await api.call('GET', `${appUrl}/msg/${m1.id}/endpoint`, 404, undefined, { token: await insertPortalToken(api.store, other.id) });
  });
});
