import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FakeClock, openTestApi, testAdminToken, type TestApi } from '../../test/helpers/api.js';
import { hashToken } from '../domain/tokens.js';
import { idempotencyInProgressTtlMs } from '../store/driver.js';

let api: TestApi;
let clock: FakeClock;
beforeEach(async () => {
  clock = new FakeClock();
  api = await openTestApi({}, clock);
});
afterEach(async () => {
  await api.close();
});

const post = (url: string, body: unknown, key?: string, token = testAdminToken) =>
  api.raw({
    method: 'POST',
    url,
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', ...(key === undefined ? {} : { 'idempotency-key': key }) },
    payload: JSON.stringify(body),
  });
const appCount = async () => (await api.call('GET', '/api/v1/app?limit=250', 200)).data.length;

describe('Idempotency-Key', () => {
  it('replays the first answer (status, body, content type) and marks it replayed', async () => {
    const first = await post('/api/v1/app', { name: 'A' }, 'k1');
    expect(first.statusCode).toBe(201);
    expect(first.headers['idempotent-replayed']).toBeUndefined();
    clock.advance(60_000);
    const second = await post('/api/v1/app', { name: 'A' }, 'k1');
    expect(second.statusCode).toBe(201);
    expect(second.body).toBe(first.body);
    expect(second.headers['content-type']).toBe(first.headers['content-type']);
    expect(second.headers['idempotent-replayed']).toBe('true');
    expect(await appCount()).toBe(1);
  });

  it('runs requests with different keys, or without a key, each time', async () => {
    await post('/api/v1/app', { name: 'A' }, 'k1');
    await post('/api/v1/app', { name: 'A' }, 'k2');
    await post('/api/v1/app', { name: 'A' });
    await post('/api/v1/app', { name: 'A' });
    expect(await appCount()).toBe(4);
  });

  it('scopes a key to its route and to the caller', async () => {
    const app = (await post('/api/v1/app', { name: 'A' }, 'shared')).json();
    const eventType = await post('/api/v1/event-type', { name: 'e', description: '' }, 'shared');
    expect(eventType.statusCode).toBe(201);
    expect(eventType.json().name).toBe('e');
    const appId = app.id;
    const portal = (await api.call('POST', `/api/v1/auth/app-portal-access/${appId}`, 200, {})).token;
    // The same key from another token is another request (here refused: portal tokens cannot create apps).
    expect((await post('/api/v1/app', { name: 'A' }, 'shared', portal)).statusCode).toBe(403);
  });

  it('stores no error answer, so a fixed request may reuse the key', async () => {
    expect((await post('/api/v1/app', { name: 5 }, 'k1')).statusCode).toBe(422);
    await api.call('POST', '/api/v1/app', 201, { name: 'A', uid: 'taken' });
    expect((await post('/api/v1/app', { name: 'B', uid: 'taken' }, 'k2')).statusCode).toBe(409);
    expect((await post('/api/v1/app', { name: 'A' }, 'k1')).statusCode).toBe(201);
    expect((await post('/api/v1/app', { name: 'B', uid: 'free' }, 'k2')).statusCode).toBe(201);
    expect(await appCount()).toBe(3);
  });

  it('answers 409 while a request with the same key is still running', async () => {
    const scope = `${hashToken(`Bearer ${testAdminToken}`)}:POST /api/v1/app:busy`;
    const now = clock.now();
    expect(await api.store.idempotencyBegin({ key: scope, now, expiresBefore: new Date(now.getTime() - 1) })).toEqual({ state: 'new' });
    const res = await post('/api/v1/app', { name: 'A' }, 'busy');
    expect(res.statusCode).toBe(409);
    expect(res.json()).toEqual({ code: 'conflict', detail: expect.stringContaining('in progress') });
    expect(await appCount()).toBe(0);
  });

  it('runs the request again once a key has been in progress longer than a live request takes (its process died)', async () => {
    const scope = `${hashToken(`Bearer ${testAdminToken}`)}:POST /api/v1/app:crashed`;
    const now = clock.now();
    await api.store.idempotencyBegin({ key: scope, now, expiresBefore: new Date(now.getTime() - 1) });
    clock.advance(idempotencyInProgressTtlMs);
    expect((await post('/api/v1/app', { name: 'A' }, 'crashed')).statusCode).toBe(409);
    clock.advance(1);
    const taken = await post('/api/v1/app', { name: 'A' }, 'crashed');
    expect(taken.statusCode).toBe(201);
    clock.advance(60_000);
    expect((await post('/api/v1/app', { name: 'A' }, 'crashed')).body).toBe(taken.body);
    expect(await appCount()).toBe(1);
  });

  it('forgets a key after 24 hours', async () => {
    await post('/api/v1/app', { name: 'A' }, 'k1');
    clock.advance(24 * 60 * 60 * 1000 + 1);
    const again = await post('/api/v1/app', { name: 'A' }, 'k1');
    expect(again.statusCode).toBe(201);
    expect(again.headers['idempotent-replayed']).toBeUndefined();
    expect(await appCount()).toBe(2);
  });

  it('still answers the completed request when recording its key fails', async () => {
    api.store.idempotencyComplete = async () => {
      throw new Error('disk full');
    };
    const res = await post('/api/v1/app', { name: 'A' }, 'k1');
    expect(res.statusCode).toBe(201);
    expect(await appCount()).toBe(1);
  });

  it('ignores the header on methods other than POST', async () => {
    await api.call('POST', '/api/v1/app', 201, { name: 'A', uid: 'a' });
    const headers = { 'idempotency-key': 'k1' };
    await api.call('PATCH', '/api/v1/app/a', 200, { name: 'B' }, { headers });
    expect((await api.call('PATCH', '/api/v1/app/a', 200, { name: 'C' }, { headers })).name).toBe('C');
  });

  it('replays a 200 answer too (get_if_exists)', async () => {
    await api.call('POST', '/api/v1/app', 201, { name: 'A', uid: 'a' });
    const first = await post('/api/v1/app?get_if_exists=true', { name: 'A', uid: 'a' }, 'k1');
    expect(first.statusCode).toBe(200);
    const second = await post('/api/v1/app?get_if_exists=true', { name: 'A', uid: 'a' }, 'k1');
    expect([second.statusCode, second.body]).toEqual([200, first.body]);
  });
});
