import type { MessageAttemptOut } from 'svix';
import { describe, expect, it } from 'vitest';
import { apiError, call, verifyWebhook, waitFor, useHerald } from '../helpers/server.js';

describe('attempts', () => {
  const e2e = useHerald({ env: { HERALD_RETRY_SCHEDULE: '1' } });
  const receiver = () => e2e.receiver();

  it('lists by endpoint and by message (ids or uids), gets one, and lists messages per endpoint and endpoints per message', async () => {
    const app = await e2e.svix.application.create({ name: 'Attempts', uid: 'attempts-app' });
    const r = await receiver();
    r.setResponse({ status: 200, body: '{"thanks":true}', headers: { 'content-type': 'application/json' } });
    const ep = await e2e.svix.endpoint.create(app.id, { url: r.url, uid: 'attempts-ep' });
    const msg = await e2e.svix.message.create(app.id, { eventType: 'thing.happened', eventId: 'thing-1', payload: { a: 1 }, channels: ['c1'] });
    await r.next();

    const byEndpoint = await waitFor('the attempt', async () => (await e2e.svix.messageAttempt.listByEndpoint('attempts-app', 'attempts-ep')).data[0]);
    expect(byEndpoint).toMatchObject({
      id: expect.stringMatching(/^atmpt_[0-9A-Za-z]{27}$/),
      msgId: msg.id,
      endpointId: ep.id,
      url: r.url,
      responseStatusCode: 200,
      response: '{"thanks":true}',
      status: 0,
      statusText: 'success',
      triggerType: 0,
    });
    expect(byEndpoint.responseDurationMs).toBeGreaterThanOrEqual(0);
    expect(byEndpoint.timestamp.getTime()).not.toBeNaN();

    const byMsg = await e2e.svix.messageAttempt.listByMsg('attempts-app', 'thing-1');
    expect(byMsg.data).toEqual([byEndpoint]);
    expect(byMsg.done).toBe(true);
    expect((await e2e.svix.messageAttempt.listByMsg(app.id, msg.id, { endpointId: ep.id })).data).toHaveLength(1);

    const one = await e2e.svix.messageAttempt.get(app.id, msg.id, byEndpoint.id);
    expect(one).toEqual(byEndpoint);
    const raw = await call(e2e.herald, 'GET', `/app/${app.id}/msg/${msg.id}/attempt/${byEndpoint.id}`);
    expect(raw.json.timestamp).toMatch(/(Z|[+-]\d\d:\d\d)$/);

    const messages = await e2e.svix.messageAttempt.listAttemptedMessages(app.id, ep.id);
    expect(messages.data).toHaveLength(1);
    expect(messages.data[0]).toMatchObject({ id: msg.id, eventType: 'thing.happened', status: 0, payload: { a: 1 } });

    const endpoints = await e2e.svix.messageAttempt.listAttemptedDestinations(app.id, msg.id);
    expect(endpoints.data).toHaveLength(1);
    expect(endpoints.data[0]).toMatchObject({ id: ep.id, url: r.url, status: 0, uid: 'attempts-ep' });
    expect(endpoints.data[0]!.version).toBeGreaterThanOrEqual(1);

    expect((await apiError(e2e.svix.messageAttempt.get(app.id, msg.id, 'atmpt_000000000000000000000000000'))).status).toBe(404);
    expect((await apiError(e2e.svix.messageAttempt.listByEndpoint(app.id, 'no-such-ep'))).status).toBe(404);
    expect((await apiError(e2e.svix.messageAttempt.listByMsg(app.id, 'no-such-msg'))).status).toBe(404);
  });

  it('resends (202, {}) as a new manual attempt with byte-identical body and the same webhook-id', async () => {
    const app = await e2e.svix.application.create({ name: 'Resend' });
    const r = await receiver();
    const ep = await e2e.svix.endpoint.create(app.id, { url: r.url });
    const key = (await e2e.svix.endpoint.getSecret(app.id, ep.id)).key;
    const msg = await e2e.svix.message.create(app.id, { eventType: 'resend.me', payload: { text: 'héllo ✓', n: 1.5e3 } });
    const first = await r.next();
    await waitFor('the first attempt', async () => (await e2e.svix.messageAttempt.listByMsg(app.id, msg.id)).data.length === 1);

    const res = await call(e2e.herald, 'POST', `/app/${app.id}/msg/${msg.id}/endpoint/${ep.id}/resend`);
    expect(res.status).toBe(202);
    expect(res.json).toEqual({});
    const second = await r.next();
    expect(second.headers['webhook-id']).toBe(msg.id);
    expect(second.body).toBe(first.body);
    expect(verifyWebhook(key, second)).toEqual({ text: 'héllo ✓', n: 1500 });

    const attempts = await waitFor('two attempts', async () => {
      const list = await e2e.svix.messageAttempt.listByMsg(app.id, msg.id);
      return list.data.length === 2 && list.data;
    });
    expect(attempts.map((a) => a.triggerType).sort()).toEqual([0, 1]);
    expect(attempts.every((a) => a.status === 0)).toBe(true);

    await e2e.svix.messageAttempt.resend(app.id, msg.id, ep.id);
    expect((await r.next()).headers['webhook-id']).toBe(msg.id);
    expect((await apiError(e2e.svix.messageAttempt.resend(app.id, msg.id, 'ep_000000000000000000000000000'))).status).toBe(404);
  });

  it('records a failed attempt (status, first 16 KiB of body), then the retry, and filters and pages them', async () => {
    const app = await e2e.svix.application.create({ name: 'Failures' });
    const r = await receiver();
    r.setResponse({ status: 500, body: 'x'.repeat(20_000), headers: { 'x-reason': 'overloaded' } });
    const ep = await e2e.svix.endpoint.create(app.id, { url: r.url });
    const msg = await e2e.svix.message.create(app.id, { eventType: 'will.fail', payload: { n: 1 } });
    await r.next();
    r.setResponse({ status: 204 });
    await r.next(5_000);

    const attempts = await waitFor('both attempts', async () => {
      const list = await e2e.svix.messageAttempt.listByMsg(app.id, msg.id);
      return list.data.length === 2 && list.data;
    });
    const failed = attempts.find((a) => a.responseStatusCode === 500) as MessageAttemptOut;
    expect(failed).toBeDefined();
    expect(failed.status).toBe(2);
    expect(failed.statusText).toBe('fail');
    expect(failed.response.length).toBeGreaterThan(0);
    expect(failed.response.length).toBeLessThanOrEqual(16_384);
    expect(failed.response).toMatch(/^x+$/);
    const ok = attempts.find((a) => a.responseStatusCode === 204)!;
    expect(ok.status).toBe(0);
    expect(ok.triggerType).toBe(0);
    // Newest first.
    expect(attempts.map((a) => a.id)).toEqual([ok.id, failed.id]);

    expect((await e2e.svix.messageAttempt.listByEndpoint(app.id, ep.id, { status: 2 })).data.map((a) => a.id)).toEqual([failed.id]);
    const page1 = await e2e.svix.messageAttempt.listByEndpoint(app.id, ep.id, { limit: 1 });
    expect(page1.data.map((a) => a.id)).toEqual([ok.id]);
    expect(page1.done).toBe(false);
    const page2 = await e2e.svix.messageAttempt.listByEndpoint(app.id, ep.id, { limit: 1, iterator: page1.iterator });
    expect(page2.data.map((a) => a.id)).toEqual([failed.id]);

    const destinations = await e2e.svix.messageAttempt.listAttemptedDestinations(app.id, msg.id);
    expect(destinations.data[0]!.status).toBe(0);
  });
});
