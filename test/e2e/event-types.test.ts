import type { Svix } from 'svix';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiError, call, startHerald, svixFor, type HeraldProcess } from '../helpers/server.js';
import { TestReceiver } from '../helpers/test-receiver.js';

describe('event types and filterTypes', () => {
  let herald: HeraldProcess;
  let svix: Svix;
  const receivers: TestReceiver[] = [];

  beforeAll(async () => {
    herald = await startHerald();
    svix = svixFor(herald);
  });

  afterAll(async () => {
    await Promise.all(receivers.map((r) => r.close()));
    await herald?.stop();
  });

  async function receiver(): Promise<TestReceiver> {
    const r = await TestReceiver.start();
    receivers.push(r);
    return r;
  }

  it('creates with 201, gets, updates with 200, patches and lists', async () => {
    const schemas = { '1': { type: 'object', properties: { id: { type: 'string' } }, examples: [{ id: 'x1' }] } };
    const created = await call(herald, 'POST', '/event-type', { body: { name: 'invoice.paid', description: 'An invoice was paid', schemas } });
    expect(created.status).toBe(201);
    expect(created.json).toMatchObject({ name: 'invoice.paid', description: 'An invoice was paid', deprecated: false, archived: false, schemas });
    expect(Date.parse(created.json.createdAt)).not.toBeNaN();

    const got = await svix.eventType.get('invoice.paid');
    expect(got.schemas).toEqual(schemas);

    const put = await call(herald, 'PUT', '/event-type/invoice.paid', { body: { description: 'Paid in full', deprecated: true } });
    expect(put.status).toBe(200);
    expect(put.json).toMatchObject({ name: 'invoice.paid', description: 'Paid in full', deprecated: true });

    const patched = await svix.eventType.patch('invoice.paid', { deprecated: false });
    expect(patched).toMatchObject({ description: 'Paid in full', deprecated: false });

    await svix.eventType.create({ name: 'invoice.voided', description: 'voided' });
    const list = await svix.eventType.list({ limit: 250 });
    expect(list.data.map((e) => e.name)).toEqual(expect.arrayContaining(['invoice.paid', 'invoice.voided']));
    expect(list.done).toBe(true);
  });

  it('answers 409 for a duplicate name and 404 for an unknown one', async () => {
    await svix.eventType.create({ name: 'dup.type', description: 'first' });
    expect((await apiError(svix.eventType.create({ name: 'dup.type', description: 'second' }))).status).toBe(409);
    expect((await svix.eventType.get('dup.type')).description).toBe('first');
    const missing = await apiError(svix.eventType.get('no.such.type'));
    expect(missing.status).toBe(404);
    expect(missing.body).toEqual({ code: expect.any(String), detail: expect.any(String) });
  });

  it('archives on delete (204): hidden from the list unless include_archived', async () => {
    await svix.eventType.create({ name: 'old.thing', description: 'retiring' });
    const res = await call(herald, 'DELETE', '/event-type/old.thing');
    expect(res.status).toBe(204);
    expect(res.text).toBe('');
    expect((await svix.eventType.get('old.thing')).archived).toBe(true);
    expect((await svix.eventType.list({ limit: 250 })).data.map((e) => e.name)).not.toContain('old.thing');
    expect((await svix.eventType.list({ limit: 250, includeArchived: true })).data.map((e) => e.name)).toContain('old.thing');
  });

  it('refuses unknown or empty filterTypes with 422 and stores nothing', async () => {
    const app = await svix.application.create({ name: 'Filters' });
    const unknown = await apiError(svix.endpoint.create(app.id, { url: 'http://127.0.0.1:9/x', filterTypes: ['no.such.type'] }));
    expect(unknown.status).toBe(422);
    expect(unknown.body.detail[0]).toEqual({ loc: expect.any(Array), msg: expect.any(String), type: expect.any(String) });
    expect(JSON.stringify(unknown.body.detail)).toContain('filterTypes');

    const empty = await call(herald, 'POST', `/app/${app.id}/endpoint`, { body: { url: 'http://127.0.0.1:9/x', filterTypes: [] } });
    expect(empty.status).toBe(422);

    const ep = await svix.endpoint.create(app.id, { url: 'http://127.0.0.1:9/x', filterTypes: ['invoice.paid'] });
    const patch = await apiError(svix.endpoint.patch(app.id, ep.id, { filterTypes: ['invoice.paid', 'nope.nope'] }));
    expect(patch.status).toBe(422);
    expect((await svix.endpoint.get(app.id, ep.id)).filterTypes).toEqual(['invoice.paid']);
    expect((await svix.endpoint.list(app.id)).data).toHaveLength(1);
  });

  it('delivers a message only to endpoints whose filterTypes include its type, or that have none', async () => {
    const app = await svix.application.create({ name: 'Routing by type' });
    const paidOnly = await receiver();
    const everything = await receiver();
    const epPaid = await svix.endpoint.create(app.id, { url: paidOnly.url, filterTypes: ['invoice.paid'] });
    const epAll = await svix.endpoint.create(app.id, { url: everything.url });
    expect(epAll.filterTypes ?? null).toBeNull();

    const voided = await svix.message.create(app.id, { eventType: 'invoice.voided', payload: { n: 1 } });
    expect((await everything.next()).headers['webhook-id']).toBe(voided.id);
    const destinations = await svix.messageAttempt.listAttemptedDestinations(app.id, voided.id);
    expect(destinations.data.map((d) => d.id)).toEqual([epAll.id]);

    const paid = await svix.message.create(app.id, { eventType: 'invoice.paid', payload: { n: 2 } });
    expect((await paidOnly.next()).headers['webhook-id']).toBe(paid.id);
    expect((await everything.next()).headers['webhook-id']).toBe(paid.id);
    expect(paidOnly.requests.map((r) => r.headers['webhook-id'])).toEqual([paid.id]);
    expect(new Set((await svix.messageAttempt.listAttemptedDestinations(app.id, paid.id)).data.map((d) => d.id))).toEqual(
      new Set([epPaid.id, epAll.id]),
    );
  });
});
