import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FakeClock, openTestApi, testAdminToken, type TestApi } from '../../../test/helpers/api.js';

const appKeys = ['createdAt', 'id', 'metadata', 'name', 'rateLimit', 'throttleRate', 'uid', 'updatedAt'];
const appId = /^app_[0-9A-Za-z]{27}$/;

let api: TestApi;
let clock: FakeClock;
beforeEach(async () => {
  clock = new FakeClock();
  api = await openTestApi({}, clock);
});
afterEach(async () => {
  await api.close();
});

const listApps = async () => (await api.call('GET', '/api/v1/app?limit=250', 200)).data;
const portalToken = async (app: string): Promise<string> => (await api.call('POST', `/api/v1/auth/app-portal-access/${app}`, 200, {})).token;

/** Runs `fn` (which must fail) and asserts that the application list is unchanged after it. */
async function unchangedAfter(fn: () => Promise<unknown>): Promise<void> {
  const before = await listApps();
  await fn();
  expect(await listApps()).toEqual(before);
}

describe('POST /app', () => {
  it('creates an application: 201 with every ApplicationOut field', async () => {
    const out = await api.call('POST', '/api/v1/app', 201, { name: 'Acme' });
    expect(Object.keys(out).sort()).toEqual(appKeys);
    expect(out).toMatchObject({ name: 'Acme', uid: null, rateLimit: null, throttleRate: null, metadata: {} });
    expect(out.id).toMatch(appId);
    expect(out.createdAt).toBe('2026-01-01T00:00:00.000Z');
    expect(out.updatedAt).toBe(out.createdAt);
  });

  it('keeps uid, metadata and the rate (throttleRate or the deprecated rateLimit)', async () => {
    const a = await api.call('POST', '/api/v1/app', 201, { name: 'A', uid: 'acme.prod', metadata: { tier: 'gold' }, throttleRate: 20 });
    expect(a).toMatchObject({ uid: 'acme.prod', metadata: { tier: 'gold' }, throttleRate: 20, rateLimit: 20 });
    const b = await api.call('POST', '/api/v1/app', 201, { name: 'B', rateLimit: 7 });
    expect(b).toMatchObject({ throttleRate: 7, rateLimit: 7 });
  });

  it('answers 409 for a uid that exists, and stores nothing', async () => {
    await api.call('POST', '/api/v1/app', 201, { name: 'A', uid: 'acme' });
    await unchangedAfter(async () => {
      const err = await api.call('POST', '/api/v1/app', 409, { name: 'B', uid: 'acme' });
      expect(err).toEqual({ code: 'conflict', detail: expect.any(String) });
    });
  });

  it('answers 200 with the existing app when get_if_exists=true and the uid exists', async () => {
    const first = await api.call('POST', '/api/v1/app', 201, { name: 'A', uid: 'acme' });
    await unchangedAfter(async () => {
      expect(await api.call('POST', '/api/v1/app?get_if_exists=true', 200, { name: 'other name', uid: 'acme' })).toEqual(first);
    });
  });

  it('creates (201) when get_if_exists=true and the uid is new', async () => {
    const out = await api.call('POST', '/api/v1/app?get_if_exists=true', 201, { name: 'A', uid: 'fresh' });
    expect(out.uid).toBe('fresh');
  });

  it('answers 400 {code, detail} for a body that is not JSON', async () => {
    await unchangedAfter(async () => {
      const err = await api.call('POST', '/api/v1/app', 400, undefined, { rawBody: '{"name": ' });
      expect(err).toEqual({ code: 'bad_request', detail: expect.stringContaining('not valid JSON') });
    });
  });

  it('answers 415 for a body that is not sent as JSON', async () => {
    await unchangedAfter(async () => {
      const err = await api.call('POST', '/api/v1/app', 415, undefined, { rawBody: 'name=A', headers: { 'content-type': 'text/plain' } });
      expect(err).toEqual({ code: 'unsupported_media_type', detail: expect.any(String) });
    });
  });

  it('answers 422 for a number where the name belongs (no coercion)', async () => {
    await unchangedAfter(async () => {
      const err = await api.call('POST', '/api/v1/app', 422, { name: 42 });
      expect(err.detail).toEqual([{ loc: ['body', 'name'], msg: expect.any(String), type: expect.any(String) }]);
    });
  });

  it('reports one item for a bad nullable field, not one per branch of its union', async () => {
    const err = await api.call('POST', '/api/v1/app', 422, { name: 'A', uid: 5 });
    expect(err.detail).toEqual([{ loc: ['body', 'uid'], msg: 'must be string', type: 'value_error.type' }]);
  });

  it('answers 422 naming the missing name', async () => {
    const err = await api.call('POST', '/api/v1/app', 422, { uid: 'x' });
    expect(err.detail).toEqual([{ loc: ['body', 'name'], msg: expect.any(String), type: 'value_error.required' }]);
  });

  it.each([
    ['an empty name', { name: '' }, ['body', 'name']],
    ['a uid with a space', { name: 'A', uid: 'a b' }, ['body', 'uid']],
    ['a uid longer than 256', { name: 'A', uid: 'u'.repeat(257) }, ['body', 'uid']],
    ['a non-string metadata value', { name: 'A', metadata: { n: 1 } }, ['body', 'metadata', 'n']],
    ['a number in metadata under a key with a line break', { name: 'A', metadata: { 'a\nb': 5 } }, ['body', 'metadata', 'a\nb']],
    ['a rate of 0', { name: 'A', throttleRate: 0 }, ['body', 'throttleRate']],
    ['a string rate', { name: 'A', rateLimit: '5' }, ['body', 'rateLimit']],
  ])('answers 422 for %s', async (_what, body, loc) => {
    await unchangedAfter(async () => {
      const err = await api.call('POST', '/api/v1/app', 422, body);
      expect(err.detail.map((d: { loc: string[] }) => d.loc)).toContainEqual(loc);
    });
  });

  it('answers 422 for a uid that looks like an app id', async () => {
    await unchangedAfter(async () => {
      const err = await api.call('POST', '/api/v1/app', 422, { name: 'A', uid: 'app_2abc' });
      expect(err.detail[0].loc).toEqual(['body', 'uid']);
    });
  });

  it('answers 413 for a body over the size limit', async () => {
    const small = await openTestApi({ HERALD_MAX_PAYLOAD_BYTES: '1024' });
    try {
      const err = await small.call('POST', '/api/v1/app', 413, { name: 'A', metadata: { big: 'x'.repeat(2000) } });
      expect(err).toEqual({ code: 'payload_too_large', detail: expect.any(String) });
      expect((await small.call('GET', '/api/v1/app', 200)).data).toEqual([]);
    } finally {
      await small.close();
    }
  });

  it('answers 401 without a token or with a wrong one', async () => {
    await unchangedAfter(async () => {
      expect(await api.call('POST', '/api/v1/app', 401, { name: 'A' }, { token: null })).toMatchObject({ code: 'authentication_failed' });
      await api.call('POST', '/api/v1/app', 401, { name: 'A' }, { token: 'herald_admin_wrong' });
    });
  });

  it('answers 403 to a portal token (an org route)', async () => {
    const a = await api.call('POST', '/api/v1/app', 201, { name: 'A' });
    const token = await portalToken(a.id);
    await unchangedAfter(async () => {
      expect(await api.call('POST', '/api/v1/app', 403, { name: 'B' }, { token })).toMatchObject({ code: 'insufficient_access' });
    });
  });

  it('replays the first answer for a repeated Idempotency-Key and creates one app', async () => {
    const headers = { 'idempotency-key': 'create-acme-1' };
    const first = await api.call('POST', '/api/v1/app', 201, { name: 'Acme' }, { headers });
    const second = await api.call('POST', '/api/v1/app', 201, { name: 'Acme' }, { headers });
    expect(second).toEqual(first);
    expect(await listApps()).toHaveLength(1);
  });
});

