import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FakeClock, openTestApi, type TestApi } from '../../../../test/helpers/api.js';
import { insertApp, insertDelivery, insertEndpoint, insertMessage, insertPortalToken, message as buildMessage } from '../../../../test/helpers/factory.js';
import { MessageStatus, TriggerType, type Application, type Endpoint } from '../../../domain/types.js';

let api: TestApi;
let application: Application;
let endpoint: Endpoint;
let url: string;

const since = '2025-12-01T00:00:00Z';

beforeEach(async () => {
  api = await openTestApi({}, new FakeClock(Date.parse('2026-02-01T00:00:00Z')));
  application = await insertApp(api.store, { uid: 'acme' });
  endpoint = await insertEndpoint(api.store, application.id, { uid: 'hook' });
  url = `/api/v1/app/${application.id}/endpoint/${endpoint.id}`;
});
afterEach(() => api.close());

/** Every delivery of the endpoint, as the store sees it. */
async function deliveries(ep: Endpoint = endpoint) {
  const page = await api.store.deliveryListByEndpoint({ appId: application.id, endpointId: ep.id, limit: 250 });
  return page.data.map(({ delivery }) => delivery);
}

const claim = () => api.store.deliveryClaimDue({ now: api.clock.now(), limit: 100, leaseMs: 30_000, perEndpointLimit: 100, skipEndpointIds: [] });

const taskPattern = /^qtask_[0-9A-Za-z]{27}$/;

describe('POST …/recover', () => {
  it('requeues the failed deliveries since the time (202 RecoverOut); the next attempt is manual', async () => {
    const failed = await insertDelivery(api.store, { appId: application.id, endpointId: endpoint.id, status: MessageStatus.Fail });
    const ok = await insertDelivery(api.store, { appId: application.id, endpointId: endpoint.id, status: MessageStatus.Success });
    const signals = api.queuedSignals();
    const out = await api.call('POST', `${url}/recover`, 202, { since });
    expect(out).toEqual({ id: expect.stringMatching(taskPattern), status: 'finished', task: 'endpoint.recover', data: { messagesSent: 1 }, updatedAt: '2026-02-01T00:00:00.000Z' });
    expect(await api.store.taskGet({ id: out.id })).toMatchObject({ task: 'endpoint.recover', status: 'finished', data: { messagesSent: 1 } });
    expect(api.queuedSignals()).toBe(signals + 1);
    const byMsg = new Map((await deliveries()).map((d) => [d.msgId, d]));
    expect(byMsg.get(failed.message.id)).toMatchObject({ status: MessageStatus.Pending, attemptCount: 0, triggerType: TriggerType.Manual });
    expect(byMsg.get(ok.message.id)).toMatchObject({ status: MessageStatus.Success });
    const claimed = await claim();
    expect(claimed.map((c) => [c.message.id, c.delivery.triggerType])).toEqual([[failed.message.id, TriggerType.Manual]]);
  });

  it('leaves failures before `since` and after `until` alone', async () => {
    const early = await insertDelivery(api.store, { appId: application.id, endpointId: endpoint.id, status: MessageStatus.Fail, message: { timestamp: new Date('2025-11-01T00:00:00Z') } });
    const inside = await insertDelivery(api.store, { appId: application.id, endpointId: endpoint.id, status: MessageStatus.Fail, message: { timestamp: new Date('2025-12-15T00:00:00Z') } });
    const late = await insertDelivery(api.store, { appId: application.id, endpointId: endpoint.id, status: MessageStatus.Fail, message: { timestamp: new Date('2026-01-15T00:00:00Z') } });
    const out = await api.call('POST', `/api/v1/app/acme/endpoint/hook/recover`, 202, { since, until: '2026-01-01T00:00:00Z' });
    expect(out.data).toEqual({ messagesSent: 1 });
    const byMsg = new Map((await deliveries()).map((d) => [d.msgId, d.status]));
    expect(byMsg.get(early.message.id)).toBe(MessageStatus.Fail);
    expect(byMsg.get(inside.message.id)).toBe(MessageStatus.Pending);
    expect(byMsg.get(late.message.id)).toBe(MessageStatus.Fail);
  });

  it('answers 202 with messagesSent 0 when nothing failed, without waking the dispatcher', async () => {
    const signals = api.queuedSignals();
    expect((await api.call('POST', `${url}/recover`, 202, { since })).data).toEqual({ messagesSent: 0 });
    expect(api.queuedSignals()).toBe(signals);
  });

  it('lets the app’s own portal token recover', async () => {
    await api.call('POST', `${url}/recover`, 202, { since }, { token: await insertPortalToken(api.store, application.id) });
  });

  describe('refuses bad requests and changes nothing', () => {
    beforeEach(async () => {
      await insertDelivery(api.store, { appId: application.id, endpointId: endpoint.id, status: MessageStatus.Fail });
    });

    it.each([
      ['a missing since', {}, ['body', 'since']],
      ['a since that is not a date-time', { since: 'yesterday' }, ['body', 'since']],
      ['a number as since (no coercion)', { since: 1767225600 }, ['body', 'since']],
      ['a date without a time', { since: '2026-01-01' }, ['body', 'since']],
      ['a since after until', { since: '2026-01-02T00:00:00Z', until: '2026-01-01T00:00:00Z' }, ['body', 'since']],
      ['an until that is not a date-time', { since, until: 5 }, ['body', 'until']],
    ])('answers 422 for %s', async (_t, body, loc) => {
      const before = await deliveries();
      const err = await api.call('POST', `${url}/recover`, 422, body);
      expect(err.detail).toEqual(expect.arrayContaining([expect.objectContaining({ loc })]));
      expect(await deliveries()).toEqual(before);
    });

    it('answers 400 for invalid JSON, 401, and 404 for unknown ids or another app’s portal token', async () => {
      const before = await deliveries();
      await api.call('POST', `${url}/recover`, 400, undefined, { rawBody: '{since}' });
      await api.call('POST', `${url}/recover`, 401, { since }, { token: null });
      await api.call('POST', `/api/v1/app/${application.id}/endpoint/ep_nope/recover`, 404, { since });
      await api.call('POST', `/api/v1/app/nope/endpoint/${endpoint.id}/recover`, 404, { since });
      const other = await insertApp(api.store);
      await api.call('POST', `${url}/recover`, 404, { since }, { token: await insertPortalToken(api.store, other.id) });
      expect(await deliveries()).toEqual(before);
    });
  });
});

