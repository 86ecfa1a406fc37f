import { describe, expect, it } from 'vitest';
import { apiError, call, verifyWebhook, useHerald } from '../helpers/server.js';

describe('messages', () => {
  const e2e = useHerald();
  const receiver = () => e2e.receiver();

  it('accepts with 202 and gets by id and by eventId, with tags and channels kept', async () => {
    const app = await e2e.svix.application.create({ name: 'Messages', uid: 'messages-app' });
    const body = { eventType: 'order.created', eventId: 'order-1001', payload: { order: 1001, items: ['a', 'b'] }, tags: ['vip'], channels: ['eu'] };
    const res = await call(e2e.herald, 'POST', '/app/messages-app/msg', { body });
    expect(res.status).toBe(202);
    expect(res.json).toMatchObject({ ...body, id: expect.stringMatching(/^msg_[0-9A-Za-z]{27}$/) });
    expect(res.json.timestamp).toMatch(/(Z|[+-]\d\d:\d\d)$/);

    const byId = await e2e.svix.message.get(app.id, res.json.id);
    expect(byId).toMatchObject({ id: res.json.id, eventType: 'order.created', eventId: 'order-1001', payload: body.payload });
    const byEventId = await e2e.svix.message.get('messages-app', 'order-1001');
    expect(byEventId.id).toBe(res.json.id);
    expect((await apiError(e2e.svix.message.get(app.id, 'msg_000000000000000000000000000'))).status).toBe(404);
  });

  it('answers 409 for a duplicate eventId in the same app and keeps one message', async () => {
    const app = await e2e.svix.application.create({ name: 'Dup events' });
    const other = await e2e.svix.application.create({ name: 'Other app' });
    const first = await e2e.svix.message.create(app.id, { eventType: 'order.created', eventId: 'evt-7', payload: { n: 1 } });
    const dup = await call(e2e.herald, 'POST', `/app/${app.id}/msg`, { body: { eventType: 'order.created', eventId: 'evt-7', payload: { n: 2 } } });
    expect(dup.status).toBe(409);
    expect(dup.json).toEqual({ code: expect.any(String), detail: expect.any(String) });
    const list = await e2e.svix.message.list(app.id, { limit: 250 });
    expect(list.data.map((m) => m.id)).toEqual([first.id]);
    expect((await e2e.svix.message.get(app.id, 'evt-7')).payload).toEqual({ n: 1 });
    // eventIds are unique per app, not globally.
    await e2e.svix.message.create(other.id, { eventType: 'order.created', eventId: 'evt-7', payload: { n: 3 } });
  });

  it('lists newest first, by page, and filters by channel, tag and event type', async () => {
    const app = await e2e.svix.application.create({ name: 'Listing' });
    const sent = [];
    for (let i = 0; i < 5; i++) {
      sent.push(await e2e.svix.message.create(app.id, { eventType: i % 2 ? 'odd.event' : 'even.event', payload: { i }, channels: [`ch-${i % 2}`], tags: i === 4 ? ['last'] : null }));
    }
    const all = await e2e.svix.message.list(app.id, { limit: 250 });
    expect(all.data.map((m) => m.id)).toEqual(sent.map((m) => m.id).reverse());

    const seen: string[] = [];
    let iterator: string | null | undefined;
    for (let page = 0; page < 10; page++) {
      const res = await e2e.svix.message.list(app.id, { limit: 2, iterator });
      seen.push(...res.data.map((m) => m.id));
      if (res.done) break;
      iterator = res.iterator;
    }
    expect(seen).toEqual(all.data.map((m) => m.id));

    expect((await e2e.svix.message.list(app.id, { channel: 'ch-1' })).data.map((m) => m.id)).toEqual([sent[3]!.id, sent[1]!.id]);
    expect((await e2e.svix.message.list(app.id, { tag: 'last' })).data.map((m) => m.id)).toEqual([sent[4]!.id]);
    expect((await e2e.svix.message.list(app.id, { eventTypes: ['odd.event'] })).data.map((m) => m.id)).toEqual([sent[3]!.id, sent[1]!.id]);
  });

  it('routes by channel: an endpoint with channels gets only messages sharing one', async () => {
    const app = await e2e.svix.application.create({ name: 'Channels' });
    const scoped = await receiver();
    const open = await receiver();
    const epScoped = await e2e.svix.endpoint.create(app.id, { url: scoped.url, channels: ['project-1', 'project-9'] });
    const epOpen = await e2e.svix.endpoint.create(app.id, { url: open.url });
    expect(epScoped.channels).toEqual(['project-1', 'project-9']);

    const other = await e2e.svix.message.create(app.id, { eventType: 'build.done', payload: { p: 2 }, channels: ['project-2'] });
    const none = await e2e.svix.message.create(app.id, { eventType: 'build.done', payload: { p: 0 } });
    const mine = await e2e.svix.message.create(app.id, { eventType: 'build.done', payload: { p: 1 }, channels: ['project-1', 'project-2'] });

    expect((await scoped.next()).headers['webhook-id']).toBe(mine.id);
    await open.waitForCount(3);
    expect(new Set(open.requests.map((r) => r.headers['webhook-id']))).toEqual(new Set([other.id, none.id, mine.id]));
    const destinations = async (msgId: string) => (await e2e.svix.messageAttempt.listAttemptedDestinations(app.id, msgId)).data.map((d) => d.id).sort();
    expect(await destinations(other.id)).toEqual([epOpen.id]);
    expect(await destinations(none.id)).toEqual([epOpen.id]);
    expect(await destinations(mine.id)).toEqual([epOpen.id, epScoped.id].sort());
    expect(scoped.requests).toHaveLength(1);
  });

  it('validates payloads against the event type schema, naming the path (422)', async () => {
    await e2e.svix.eventType.create({
      name: 'user.created',
      description: 'with a schema',
      schemas: { '1': { type: 'object', properties: { userId: { type: 'string' } }, required: ['userId'] } },
    });
    const app = await e2e.svix.application.create({ name: 'Schemas' });
    const bad = await call(e2e.herald, 'POST', `/app/${app.id}/msg`, { body: { eventType: 'user.created', payload: { userId: 42 } } });
    expect(bad.status).toBe(422);
    expect(JSON.stringify(bad.json.detail)).toContain('userId');
    for (const item of bad.json.detail) expect(item.loc.every((l: unknown) => typeof l === 'string')).toBe(true);
    const missing = await call(e2e.herald, 'POST', `/app/${app.id}/msg`, { body: { eventType: 'user.created', payload: {} } });
    expect(missing.status).toBe(422);
    expect((await e2e.svix.message.list(app.id)).data).toEqual([]);
    await e2e.svix.message.create(app.id, { eventType: 'user.created', payload: { userId: 'u1' } });
  });

  it('expunges a payload (204), after which it reads {"expired": true}', async () => {
    const app = await e2e.svix.application.create({ name: 'Expunge' });
    const msg = await e2e.svix.message.create(app.id, { eventType: 'secret.stuff', payload: { ssn: '000-00-0000' } });
    const res = await call(e2e.herald, 'DELETE', `/app/${app.id}/msg/${msg.id}/content`);
    expect(res.status).toBe(204);
    expect(res.text).toBe('');
    const after = await e2e.svix.message.get(app.id, msg.id);
    expect(after.payload).toEqual({ expired: true });
    expect(after.eventType).toBe('secret.stuff');
    expect(JSON.stringify((await e2e.svix.message.list(app.id)).data)).not.toContain('000-00-0000');
  });

  it('answers the first response again for a repeated Idempotency-Key, creating one message', async () => {
    const app = await e2e.svix.application.create({ name: 'Idempotency' });
    const headers = { 'idempotency-key': 'key-abc-1' };
    const first = await call(e2e.herald, 'POST', `/app/${app.id}/msg`, { body: { eventType: 'pay.once', payload: { amount: 5 } }, headers });
    const second = await call(e2e.herald, 'POST', `/app/${app.id}/msg`, { body: { eventType: 'pay.once', payload: { amount: 5 } }, headers });
    expect(first.status).toBe(202);
    expect(second.status).toBe(202);
    expect(second.json).toEqual(first.json);

    const viaSdk1 = await e2e.svix.message.create(app.id, { eventType: 'pay.once', payload: { amount: 6 } }, { idempotencyKey: 'key-abc-2' });
    const viaSdk2 = await e2e.svix.message.create(app.id, { eventType: 'pay.once', payload: { amount: 6 } }, { idempotencyKey: 'key-abc-2' });
    expect(viaSdk2.id).toBe(viaSdk1.id);
    expect((await e2e.svix.message.list(app.id, { limit: 250 })).data).toHaveLength(2);

    const appKey = { 'idempotency-key': 'app-key-1' };
    const a1 = await call(e2e.herald, 'POST', '/app', { body: { name: 'Once only' }, headers: appKey });
    const a2 = await call(e2e.herald, 'POST', '/app', { body: { name: 'Once only' }, headers: appKey });
    expect(a1.status).toBe(201);
    expect(a2.status).toBe(201);
    expect(a2.json.id).toBe(a1.json.id);
    expect((await e2e.svix.application.list({ limit: 250 })).data.filter((a) => a.name === 'Once only')).toHaveLength(1);
  });

  it('accepts a batch in one request (202) and delivers every message of it', async () => {
    const app = await e2e.svix.application.create({ name: 'Batch' });
    const r = await receiver();
    const ep = await e2e.svix.endpoint.create(app.id, { url: r.url });
    const key = (await e2e.svix.endpoint.getSecret(app.id, ep.id)).key;
    const messages = Array.from({ length: 20 }, (_, i) => ({ eventType: 'batch.item', eventId: `b-${i}`, payload: { i } }));
    const res = await call(e2e.herald, 'POST', `/app/${app.id}/msg/batch`, { body: { messages } });
    expect(res.status, res.text).toBe(202);
    const ids: string[] = res.json.data.map((m: { id: string }) => m.id);
    expect(ids).toHaveLength(20);
    for (const id of ids) expect(id).toMatch(/^msg_[0-9A-Za-z]{27}$/);

    await r.waitForCount(20);
    expect(new Set(r.requests.map((q) => q.headers['webhook-id']))).toEqual(new Set(ids));
    for (const q of r.requests) expect(verifyWebhook(key, q)).toMatchObject({ i: expect.any(Number) });
    expect((await e2e.svix.message.list(app.id, { limit: 250 })).data).toHaveLength(20);

    // A batch with one bad item stores none of it.
    const bad = await call(e2e.herald, 'POST', `/app/${app.id}/msg/batch`, {
      body: { messages: [{ eventType: 'batch.item', payload: { ok: 1 } }, { eventType: 'batch.item', payload: 'not an object' }] },
    });
    expect(bad.status).toBe(422);
    const dupInBatch = await call(e2e.herald, 'POST', `/app/${app.id}/msg/batch`, {
      body: { messages: [{ eventType: 'batch.item', eventId: 'fresh-1', payload: {} }, { eventType: 'batch.item', eventId: 'b-3', payload: {} }] },
    });
    expect(dupInBatch.status).toBe(409);
    expect((await e2e.svix.message.list(app.id, { limit: 250 })).data).toHaveLength(20);
    expect((await apiError(e2e.svix.message.get(app.id, 'fresh-1'))).status).toBe(404);
  });
});