describe('GET /app', () => {
  it('lists applications oldest first in the Svix list shape', async () => {
    const a = await api.call('POST', '/api/v1/app', 201, { name: 'A' });
    clock.advance(1);
    const b = await api.call('POST', '/api/v1/app', 201, { name: 'B' });
    const page = await api.call('GET', '/api/v1/app', 200);
    expect(page).toEqual({ data: [a, b], iterator: null, prevIterator: null, done: true });
  });

  it('pages with limit and iterator', async () => {
    const created = [];
    for (let i = 0; i < 3; i++) {
      clock.advance(1);
      created.push(await api.call('POST', '/api/v1/app', 201, { name: `A${i}` }));
    }
    const p1 = await api.call('GET', '/api/v1/app?limit=2', 200);
    expect(p1.data.map((a: { id: string }) => a.id)).toEqual([created[0].id, created[1].id]);
    expect(p1.done).toBe(false);
    const p2 = await api.call('GET', `/api/v1/app?limit=2&iterator=${p1.iterator}`, 200);
    expect(p2.data.map((a: { id: string }) => a.id)).toEqual([created[2].id]);
    expect(p2.done).toBe(true);
    const desc = await api.call('GET', '/api/v1/app?order=descending', 200);
    expect(desc.data[0].id).toBe(created[2].id);
  });

  it.each([['limit=0'], ['limit=251'], ['limit=ten'], ['order=sideways']])('answers 422 for %s', async (query) => {
    const err = await api.call('GET', `/api/v1/app?${query}`, 422);
    expect(err.detail[0].loc[0]).toBe('query');
  });

  it('answers 401 without a token and 403 to a portal token', async () => {
    const a = await api.call('POST', '/api/v1/app', 201, { name: 'A' });
    await api.call('GET', '/api/v1/app', 401, undefined, { token: null });
    await api.call('GET', '/api/v1/app', 403, undefined, { token: await portalToken(a.id) });
  });
});

