import { describe, expect, it } from 'vitest';
import { apiError, call, useHerald } from '../helpers/server.js';

describe('event types and filterTypes', () => {
  const e2e = useHerald();
  const receiver = () => e2e.receiver();

  it('creates with 201, gets, updates with 200, patches and lists', async () => {
    const schemas = { '1': { type: 'object', properties: { id: { type: 'string' } }, examples: [{ id: 'x1' }] } };
    const created = await call(e2e.herald, 'POST', '/event-type', { body: { name: 'invoice.paid', description: 'An invoice was paid', schemas } });
    expect(created.status).toBe(201);
    expect(created.json).toMatchObject({ name: 'invoice.paid', description: 'An invoice was paid', deprecated: false, archived: false, schemas });
    expect(Date.parse(created.json.createdAt)).not.toBeNaN();

    const got = await e2e.svix.eventType.get('invoice.paid');
    expect(got.schemas).toEqual(schemas);

    const put = await call(e2e.herald, 'PUT', '/event-type/invoice.paid', { body: { description: 'Paid in full', deprecated: true } });
    expect(put.status).toBe(200);
    expect(put.json).toMatchObject({ name: 'invoice.paid', description: 'Paid in full', deprecated: true });

    const patched = await e2e.svix.eventType.patch('invoice.paid', { deprecated: false });
    expect(patched).toMatchObject({ description: 'Paid in full', deprecated: false });

    await e2e.svix.eventType.create({ name: 'invoice.voided', description: 'voided' });
    const list = await e2e.svix.eventType.list({ limit: 250 });
    expect(list.data.map((e) => e.name)).toEqual(expect.arrayContaining(['invoice.paid', 'invoice.voided']));
    expect(list.done).toBe(true);
  });

  it('answers 409 for a duplicate name and 404 for an unknown one', async () => {
    await e2e.svix.eventType.create({ name: 'dup.type', description: 'first' });
    expect((await apiError(e2e.svix.eventType.create({ name: 'dup.type', description: 'second' }))).status).toBe(409);
    expect((await e2e.svix.eventType.get('dup.type')).description).toBe('first');
    const missing = await apiError(e2e.svix.eventType.get('no.such.type'));
    expect(missing.status).toBe(404);
    expect(missing.body).toEqual({ code: expect.any(String), detail: expect.any(String) });
  });

  it('archives on delete (204): hidden from the list unless include_archived', async () => {
    await e2e.svix.eventType.create({ name: 'old.thing', description: 'retiring' });
    const res = await call(e2e.herald, 'DELETE', '/event-type/old.thing');
    expect(res.status).toBe(204);
    expect(res.text).toBe('');
    expect((await e2e.svix.eventType.get('old.thing')).archived).toBe(true);
    expect((await e2e.svix.eventType.list({ limit: 250 })).data.map((e) => e.name)).not.toContain('old.thing');
    expect((await e2e.svix.eventType.list({ limit: 250, includeArchived: true })).data.map((e) => e.name)).toContain('old.thing');
  });

  it('refuses unknown or empty filterTypes with 422 and stores nothing', async () => {
    const app = await e2e.svix.application.create({ name: 'Filters' });
    const unknown = await apiError(e2e.svix.endpoint.create(app.id, { url: 'http://127.0.0.1:9/x', filterTypes: ['no.such.type'] }));
    expect(unknown.status).toBe(422);
    expect(unknown.body.detail[0]).toEqual({ loc: expect.any(Array), msg: expect.any(String), type: expect.any(String) });
    expect(JSON.stringify(unknown.body.detail)).toContain('filterTypes');

    const empty = await call(e2e.herald, 'POST', `/app/${app.id}/endpoint`, { body: { url: 'http://127.0.0.1:9/x', filterTypes: [] } });
    expect(empty.status).toBe(422);

    const ep = await e2e.svix.endpoint.create(app.id, { url: 'http://127.0.0.1:9/x', filterTypes: ['invoice.paid'] });
    const patch = await apiError(e2e.svix.endpoint.patch(app.id, ep.id, { filterTypes: ['invoice.paid', 'nope.nope'] }));
    expect(patch.status).toBe(422);
    expect((await e2e.svix.endpoint.get(app.id, ep.id)).filterTypes).toEqual(['invoice.paid']);
    expect((await e2e.svix.endpoint.list(app.id)).data).toHaveLength(1);
  });

  it('delivers a message only to endpoints whose filterTypes include its type, or that have none', async () => {
    const app = await e2e.svix.application.create({ name: 'Routing by type' });
    const paidOnly = await receiver();
    const everything = await receiver();
    const epPaid = await e2e.svix.endpoint.create(app.id, { url: paidOnly.url, filterTypes: ['invoice.paid'] });
    const epAll = await e2e.svix.endpoint.create(app.id, { url: everything.url });
    expect(epAll.filterTypes ?? null).toBeNull();

    const voided = await e2e.svix.message.create(app.id, { eventType: 'invoice.voided', payload: { n: 1 } });
    expect((await everything.next()).headers['webhook-id']).toBe(voided.id);
    const destinations = await e2e.svix.messageAttempt.listAttemptedDestinations(app.id, voided.id);
    expect(destinations.data.map((d) => d.id)).toEqual([epAll.id]);

    const paid = await e2e.svix.message.create(app.id, { eventType: 'invoice.paid', payload: { n: 2 } });
    expect((await paidOnly.next()).headers['webhook-id']).toBe(paid.id);
    expect((await everything.next()).headers['webhook-id']).toBe(paid.id);
    expect(paidOnly.requests.map((r) => r.headers['webhook-id'])).toEqual([paid.id]);
    expect(new Set((await e2e.svix.messageAttempt.listAttemptedDestinations(app.id, paid.id)).data.map((d) => d.id))).toEqual(
      new Set([epPaid.id, epAll.id]),
    );
  });
});
