import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openTestApi, testAdminToken, type TestApi } from '../../test/helpers/api.js';

let api: TestApi;
let appId: string;
let otherAppId: string;
let portal: string;
beforeEach(async () => {
  api = await openTestApi();
  appId = (await api.call('POST', '/api/v1/app', 201, { name: 'mine' })).id;
  otherAppId = (await api.call('POST', '/api/v1/app', 201, { name: 'other' })).id;
  portal = (await api.call('POST', `/api/v1/auth/app-portal-access/${appId}`, 200, {})).token;
});
afterEach(async () => {
  await api.close();
});

const get = (url: string, authorization?: string) => api.raw({ method: 'GET', url, headers: authorization === undefined ? {} : { authorization } });

describe('authentication', () => {
  it('lets GET /api/v1/health through without a token', async () => {
    expect((await get('/api/v1/health')).statusCode).toBe(204);
  });

  it('answers 401 {code, detail} without an Authorization header', async () => {
    const res = await get('/api/v1/app');
    expect(res.statusCode).toBe(401);
    expect(res.json()).toEqual({ code: 'authentication_failed', detail: expect.stringContaining('Bearer') });
  });

  it.each([
    ['another scheme', `Basic ${testAdminToken}`],
    ['a scheme without a token', 'Bearer'],
    ['a wrong admin token', 'Bearer herald_admin_test_token_0123456788'],
    ['a token of another length', 'Bearer x'],
    ['an unknown portal token', 'Bearer herald_portal_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA'],
    ['two tokens', `Bearer ${testAdminToken} ${testAdminToken}`],
  ])('answers 401 for %s', async (_what, authorization) => {
    const res = await get('/api/v1/app', authorization);
    expect(res.statusCode).toBe(401);
    expect(res.json().code).toBe('authentication_failed');
  });

  it('accepts the admin token, whatever the case of "Bearer"', async () => {
    expect((await get('/api/v1/app', `Bearer ${testAdminToken}`)).statusCode).toBe(200);
    expect((await get('/api/v1/app', `bearer ${testAdminToken}`)).statusCode).toBe(200);
  });

  it('confines a portal token to its app: its own app 200, another app 404, org routes 403', async () => {
    expect((await get(`/api/v1/app/${appId}`, `Bearer ${portal}`)).statusCode).toBe(200);
    expect((await get(`/api/v1/app/${otherAppId}`, `Bearer ${portal}`)).json()).toMatchObject({ code: 'not_found' });
    expect((await get(`/api/v1/app/${otherAppId}/msg`, `Bearer ${portal}`)).statusCode).toBe(404);
    const org = await get('/api/v1/app', `Bearer ${portal}`);
    expect(org.statusCode).toBe(403);
    expect(org.json()).toEqual({ code: 'insufficient_access', detail: expect.any(String) });
  });

  it('stops accepting a portal token once its app is deleted', async () => {
    await api.call('DELETE', `/api/v1/app/${appId}`, 204);
    expect((await get(`/api/v1/app/${appId}`, `Bearer ${portal}`)).statusCode).toBe(401);
  });

  it('checks the token before reading the body: bad JSON or an oversize body without a token is 401', async () => {
    const bad = await api.raw({ method: 'POST', url: '/api/v1/app', headers: { 'content-type': 'application/json' }, payload: '{' });
    expect(bad.statusCode).toBe(401);
    const big = await api.raw({ method: 'POST', url: '/api/v1/app', headers: { 'content-type': 'application/json' }, payload: JSON.stringify({ name: 'x'.repeat(2_000_000) }) });
    expect(big.statusCode).toBe(401);
  });

  it.each([['//api/v1/event-type'], ['//api/v1/app'], ['/api//v1/app'], ['/api/v1/event-type/'], [`//api/v1/app/${'x'}/msg`]])(
    'cannot be dodged with extra slashes: %s is 401 without a token',
    async (url) => {
      const res = await get(url);
      expect(res.statusCode).toBe(401);
      expect(res.json().code).toBe('authentication_failed');
    },
  );

  it('answers 401 for an unknown route without a token, and 404 {code, detail} with one', async () => {
    expect((await get('/api/v1/nowhere')).statusCode).toBe(401);
    const res = await get('/api/v1/nowhere', `Bearer ${testAdminToken}`);
    expect(res.statusCode).toBe(404);
    expect(res.json()).toEqual({ code: 'not_found', detail: expect.any(String) });
  });
});