describe('GET /app/{app_id}', () => {
  it('finds an application by id and by uid', async () => {
    const a = await api.call('POST', '/api/v1/app', 201, { name: 'A', uid: 'acme' });
    expect(await api.call('GET', `/api/v1/app/${a.id}`, 200)).toEqual(a);
    expect(await api.call('GET', '/api/v1/app/acme', 200)).toEqual(a);
  });

  it('answers 404 for an unknown id or uid', async () => {
    expect(await api.call('GET', '/api/v1/app/app_2zzzzzzzzzzzzzzzzzzzzzzzzzz', 404)).toMatchObject({ code: 'not_found' });
    await api.call('GET', '/api/v1/app/nope', 404);
  });

  it('lets a portal token read its own app and answers 404 for another one', async () => {
    const a = await api.call('POST', '/api/v1/app', 201, { name: 'A' });
    const b = await api.call('POST', '/api/v1/app', 201, { name: 'B', uid: 'bee' });
    const token = await portalToken(a.id);
    expect(await api.call('GET', `/api/v1/app/${a.id}`, 200, undefined, { token })).toEqual(a);
    await api.call('GET', `/api/v1/app/${b.id}`, 404, undefined, { token });
    await api.call('GET', '/api/v1/app/bee', 404, undefined, { token });
  });

  it('answers 401 without a token', async () => {
    const a = await api.call('POST', '/api/v1/app', 201, { name: 'A' });
    await api.call('GET', `/api/v1/app/${a.id}`, 401, undefined, { token: null });
  });
});

describe('PUT /app/{app_id}', () => {
  it('replaces the fields and answers 200; an absent uid keeps the current one', async () => {
    const a = await api.call('POST', '/api/v1/app', 201, { name: 'A', uid: 'acme', metadata: { k: 'v' }, throttleRate: 5 });
    const out = await api.call('PUT', '/api/v1/app/acme', 200, { name: 'A2' });
    expect(out).toMatchObject({ id: a.id, name: 'A2', uid: 'acme', metadata: {}, throttleRate: null, createdAt: a.createdAt });
    expect(await api.call('GET', `/api/v1/app/${a.id}`, 200)).toEqual(out);
    const cleared = await api.call('PUT', `/api/v1/app/${a.id}`, 200, { name: 'A3', uid: null });
    expect(cleared.uid).toBeNull();
  });

  it('creates the application (201) when the uid in the path is new', async () => {
    const out = await api.call('PUT', '/api/v1/app/new-tenant', 201, { name: 'New' });
    expect(out).toMatchObject({ name: 'New', uid: 'new-tenant' });
    expect(await api.call('GET', '/api/v1/app/new-tenant', 200)).toEqual(out);
  });

  it.each([['has%20space%21'], ['app_not-an-id'], ['a'.repeat(257)]])('answers 422 at the path and creates nothing when the unknown %s cannot be a uid', async (path) => {
    await unchangedAfter(async () => {
      expect((await api.call('PUT', `/api/v1/app/${path}`, 422, { name: 'X' })).detail.map((d: { loc: string[] }) => d.loc)).toEqual([['path', 'app_id']]);
      await api.call('PUT', `/api/v1/app/${path}`, 422, { name: 'X', uid: 'fine' });
    });
  });

  it('answers 404 for an unknown app id (ids cannot be chosen)', async () => {
    await unchangedAfter(() => api.call('PUT', '/api/v1/app/app_2zzzzzzzzzzzzzzzzzzzzzzzzzz', 404, { name: 'X' }));
  });

  it('answers 409 when the new uid belongs to another app, and changes nothing', async () => {
    await api.call('POST', '/api/v1/app', 201, { name: 'A', uid: 'a' });
    await api.call('POST', '/api/v1/app', 201, { name: 'B', uid: 'b' });
    await unchangedAfter(() => api.call('PUT', '/api/v1/app/b', 409, { name: 'B', uid: 'a' }));
  });

  it('answers 400, 422, 401 and 403 for bad requests without changing anything', async () => {
    const a = await api.call('POST', '/api/v1/app', 201, { name: 'A', uid: 'a' });
    const token = await portalToken(a.id);
    await unchangedAfter(async () => {
      await api.call('PUT', '/api/v1/app/a', 400, undefined, { rawBody: 'nope' });
      expect((await api.call('PUT', '/api/v1/app/a', 422, { name: 1 })).detail[0].loc).toEqual(['body', 'name']);
      expect((await api.call('PUT', '/api/v1/app/a', 422, {})).detail[0].loc).toEqual(['body', 'name']);
      expect((await api.call('PUT', '/api/v1/app/a', 422, { name: 'A', uid: 'app_x' })).detail[0].loc).toEqual(['body', 'uid']);
      await api.call('PUT', '/api/v1/app/a', 401, { name: 'A' }, { token: null });
      await api.call('PUT', '/api/v1/app/a', 403, { name: 'A' }, { token });
    });
  });
});

