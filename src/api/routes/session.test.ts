import { beforeEach, describe, expect, it } from 'vitest';
import { testAdminToken, useTestApi } from '../../../test/helpers/api.js';

const t = useTestApi();
let mine: string;
let theirs: string;
beforeEach(async () => {
  mine = (await t.api.call('POST', '/api/v1/app', 201, { name: 'mine', uid: 'mine' })).id;
  theirs = (await t.api.call('POST', '/api/v1/app', 201, { name: 'theirs', uid: 'theirs' })).id;
});

const write = (surface: string) => ({ 'x-herald-session': surface });

/** Signs in and returns the `name=value` of the cookie Herald set. */
async function signIn(surface: 'console' | 'portal', token: string): Promise<string> {
  const res = await t.api.raw({ method: 'POST', url: `/session/${surface}`, headers: write(surface), payload: { token } });
  expect(res.statusCode, res.body).toBe(200);
  const setCookie = String(res.headers['set-cookie']);
  expect(setCookie).toMatch(/; HttpOnly; SameSite=Strict/);
  return setCookie.split(';')[0]!;
}

async function portalCookie(app: string, body: Record<string, unknown> = {}): Promise<string> {
  const { token } = await t.api.call('POST', `/api/v1/auth/app-portal-access/${app}`, 200, body);
  return signIn('portal', token);
}

describe('console session', () => {
  it('exchanges the admin token for a cookie that the API accepts instead of a Bearer token', async () => {
    const cookie = await signIn('console', testAdminToken);
    const apps = await t.api.call('GET', '/api/v1/app', 200, undefined, { token: null, headers: { cookie } });
    expect(apps.data).toHaveLength(2);
    const who = await t.api.call('GET', '/session/console', 200, undefined, { token: null, headers: { cookie } });
    expect(who.kind).toBe('admin');
  });

  it('refuses a wrong token, and a portal token, with 401', async () => {
    const res = await t.api.raw({ method: 'POST', url: '/session/console', headers: write('console'), payload: { token: 'nope' } });
    expect(res.statusCode).toBe(401);
    const { token } = await t.api.call('POST', `/api/v1/auth/app-portal-access/${mine}`, 200, {});
    const res2 = await t.api.raw({ method: 'POST', url: '/session/console', headers: write('console'), payload: { token } });
    expect(res2.statusCode).toBe(401);
  });

  it('refuses cookie-authenticated writes without X-Herald-Session, or from another origin (CSRF)', async () => {
    const cookie = await signIn('console', testAdminToken);
    await t.api.call('POST', '/api/v1/app', 403, { name: 'x' }, { token: null, headers: { cookie } });
    await t.api.call('POST', '/api/v1/app', 403, { name: 'x' }, { token: null, headers: { cookie, ...write('console'), origin: 'https://evil.example' } });
    await t.api.call('POST', '/api/v1/app', 201, { name: 'x' }, { token: null, headers: { cookie, ...write('console'), origin: 'http://localhost:80' } });
    const signInRes = await t.api.raw({ method: 'POST', url: '/session/console', payload: { token: testAdminToken } });
    expect(signInRes.statusCode).toBe(403);
  });

  it('answers 401 for a forged or expired cookie, and signs out by clearing the cookie', async () => {
    const cookie = await signIn('console', testAdminToken);
    const [, , mac] = cookie.split('.');
    const longer = Buffer.from(JSON.stringify({ k: 'admin', e: t.clock.now().getTime() + 1e12 })).toString('base64url');
    const forged = `herald_console=v1.${longer}.${mac}`;
    await t.api.call('GET', '/api/v1/app', 401, undefined, { token: null, headers: { cookie: forged } });
    const out = await t.api.raw({ method: 'DELETE', url: '/session/console', headers: { cookie, ...write('console') } });
    expect(out.statusCode).toBe(204);
    expect(String(out.headers['set-cookie'])).toMatch(/^herald_console=; Path=\/; Max-Age=0/);
    t.clock.advance(12 * 3600 * 1000 + 1);
    await t.api.call('GET', '/api/v1/app', 401, undefined, { token: null, headers: { cookie } });
  });
});

describe('portal session', () => {
  it('confines the cookie to its application: another tenant is 404, org routes are 403', async () => {
    const cookie = await portalCookie(mine);
    const opts = { token: null, headers: { cookie } };
    expect((await t.api.call('GET', `/api/v1/app/${mine}`, 200, undefined, opts)).id).toBe(mine);
    await t.api.call('GET', `/api/v1/app/${theirs}`, 404, undefined, opts);
    await t.api.call('GET', `/api/v1/app/${theirs}/endpoint`, 404, undefined, opts);
    await t.api.call('GET', '/api/v1/app', 403, undefined, opts);
    await t.api.call('POST', `/api/v1/app/${theirs}/endpoint`, 404, { url: 'https://example.com/h' }, { token: null, headers: { cookie, ...write('portal') } });
    await t.api.call('POST', `/api/v1/app/${mine}/endpoint`, 201, { url: 'https://example.com/h' }, { token: null, headers: { cookie, ...write('portal') } });
    await t.api.call('GET', '/api/v1/inspector/bin', 403, undefined, opts);
  });

  it('keeps a read-only link read-only, and ends no later than the link', async () => {
    const cookie = await portalCookie(mine, { readOnly: true, expiry: 3600 });
    const who = await t.api.call('GET', '/session/portal', 200, undefined, { token: null, headers: { cookie } });
    expect(who).toMatchObject({ kind: 'app', appId: mine, readOnly: true, expiresAt: new Date(t.clock.now().getTime() + 3600_000).toISOString() });
    await t.api.call('POST', `/api/v1/app/${mine}/endpoint`, 403, { url: 'https://example.com/h' }, { token: null, headers: { cookie, ...write('portal') } });
    t.clock.advance(3600_000);
    await t.api.call('GET', `/api/v1/app/${mine}`, 401, undefined, { token: null, headers: { cookie } });
  });

  it('uses the cookie X-Herald-Session names when a browser holds both', async () => {
    const both = `${await signIn('console', testAdminToken)}; ${await portalCookie(mine)}`;
    await t.api.call('GET', '/api/v1/app', 200, undefined, { token: null, headers: { cookie: both } });
    await t.api.call('GET', '/api/v1/app', 403, undefined, { token: null, headers: { cookie: both, ...write('portal') } });
  });

  it('refuses an unknown link token with 401', async () => {
    const res = await t.api.raw({ method: 'POST', url: '/session/portal', headers: write('portal'), payload: { token: 'herald_portal_nope' } });
    expect(res.statusCode).toBe(401);
    expect(res.json().detail).toMatch(/unknown or has expired/);
  });
});