describe('POST …/replay-missing', () => {
  it('delivers the messages since the time that never went to the endpoint and match it (202 ReplayOut)', async () => {
    const filtered = await insertEndpoint(api.store, application.id, { filterTypes: ['user.signup'] });
    const other = await insertEndpoint(api.store, application.id);
    const missing = await insertMessage(api.store, application.id, [other.id], { eventType: 'user.signup' });
    await insertMessage(api.store, application.id, [other.id], { eventType: 'user.deleted' });
    const delivered = await insertMessage(api.store, application.id, [filtered.id, other.id], { eventType: 'user.signup' });
    const signals = api.queuedSignals();
    const out = await api.call('POST', `/api/v1/app/${application.id}/endpoint/${filtered.id}/replay-missing`, 202, { since });
    expect(out).toEqual({ id: expect.stringMatching(taskPattern), status: 'finished', task: 'endpoint.replay', data: { messagesSent: 1 }, updatedAt: '2026-02-01T00:00:00.000Z' });
    expect(api.queuedSignals()).toBe(signals + 1);
    const ds = await deliveries(filtered);
    expect(ds.map((d) => d.msgId).sort()).toEqual([missing.id, delivered.id].sort());
    expect(ds.find((d) => d.msgId === missing.id)).toMatchObject({ status: MessageStatus.Pending, triggerType: TriggerType.Manual });
    const claimed = await claim();
    expect(claimed.find((c) => c.message.id === missing.id && c.endpoint.id === filtered.id)?.delivery.triggerType).toBe(TriggerType.Manual);
  });

  it('respects the payload filter and skips expunged payloads', async () => {
    const ep = await insertEndpoint(api.store, application.id, { payloadFilter: { job_id: { $in: [1, 2] } } });
    const match = await insertMessage(api.store, application.id, [], { payload: JSON.stringify({ job_id: 2 }) });
    await insertMessage(api.store, application.id, [], { payload: JSON.stringify({ job_id: 3 }) });
    await insertMessage(api.store, application.id, [], { payload: null });
    const out = await api.call('POST', `/api/v1/app/${application.id}/endpoint/${ep.id}/replay-missing`, 202, { since });
    expect(out.data).toEqual({ messagesSent: 1 });
    expect((await deliveries(ep)).map((d) => d.msgId)).toEqual([match.id]);
  });

  it('only replays messages in [since, until)', async () => {
    await insertMessage(api.store, application.id, [], { timestamp: new Date('2025-11-01T00:00:00Z') });
    const inside = await insertMessage(api.store, application.id, [], { timestamp: new Date('2025-12-15T00:00:00Z') });
    await insertMessage(api.store, application.id, [], { timestamp: new Date('2026-01-15T00:00:00Z') });
    const out = await api.call('POST', `${url}/replay-missing`, 202, { since, until: '2026-01-01T00:00:00Z' });
    expect(out.data).toEqual({ messagesSent: 1 });
    expect((await deliveries()).map((d) => d.msgId)).toEqual([inside.id]);
  });

  it('includes a message sent in the current millisecond when until is absent', async () => {
    const now = await insertMessage(api.store, application.id, [], { timestamp: api.clock.now() });
    expect((await api.call('POST', `${url}/replay-missing`, 202, { since })).data).toEqual({ messagesSent: 1 });
    expect((await deliveries()).map((d) => d.msgId)).toEqual([now.id]);
  });

  it('pages through more messages than one batch, and a second replay finds nothing left', async () => {
    const items = Array.from({ length: 1203 }, () => ({ message: buildMessage(application.id), endpointIds: [] }));
    await api.store.messageInsert({ items, now: api.clock.now() });
    expect((await api.call('POST', `${url}/replay-missing`, 202, { since })).data).toEqual({ messagesSent: 1203 });
    expect((await api.call('POST', `${url}/replay-missing`, 202, { since })).data).toEqual({ messagesSent: 0 });
  });

  it('queues replays for a disabled endpoint, to go out once it is enabled', async () => {
    const ep = await insertEndpoint(api.store, application.id, { disabled: true });
    await insertMessage(api.store, application.id, []);
    expect((await api.call('POST', `/api/v1/app/${application.id}/endpoint/${ep.id}/replay-missing`, 202, { since })).data).toEqual({ messagesSent: 1 });
  });

  describe('refuses bad requests and changes nothing', () => {
    beforeEach(async () => {
      await insertMessage(api.store, application.id, []);
    });

    it.each([
      ['a missing since', {}, ['body', 'since']],
      ['a since that is not a date-time', { since: 'soon' }, ['body', 'since']],
      ['a boolean as since', { since: true }, ['body', 'since']],
      ['a since after until', { since: '2026-01-02T00:00:00Z', until: '2026-01-01T00:00:00Z' }, ['body', 'since']],
    ])('answers 422 for %s', async (_t, body, loc) => {
      const err = await api.call('POST', `${url}/replay-missing`, 422, body);
      expect(err.detail).toEqual(expect.arrayContaining([expect.objectContaining({ loc })]));
      expect(await deliveries()).toEqual([]);
    });

    it('answers 400 for invalid JSON, 401, and 404 for unknown ids or another app’s portal token', async () => {
      await api.call('POST', `${url}/replay-missing`, 400, undefined, { rawBody: '[' });
      await api.call('POST', `${url}/replay-missing`, 401, { since }, { token: null });
      await api.call('POST', `/api/v1/app/${application.id}/endpoint/ep_nope/replay-missing`, 404, { since });
      await api.call('POST', `/api/v1/app/nope/endpoint/${endpoint.id}/replay-missing`, 404, { since });
      const other = await insertApp(api.store);
      await api.call('POST', `${url}/replay-missing`, 404, { since }, { token: await insertPortalToken(api.store, other.id) });
      expect(await deliveries()).toEqual([]);
    });
  });
});
