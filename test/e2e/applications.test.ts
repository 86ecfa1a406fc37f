import { describe, expect, it } from 'vitest';
import { apiError, call, useHerald } from '../helpers/server.js';

describe('applications', () => {
  const e2e = useHerald();

  it('creates with 201 and answers the same app with 200 for get_if_exists', async () => {
    const created = await call(e2e.herald, 'POST', '/app', { body: { name: 'Acme', uid: 'acme' } });
    expect(created.status).toBe(201);
    expect(created.json).toMatchObject({ name: 'Acme', uid: 'acme', metadata: {} });
    expect(Date.parse(created.json.createdAt)).not.toBeNaN();
    expect(created.json.createdAt).toMatch(/(Z|[+-]\d\d:\d\d)$/);

    const again = await call(e2e.herald, 'POST', '/app?get_if_exists=true', { body: { name: 'Acme renamed', uid: 'acme' } });
    expect(again.status).toBe(200);
    expect(again.json.id).toBe(created.json.id);
    expect(again.json.name).toBe('Acme');

    const viaSdk = await e2e.svix.application.getOrCreate({ name: 'ignored', uid: 'acme' });
    expect(viaSdk.id).toBe(created.json.id);
    const fresh = await e2e.svix.application.getOrCreate({ name: 'Fresh', uid: 'fresh-co' });
    expect(fresh.id).not.toBe(created.json.id);
    expect(fresh.name).toBe('Fresh');
  });

  it('answers 409 for a second app with the same uid', async () => {
    const { status, body } = await apiError(e2e.svix.application.create({ name: 'Dup', uid: 'acme' }));
    expect(status).toBe(409);
    expect(body).toEqual({ code: expect.any(String), detail: expect.any(String) });
  });

  it('gets, updates and patches by id and by uid', async () => {
    const app = await e2e.svix.application.create({ name: 'Globex', uid: 'globex', metadata: { tier: 'gold' }, rateLimit: 100 });
    expect(app.metadata).toEqual({ tier: 'gold' });
    expect(app.rateLimit).toBe(100);

    expect((await e2e.svix.application.get(app.id)).uid).toBe('globex');
    expect((await e2e.svix.application.get('globex')).id).toBe(app.id);

    const updated = await e2e.svix.application.update('globex', { name: 'Globex Corp', uid: 'globex', metadata: { tier: 'silver' } });
    expect(updated).toMatchObject({ id: app.id, name: 'Globex Corp', metadata: { tier: 'silver' } });
    expect(updated.updatedAt.getTime()).toBeGreaterThanOrEqual(app.updatedAt.getTime());

    const patched = await e2e.svix.application.patch(app.id, { name: 'Globex Inc' });
    expect(patched).toMatchObject({ id: app.id, uid: 'globex', name: 'Globex Inc', metadata: { tier: 'silver' } });
    expect((await e2e.svix.application.get('globex')).name).toBe('Globex Inc');
  });

  it('lists every app once across pages of the chosen size', async () => {
    for (let i = 0; i < 5; i++) await e2e.svix.application.create({ name: `Paged ${i}` });
    const all = await e2e.svix.application.list({ limit: 250 });
    expect(all.done).toBe(true);

    const seen: string[] = [];
    let iterator: string | null | undefined = undefined;
    for (let page = 0; page < 50; page++) {
      const res = await e2e.svix.application.list({ limit: 2, iterator });
      expect(res.data.length).toBeLessThanOrEqual(2);
      seen.push(...res.data.map((a) => a.id));
      if (res.done) break;
      iterator = res.iterator;
      expect(typeof iterator).toBe('string');
    }
    expect(seen).toHaveLength(all.data.length);
    expect(new Set(seen).size).toBe(seen.length);
    expect(new Set(seen)).toEqual(new Set(all.data.map((a) => a.id)));

    const raw = await call(e2e.herald, 'GET', '/app?limit=1');
    expect(raw.status).toBe(200);
    expect(raw.json).toMatchObject({ done: false, data: [expect.any(Object)] });
    expect(raw.json).toHaveProperty('iterator');
    expect(raw.json).toHaveProperty('prevIterator');
  });

  it('deletes by uid with 204, after which the app is 404 everywhere', async () => {
    const app = await e2e.svix.application.create({ name: 'Doomed', uid: 'doomed' });
    const res = await call(e2e.herald, 'DELETE', '/app/doomed');
    expect(res.status).toBe(204);
    expect(res.text).toBe('');
    for (const ref of [app.id, 'doomed']) {
      const { status, body } = await apiError(e2e.svix.application.get(ref));
      expect(status).toBe(404);
      expect(body).toEqual({ code: expect.any(String), detail: expect.any(String) });
    }
    expect((await apiError(e2e.svix.endpoint.list(app.id))).status).toBe(404);
    expect((await apiError(e2e.svix.message.create(app.id, { eventType: 'x.y', payload: {} }))).status).toBe(404);
    expect((await e2e.svix.application.list({ limit: 250 })).data.map((a) => a.id)).not.toContain(app.id);
  });
});
