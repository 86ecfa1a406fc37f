import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FakeClock, openTestApi, type TestApi } from '../../../test/helpers/api.js';
import { hashToken } from '../../domain/tokens.js';

let api: TestApi;
let clock: FakeClock;
let appId: string;
beforeEach(async () => {
  clock = new FakeClock();
  api = await openTestApi({}, clock);
  appId = (await api.call('POST', '/api/v1/app', 201, { name: 'tenant', uid: 'tenant' })).id;
});
afterEach(async () => {
  await api.close();
});

const listApps = async () => (await api.call('GET', '/api/v1/app?limit=250', 200)).data;
const access = (app: string, body: unknown, status = 200, opts: Parameters<TestApi['call']>[4] = {}) =>
  api.call('POST', `/api/v1/auth/app-portal-access/${app}`, status, body, opts);

describe('POST /auth/app-portal-access/{app_id}', () => {
  it('answers 200 {url, token}: an absolute portal URL carrying the token in its fragment', async () => {
    const out = await access(appId, {});
    expect(Object.keys(out).sort()).toEqual(['token', 'url']);
    expect(out.token).toMatch(/^herald_portal_[A-Za-z0-9_-]{43}$/);
    expect(out.url).toBe(`http://localhost:80/portal#token=${out.token}`);
  });

  it('builds the URL from the request Host, or from HERALD_PUBLIC_URL when set', async () => {
    const out = await access('tenant', {}, 200, { headers: { host: 'herald.internal:8070' } });
    expect(out.url).toBe(`http://herald.internal:8070/portal#token=${out.token}`);
    const pub = await openTestApi({ HERALD_PUBLIC_URL: 'https://hooks.example.com/' });
    try {
      const app = (await pub.call('POST', '/api/v1/app', 201, { name: 'a' })).id;
      const out2 = await pub.call('POST', `/api/v1/auth/app-portal-access/${app}`, 200, {});
      expect(out2.url).toBe(`https://hooks.example.com/portal#token=${out2.token}`);
    } finally {
      await pub.close();
    }
  });

  it('stores only the token hash, for the app, expiring after `expiry` seconds (7 days by default)', async () => {
    const week = await access(appId, {});
    const stored = await api.store.portalTokenGet({ tokenHash: hashToken(week.token), now: clock.now() });
    expect(stored).toEqual({ tokenHash: hashToken(week.token), appId, expiresAt: new Date('2026-01-08T00:00:00Z'), readOnly: false });
    const hour = await access(appId, { expiry: 3600 });
    expect((await api.store.portalTokenGet({ tokenHash: hashToken(hour.token), now: clock.now() }))!.expiresAt).toEqual(new Date('2026-01-01T01:00:00Z'));
  });

  it('gives a token that reads its own app until it expires, then answers 401', async () => {
    const { token } = await access(appId, { expiry: 3600 });
    await api.call('GET', `/api/v1/app/${appId}`, 200, undefined, { token });
    clock.advance(3600 * 1000 + 1);
    expect(await api.call('GET', `/api/v1/app/${appId}`, 401, undefined, { token })).toMatchObject({ code: 'authentication_failed' });
  });

  it('gives a readOnly token that reads its app but changes nothing and reads no secret (403)', async () => {
    const ep = await api.call('POST', `/api/v1/app/${appId}/endpoint`, 201, { url: 'https://example.com/hook' });
    const { token } = await access(appId, { readOnly: true, capabilities: ['ViewBase'] });
    expect((await api.store.portalTokenGet({ tokenHash: hashToken(token), now: clock.now() }))!.readOnly).toBe(true);
    const as = { token };
    const epUrl = `/api/v1/app/${appId}/endpoint/${ep.id}`;
    await api.call('GET', `/api/v1/app/${appId}`, 200, undefined, as);
    await api.call('GET', epUrl, 200, undefined, as);
    await api.call('GET', `${epUrl}/headers`, 200, undefined, as);
    expect((await api.raw({ method: 'HEAD', url: epUrl, headers: { authorization: `Bearer ${token}` } })).statusCode).toBe(200);
    expect(await api.call('GET', `${epUrl}/secret`, 403, undefined, as)).toMatchObject({ code: 'insufficient_access' });
    await api.call('DELETE', epUrl, 403, undefined, as);
    await api.call('PATCH', epUrl, 403, { description: 'x' }, as);
    await api.call('POST', `${epUrl}/secret/rotate`, 403, {}, as);
    await api.call('POST', `/api/v1/app/${appId}/endpoint`, 403, { url: 'https://example.com/other' }, as);
    await api.call('POST', `${epUrl}/recover`, 403, { since: '2025-12-01T00:00:00Z' }, as);
    expect(await api.call('GET', epUrl, 200)).toEqual(ep);
    // A token without readOnly keeps every right of its app.
    const full = await access(appId, {});
    await api.call('GET', `${epUrl}/secret`, 200, undefined, { token: full.token });
  });

  it('answers 422 at the path when the app to create has an unusable uid, creating nothing', async () => {
    const before = await listApps();
    expect((await access('has%20space', { application: { name: 'x' } }, 422)).detail[0].loc).toEqual(['path', 'app_id']);
    expect(await listApps()).toEqual(before);
  });

  it('creates the application from `application` when the path uid is unknown', async () => {
    const out = await access('new-tenant', { application: { name: 'New tenant', metadata: { plan: 'pro' } } });
    const created = await api.call('GET', '/api/v1/app/new-tenant', 200);
    expect(created).toMatchObject({ name: 'New tenant', uid: 'new-tenant', metadata: { plan: 'pro' } });
    expect(await api.call('GET', '/api/v1/app/new-tenant', 200, undefined, { token: out.token })).toEqual(created);
    // A known app: `application` is ignored.
    await access('tenant', { application: { name: 'renamed?' } });
    expect((await api.call('GET', '/api/v1/app/tenant', 200)).name).toBe('tenant');
  });

  it('answers 422 when `application.uid` differs from the uid in the path, creating nothing', async () => {
    const before = await listApps();
    expect((await access('new-tenant', { application: { name: 'x', uid: 'another' } }, 422)).detail[0].loc).toEqual(['body', 'application', 'uid']);
    expect(await listApps()).toEqual(before);
  });

  it('answers 404 for an unknown app without `application`', async () => {
    expect(await access('nope', {}, 404)).toMatchObject({ code: 'not_found' });
    await access('app_2zzzzzzzzzzzzzzzzzzzzzzzzzz', { application: { name: 'x' } }, 404);
  });

  it.each([
    ['an expiry under an hour', { expiry: 3599 }, ['body', 'expiry']],
    ['an expiry over 7 days', { expiry: 604_801 }, ['body', 'expiry']],
    ['a string expiry', { expiry: '3600' }, ['body', 'expiry']],
    ['an application without a name', { application: { uid: 'x' } }, ['body', 'application', 'name']],
  ])('answers 422 for %s and creates nothing', async (_what, body, loc) => {
    const before = await listApps();
    const err = await access('brand-new', body, 422);
    expect(err.detail.map((d: { loc: string[] }) => d.loc)).toContainEqual(loc);
    expect(await listApps()).toEqual(before);
  });

  it('answers 400 for invalid JSON, 401 without a token, 403 to a portal token', async () => {
    const { token } = await access(appId, {});
    expect(await access(appId, undefined, 400, { rawBody: '{' })).toMatchObject({ code: 'bad_request' });
    await access(appId, {}, 401, { token: null });
    await access(appId, {}, 401, { token: 'herald_portal_forged' });
    expect(await access(appId, {}, 403, { token })).toMatchObject({ code: 'insufficient_access' });
  });

  it('mints a new token for a repeated Idempotency-Key: answers carrying a token are never stored', async () => {
    const headers = { 'idempotency-key': 'portal-1' };
    const first = await access(appId, {}, 200, { headers });
    const second = await access(appId, {}, 200, { headers });
    expect(second.token).not.toBe(first.token);
    for (const { token } of [first, second]) await api.call('GET', `/api/v1/app/${appId}`, 200, undefined, { token });
  });
});