describe('PATCH /app/{app_id}', () => {
  it('changes only the fields given', async () => {
    const a = await api.call('POST', '/api/v1/app', 201, { name: 'A', uid: 'acme', metadata: { k: 'v' }, throttleRate: 5 });
    const out = await api.call('PATCH', `/api/v1/app/${a.id}`, 200, { name: 'Renamed' });
    expect(out).toMatchObject({ name: 'Renamed', uid: 'acme', metadata: { k: 'v' }, throttleRate: 5, rateLimit: 5 });
    const out2 = await api.call('PATCH', '/api/v1/app/acme', 200, { uid: null, throttleRate: null, metadata: {} });
    expect(out2).toMatchObject({ name: 'Renamed', uid: null, throttleRate: null, metadata: {} });
    expect(await api.call('GET', `/api/v1/app/${a.id}`, 200)).toEqual(out2);
  });

  it('answers 404, 409, 422, 400, 401 and 403 without changing anything', async () => {
    const a = await api.call('POST', '/api/v1/app', 201, { name: 'A', uid: 'a' });
    await api.call('POST', '/api/v1/app', 201, { name: 'B', uid: 'b' });
    const token = await portalToken(a.id);
    await unchangedAfter(async () => {
      await api.call('PATCH', '/api/v1/app/nope', 404, { name: 'X' });
      await api.call('PATCH', '/api/v1/app/a', 409, { uid: 'b' });
      expect((await api.call('PATCH', '/api/v1/app/a', 422, { name: false })).detail[0].loc).toEqual(['body', 'name']);
      expect((await api.call('PATCH', '/api/v1/app/a', 422, { uid: 'app_y' })).detail[0].loc).toEqual(['body', 'uid']);
      // A line break in a key must not let a non-string value through (TypeBox's Record did).
      expect((await api.call('PATCH', '/api/v1/app/a', 422, { metadata: { 'a\nb': 5 } })).detail[0].loc).toEqual(['body', 'metadata', 'a\nb']);
      expect((await api.call('PUT', '/api/v1/app/a', 422, { name: 'A', metadata: { 'a\nb': 5 } })).detail[0].loc).toEqual(['body', 'metadata', 'a\nb']);
      await api.call('PATCH', '/api/v1/app/a', 400, undefined, { rawBody: '{' });
      await api.call('PATCH', '/api/v1/app/a', 401, { name: 'X' }, { token: null });
      await api.call('PATCH', '/api/v1/app/a', 403, { name: 'X' }, { token });
    });
  });
});

describe('DELETE /app/{app_id}', () => {
  it('deletes the application: 204 with no body, then 404', async () => {
    const a = await api.call('POST', '/api/v1/app', 201, { name: 'A', uid: 'acme' });
    const res = await api.raw({ method: 'DELETE', url: '/api/v1/app/acme', headers: { authorization: `Bearer ${testAdminToken}` } });
    expect(res.statusCode).toBe(204);
    expect(res.body).toBe('');
    await api.call('GET', `/api/v1/app/${a.id}`, 404);
    expect(await listApps()).toEqual([]);
  });

  it('answers 404 for an unknown app, 401 without a token and 403 to a portal token', async () => {
    const a = await api.call('POST', '/api/v1/app', 201, { name: 'A' });
    const token = await portalToken(a.id);
    await unchangedAfter(async () => {
      await api.call('DELETE', '/api/v1/app/nope', 404);
      await api.call('DELETE', `/api/v1/app/${a.id}`, 401, undefined, { token: null });
      await api.call('DELETE', `/api/v1/app/${a.id}`, 403, undefined, { token });
    });
  });
});
