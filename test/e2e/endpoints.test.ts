import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  apiError,
  call,
  expectedSignature,
  signaturesOf,
  verifyWebhook,
  waitFor,
  useHerald,
} from '../helpers/server.js';

const newSecret = () => `whsec_${randomBytes(24).toString('base64')}`;
const lower = (h: Record<string, string>) => Object.fromEntries(Object.entries(h).map(([k, v]) => [k.toLowerCase(), v]));

describe('endpoints', () => {
  // One attempt per delivery, so a failure is final at once (recover tests need failed deliveries).
  const e2e = useHerald({ env: { HERALD_RETRY_SCHEDULE: '' } });
  const receiver = () => e2e.receiver();

  it('creates (201), gets, lists, updates, patches and deletes (204), by id and by uid', async () => {
    const app = await e2e.svix.application.create({ name: 'CRUD', uid: 'crud-app' });
    const created = await call(e2e.herald, 'POST', '/app/crud-app/endpoint', {
      body: { url: 'https://example.com/hook', uid: 'main-ep', description: 'main', metadata: { team: 'core' } },
    });
    expect(created.status).toBe(201);
    expect(created.json).toMatchObject({ url: 'https://example.com/hook', uid: 'main-ep', description: 'main', metadata: { team: 'core' }, disabled: false });
    expect(created.json.version).toBeGreaterThanOrEqual(1);
    const id: string = created.json.id;

    expect((await e2e.svix.endpoint.get(app.id, 'main-ep')).id).toBe(id);
    expect((await e2e.svix.endpoint.get('crud-app', id)).uid).toBe('main-ep');
    expect((await e2e.svix.endpoint.list('crud-app')).data.map((e) => e.id)).toEqual([id]);

    const updated = await e2e.svix.endpoint.update('crud-app', 'main-ep', { url: 'https://example.com/v2', description: 'second', uid: 'main-ep' });
    expect(updated).toMatchObject({ id, url: 'https://example.com/v2', description: 'second' });

    const patched = await e2e.svix.endpoint.patch(app.id, id, { description: 'third', disabled: true });
    expect(patched).toMatchObject({ id, url: 'https://example.com/v2', description: 'third', disabled: true });

    const removed = await call(e2e.herald, 'DELETE', `/app/crud-app/endpoint/main-ep`);
    expect(removed.status).toBe(204);
    expect(removed.text).toBe('');
    expect((await apiError(e2e.svix.endpoint.get(app.id, id))).status).toBe(404);
    expect((await e2e.svix.endpoint.list(app.id)).data).toEqual([]);
  });

  it('keeps a given secret, rotates with 204, and signs with both keys during rotation, new first', async () => {
    const app = await e2e.svix.application.create({ name: 'Rotation' });
    const r = await receiver();
    const original = newSecret();
    const ep = await e2e.svix.endpoint.create(app.id, { url: r.url, secret: original });
    expect((await e2e.svix.endpoint.getSecret(app.id, ep.id)).key).toBe(original);

    const rotated = await call(e2e.herald, 'POST', `/app/${app.id}/endpoint/${ep.id}/secret/rotate`, { body: {} });
    expect(rotated.status).toBe(204);
    expect(rotated.text).toBe('');
    const current = (await e2e.svix.endpoint.getSecret(app.id, ep.id)).key;
    expect(current).toMatch(/^whsec_/);
    expect(current).not.toBe(original);

    const msg = await e2e.svix.message.create(app.id, { eventType: 'rotation.test', payload: { step: 1 } });
    const req = await r.next();
    expect(req.headers['webhook-id']).toBe(msg.id);
    expect(signaturesOf(req)).toEqual([expectedSignature(current, req), expectedSignature(original, req)]);
    expect(verifyWebhook(current, req)).toEqual({ step: 1 });
    expect(verifyWebhook(original, req)).toEqual({ step: 1 });

    const chosen = newSecret();
    await e2e.svix.endpoint.rotateSecret(app.id, ep.id, { key: chosen });
    expect((await e2e.svix.endpoint.getSecret(app.id, ep.id)).key).toBe(chosen);
    await e2e.svix.message.create(app.id, { eventType: 'rotation.test', payload: { step: 2 } });
    const req2 = await r.next();
    expect(signaturesOf(req2)[0]).toBe(expectedSignature(chosen, req2));
    expect(verifyWebhook(chosen, req2)).toEqual({ step: 2 });
  });

  it('gets, updates (204) and patches (204) custom headers, which arrive with the request', async () => {
    const app = await e2e.svix.application.create({ name: 'Headers' });
    const r = await receiver();
    const ep = await e2e.svix.endpoint.create(app.id, { url: r.url });
    const key = (await e2e.svix.endpoint.getSecret(app.id, ep.id)).key;
    expect((await e2e.svix.endpoint.getHeaders(app.id, ep.id)).headers).toEqual({});

    const put = await call(e2e.herald, 'PUT', `/app/${app.id}/endpoint/${ep.id}/headers`, { body: { headers: { 'X-Custom': 'one', 'X-Tenant': 't-1' } } });
    expect(put.status).toBe(204);
    expect(put.text).toBe('');
    expect(lower((await e2e.svix.endpoint.getHeaders(app.id, ep.id)).headers)).toEqual({ 'x-custom': 'one', 'x-tenant': 't-1' });

    const patch = await call(e2e.herald, 'PATCH', `/app/${app.id}/endpoint/${ep.id}/headers`, { body: { headers: { 'X-Other': 'two' } } });
    expect(patch.status).toBe(204);
    expect(lower((await e2e.svix.endpoint.getHeaders(app.id, ep.id)).headers)).toEqual({ 'x-custom': 'one', 'x-tenant': 't-1', 'x-other': 'two' });

    await e2e.svix.endpoint.patchHeaders(app.id, ep.id, { headers: {}, deleteHeaders: ['X-Tenant'] });
    expect(lower((await e2e.svix.endpoint.getHeaders(app.id, ep.id)).headers)).toEqual({ 'x-custom': 'one', 'x-other': 'two' });

    await e2e.svix.message.create(app.id, { eventType: 'headers.test', payload: { h: true } });
    const req = await r.next();
    expect(req.headers['x-custom']).toBe('one');
    expect(req.headers['x-other']).toBe('two');
    expect(req.headers['x-tenant']).toBeUndefined();
    expect(verifyWebhook(key, req)).toEqual({ h: true });
  });

  it('refuses reserved header names with 422 and keeps the headers as they were', async () => {
    const app = await e2e.svix.application.create({ name: 'Reserved headers' });
    const ep = await e2e.svix.endpoint.create(app.id, { url: 'https://example.com/h', headers: { 'X-Keep': 'yes' } });
    for (const name of ['webhook-signature', 'Webhook-Id', 'webhook-timestamp', 'content-type', 'Host', 'content-length']) {
      const put = await call(e2e.herald, 'PUT', `/app/${app.id}/endpoint/${ep.id}/headers`, { body: { headers: { [name]: 'x' } } });
      expect(put.status, `PUT ${name}`).toBe(422);
      expect(put.json.detail[0]).toEqual({ loc: expect.any(Array), msg: expect.any(String), type: expect.any(String) });
      const patch = await call(e2e.herald, 'PATCH', `/app/${app.id}/endpoint/${ep.id}/headers`, { body: { headers: { [name]: 'x' } } });
      expect(patch.status, `PATCH ${name}`).toBe(422);
    }
    expect(lower((await e2e.svix.endpoint.getHeaders(app.id, ep.id)).headers)).toEqual({ 'x-keep': 'yes' });
    const onCreate = await call(e2e.herald, 'POST', `/app/${app.id}/endpoint`, { body: { url: 'https://example.com/h2', headers: { 'webhook-signature': 'forged' } } });
    expect(onCreate.status).toBe(422);
    expect((await e2e.svix.endpoint.list(app.id)).data).toHaveLength(1);
  });

  it('counts deliveries in stats and recovers failed ones (202) as new manual attempts', async () => {
    const app = await e2e.svix.application.create({ name: 'Recover' });
    const r = await receiver();
    r.setResponse({ status: 500, body: 'down' });
    const ep = await e2e.svix.endpoint.create(app.id, { url: r.url });
    const since = new Date(Date.now() - 60_000);
    const m1 = await e2e.svix.message.create(app.id, { eventType: 'recover.test', payload: { n: 1 } });
    const m2 = await e2e.svix.message.create(app.id, { eventType: 'recover.test', payload: { n: 2 } });
    await r.next();
    await r.next();

    const failed = await waitFor('both deliveries to fail', async () => {
      const stats = await e2e.svix.endpoint.getStats(app.id, ep.id);
      return stats.fail === 2 && stats;
    });
    expect(failed).toEqual({ success: 0, pending: 0, sending: 0, fail: 2, canceled: 0 });

    r.setResponse({ status: 200 });
    const recovered = await call(e2e.herald, 'POST', `/app/${app.id}/endpoint/${ep.id}/recover`, { body: { since: since.toISOString() } });
    expect(recovered.status).toBe(202);
    expect(recovered.json).toMatchObject({ id: expect.stringMatching(/^qtask_[0-9A-Za-z]{27}$/), task: 'endpoint.recover', status: expect.any(String) });
    expect(Date.parse(recovered.json.updatedAt)).not.toBeNaN();

    const again = new Set([(await r.next()).headers['webhook-id'], (await r.next()).headers['webhook-id']]);
    expect(again).toEqual(new Set([m1.id, m2.id]));
    for (const msg of [m1, m2]) {
      const manual = await waitFor(`a manual attempt for ${msg.id}`, async () => {
        const list = await e2e.svix.messageAttempt.listByMsg(app.id, msg.id);
        return list.data.find((a) => a.triggerType === 1 && a.responseStatusCode === 200);
      });
      expect(manual.status).toBe(0);
    }
    const stats = await waitFor('stats to show the successes', async () => {
      const s = await e2e.svix.endpoint.getStats(app.id, ep.id);
      return s.success === 2 && s;
    });
    expect(stats.fail).toBe(0);
  });

  it('replays messages the endpoint never got (202) and not the ones it did', async () => {
    const app = await e2e.svix.application.create({ name: 'Replay' });
    const since = new Date(Date.now() - 60_000);
    const before = await e2e.svix.message.create(app.id, { eventType: 'replay.test', payload: { n: 'before' } });
    const r = await receiver();
    const ep = await e2e.svix.endpoint.create(app.id, { url: r.url });
    const after = await e2e.svix.message.create(app.id, { eventType: 'replay.test', payload: { n: 'after' } });
    expect((await r.next()).headers['webhook-id']).toBe(after.id);
    await waitFor('the first delivery to be recorded', async () => (await e2e.svix.messageAttempt.listByMsg(app.id, after.id)).data.length === 1);

    const replay = await call(e2e.herald, 'POST', `/app/${app.id}/endpoint/${ep.id}/replay-missing`, { body: { since: since.toISOString() } });
    expect(replay.status).toBe(202);
    expect(replay.json).toMatchObject({ id: expect.stringMatching(/^qtask_/), task: 'endpoint.replay', status: expect.any(String) });

    const replayed = await r.next();
    expect(replayed.headers['webhook-id']).toBe(before.id);
    expect(JSON.parse(replayed.body)).toEqual({ n: 'before' });
    const attempt = await waitFor('the replay attempt', async () => (await e2e.svix.messageAttempt.listByMsg(app.id, before.id)).data[0]);
    expect(attempt.triggerType).toBe(1);
    expect((await e2e.svix.messageAttempt.listByMsg(app.id, after.id)).data).toHaveLength(1);
  });

  it('sends the event type\'s schemas["1"].examples as a 202 message to that endpoint', async () => {
    await e2e.svix.eventType.create({
      name: 'example.sent',
      description: 'has examples',
      schemas: { '1': { type: 'object', examples: [{ first: true }, { second: 2 }] } },
    });
    const app = await e2e.svix.application.create({ name: 'Examples' });
    const r = await receiver();
    const ep = await e2e.svix.endpoint.create(app.id, { url: r.url });
    const key = (await e2e.svix.endpoint.getSecret(app.id, ep.id)).key;

    const sent = await call(e2e.herald, 'POST', `/app/${app.id}/endpoint/${ep.id}/send-example`, { body: { eventType: 'example.sent' } });
    expect(sent.status).toBe(202);
    expect(sent.json).toMatchObject({ id: expect.stringMatching(/^msg_/), eventType: 'example.sent', payload: { first: true } });
    const req = await r.next();
    expect(req.headers['webhook-id']).toBe(sent.json.id);
    expect(verifyWebhook(key, req)).toEqual({ first: true });

    const second = await e2e.svix.endpoint.sendExample(app.id, ep.id, { eventType: 'example.sent', exampleIndex: 1 });
    expect(second.payload).toEqual({ second: 2 });
    expect(verifyWebhook(key, await r.next())).toEqual({ second: 2 });
  });
});
