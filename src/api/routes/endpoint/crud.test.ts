import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FakeClock, openTestApi, testSecretBox, type TestApi } from '../../../../test/helpers/api.js';
import { insertApp, insertEndpoint, insertEventType, insertPortalToken } from '../../../../test/helpers/factory.js';
import type { Application } from '../../../domain/types.js';

let api: TestApi;
let application: Application;
let base: string;

async function open(env: Record<string, string> = {}) {
  api = await openTestApi(env, new FakeClock(Date.parse('2026-02-01T00:00:00Z')));
  application = await insertApp(api.store, { uid: 'acme' });
  await insertEventType(api.store, { name: 'user.signup' });
  await insertEventType(api.store, { name: 'user.deleted' });
  await insertEventType(api.store, { name: 'old.event', archived: true });
  base = `/api/v1/app/${application.id}/endpoint`;
}

beforeEach(() => open());
afterEach(() => api.close());

/** Everything stored about the app's endpoints, secrets opened: compared before and after an error. */
async function snapshot() {
  const endpoints = await api.store.endpointListAll({ appId: application.id });
  return endpoints.map((e) => ({ ...e, secrets: testSecretBox.open(e.secrets) }));
}

const endpointIdPattern = /^ep_[0-9A-Za-z]{27}$/;

describe('POST /app/{app}/endpoint', () => {
  it('creates an endpoint (201) with every EndpointOut field and Herald defaults', async () => {
    const out = await api.call('POST', base, 201, { url: 'https://example.com/hook' });
    expect(out.id).toMatch(endpointIdPattern);
    expect(out).toMatchObject({
      uid: null,
      url: 'https://example.com/hook',
      description: '',
      version: 1,
      disabled: false,
      filterTypes: null,
      channels: null,
      rateLimit: null,
      throttleRate: null,
      metadata: {},
      createdAt: '2026-02-01T00:00:00.000Z',
      updatedAt: '2026-02-01T00:00:00.000Z',
      profile: 'standard',
      profileOptions: {},
      payloadFilter: null,
      timeoutMs: null,
      retrySchedule: null,
      maxConcurrency: null,
    });
    expect(out).not.toHaveProperty('secret');
    expect(out).not.toHaveProperty('headers');
  });

  it('stores every given field, including Herald extensions, headers and a given secret', async () => {
    const body = {
      url: 'https://example.com/hook',
      uid: 'billing-hook',
      description: 'Billing',
      version: 3,
      disabled: true,
      filterTypes: ['user.signup'],
      channels: ['project_1', 'group:2'],
      rateLimit: 10,
      metadata: { team: 'billing' },
      secret: 'whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD',
      headers: { 'X-Tenant': 'acme' },
      profile: 'standard',
      profileOptions: { headerNames: 'svix' },
      payloadFilter: { job_id: { $in: [1, 2] } },
      timeoutMs: 5000,
      retrySchedule: [1, 60, 3600],
      maxConcurrency: 4,
    };
    const out = await api.call('POST', base, 201, body);
    const { secret: _s, headers: _h, ...rest } = body;
    expect(out).toMatchObject({ ...rest, throttleRate: 10 });
    expect(await api.call('GET', `${base}/billing-hook/secret`, 200)).toEqual({ key: body.secret });
    expect(await api.call('GET', `${base}/billing-hook/headers`, 200)).toEqual({ headers: { 'X-Tenant': 'acme' }, sensitive: [] });
  });

  it('accepts throttleRate as the name of rateLimit', async () => {
    const out = await api.call('POST', base, 201, { url: 'https://example.com/hook', throttleRate: 7 });
    expect(out).toMatchObject({ rateLimit: 7, throttleRate: 7 });
  });

  it('generates a whsec_ secret of 24 random bytes when none is given', async () => {
    const out = await api.call('POST', base, 201, { url: 'https://example.com/hook' });
    const { key } = await api.call('GET', `${base}/${out.id}/secret`, 200);
    expect(key).toMatch(/^whsec_[A-Za-z0-9+/]{32}$/);
  });

  it('normalizes a secret given without the whsec_ prefix', async () => {
    const out = await api.call('POST', base, 201, { url: 'https://example.com/hook', secret: 'C2FVsBQIhrscChlQIMV+b5sSYspob7oD' });
    expect(await api.call('GET', `${base}/${out.id}/secret`, 200)).toEqual({ key: 'whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD' });
  });

  it('addresses the app by uid and allows a loopback URL when loopback is allowed (the default on 127.0.0.1)', async () => {
    await api.call('POST', '/api/v1/app/acme/endpoint', 201, { url: 'http://127.0.0.1:9999/hook' });
  });

  it('lets an app-portal token create endpoints in its own app', async () => {
    const token = await insertPortalToken(api.store, application.id);
    await api.call('POST', base, 201, { url: 'https://example.com/hook' }, { token });
  });

  it('answers 409 for a uid already used in the app', async () => {
    await api.call('POST', base, 201, { url: 'https://example.com/a', uid: 'dup' });
    const before = await snapshot();
    const err = await api.call('POST', base, 409, { url: 'https://example.com/b', uid: 'dup' });
    expect(err).toMatchObject({ code: 'conflict' });
    expect(await snapshot()).toEqual(before);
  });

  describe('refuses bad input with nothing stored', () => {
    const cases: [string, unknown, string[]][] = [
      ['a missing url', { description: 'x' }, ['body', 'url']],
      ['a number as url (no coercion)', { url: 42 }, ['body', 'url']],
      ['a string as disabled (no coercion)', { url: 'https://example.com', disabled: 'true' }, ['body', 'disabled']],
      ['a string as version', { url: 'https://example.com', version: '2' }, ['body', 'version']],
      ['version 0', { url: 'https://example.com', version: 0 }, ['body', 'version']],
      ['a number in metadata', { url: 'https://example.com', metadata: { a: 1 } }, ['body', 'metadata', 'a']],
      ['a number in metadata under a key with a line break', { url: 'https://example.com', metadata: { 'a\nb': 1 } }, ['body', 'metadata', 'a\nb']],
      ['rateLimit above 65535', { url: 'https://example.com', rateLimit: 70000 }, ['body', 'rateLimit']],
      ['an empty filterTypes', { url: 'https://example.com', filterTypes: [] }, ['body', 'filterTypes']],
      ['an empty channels', { url: 'https://example.com', channels: [] }, ['body', 'channels']],
      ['11 channels', { url: 'https://example.com', channels: Array.from({ length: 11 }, (_, i) => `c${i}`) }, ['body', 'channels']],
      ['a bad uid', { url: 'https://example.com', uid: 'has space' }, ['body', 'uid']],
      ['a uid that looks like an endpoint id', { url: 'https://example.com', uid: 'ep_something' }, ['body', 'uid']],
      ['a non-http(s) URL', { url: 'ftp://example.com/hook' }, ['body', 'url']],
      ['a javascript: URL', { url: 'javascript:alert(1)' }, ['body', 'url']],
      ['a relative URL', { url: '/hook' }, ['body', 'url']],
      ['credentials in the URL', { url: 'https://user:pass@example.com/hook' }, ['body', 'url']],
      ['a private address', { url: 'http://10.0.0.1/' }, ['body', 'url']],
      ['the cloud metadata address', { url: 'http://169.254.169.254/latest/meta-data/' }, ['body', 'url']],
      ['an unknown event type in filterTypes', { url: 'https://example.com', filterTypes: ['user.signup', 'no.such'] }, ['body', 'filterTypes']],
      ['an archived event type in filterTypes', { url: 'https://example.com', filterTypes: ['old.event'] }, ['body', 'filterTypes']],
      ['an unknown profile', { url: 'https://example.com', profile: 'no-such-profile' }, ['body', 'profile']],
      ['an unknown profile option', { url: 'https://example.com', profileOptions: { nope: 1 } }, ['body', 'profileOptions', 'nope']],
      ['an array as profileOptions', { url: 'https://example.com', profileOptions: [] }, ['body', 'profileOptions']],
      ['a $where payload filter', { url: 'https://example.com', payloadFilter: { $where: 'this.a == 1' } }, ['body', 'payloadFilter']],
      ['a $regex payload filter', { url: 'https://example.com', payloadFilter: { a: { $regex: '.*' } } }, ['body', 'payloadFilter']],
      ['timeoutMs below 1000', { url: 'https://example.com', timeoutMs: 999 }, ['body', 'timeoutMs']],
      ['timeoutMs above 60000', { url: 'https://example.com', timeoutMs: 60001 }, ['body', 'timeoutMs']],
      ['a fractional retry delay', { url: 'https://example.com', retrySchedule: [1.5] }, ['body', 'retrySchedule', '0']],
      ['a retry delay above a day', { url: 'https://example.com', retrySchedule: [86401] }, ['body', 'retrySchedule', '0']],
      ['51 retry delays', { url: 'https://example.com', retrySchedule: Array.from({ length: 51 }, () => 1) }, ['body', 'retrySchedule']],
      ['maxConcurrency 0', { url: 'https://example.com', maxConcurrency: 0 }, ['body', 'maxConcurrency']],
      ['maxConcurrency above 1000', { url: 'https://example.com', maxConcurrency: 1001 }, ['body', 'maxConcurrency']],
      ['a reserved header', { url: 'https://example.com', headers: { 'Webhook-Signature': 'v1,forged' } }, ['body', 'headers', 'Webhook-Signature']],
      ['a header value with CR/LF', { url: 'https://example.com', headers: { 'X-A': 'a\r\nX-Injected: 1' } }, ['body', 'headers', 'X-A']],
      ['a secret that does not match the pattern', { url: 'https://example.com', secret: 'short' }, ['body', 'secret']],
      ['an asymmetric secret', { url: 'https://example.com', secret: 'whsk_C2FVsBQIhrscChlQIMV+b5sSYspob7oD' }, ['body', 'secret']],
    ];
    it.each(cases)('answers 422 for %s', async (_title, body, loc) => {
      const before = await snapshot();
      const err = await api.call('POST', base, 422, body);
      expect(err.detail).toEqual(expect.arrayContaining([expect.objectContaining({ loc, msg: expect.any(String), type: expect.any(String) })]));
      for (const item of err.detail) for (const part of item.loc) expect(typeof part).toBe('string');
      expect(await snapshot()).toEqual(before);
    });

    it('names the scheme in the message for a non-http(s) URL', async () => {
      const err = await api.call('POST', base, 422, { url: 'ftp://example.com/hook' });
      expect(err.detail[0].msg).toMatch(/http: or https:/);
    });

    it('reports every problem of one request together', async () => {
      const err = await api.call('POST', base, 422, { url: 'http://10.0.0.1/', filterTypes: ['no.such'], profile: 'nope', payloadFilter: { $where: '1' } });
      expect(err.detail.map((d: { loc: string[] }) => d.loc.join('.'))).toEqual(
        expect.arrayContaining(['body.url', 'body.filterTypes', 'body.profile', 'body.payloadFilter']),
      );
    });

    it('answers 400 {code, detail} for a body that is not JSON', async () => {
      const before = await snapshot();
      const err = await api.call('POST', base, 400, undefined, { rawBody: '{"url": ' });
      expect(err).toEqual({ code: 'bad_request', detail: expect.any(String) });
      expect(await snapshot()).toEqual(before);
    });

    it('answers 422 for a missing body', async () => {
      await api.call('POST', base, 422, undefined, { headers: { 'content-type': 'application/json' } });
    });
  });

  describe('blocked literal addresses with HERALD_ALLOWED_NETWORKS=""', () => {
    beforeEach(async () => {
      await api.close();
      await open({ HERALD_ALLOWED_NETWORKS: '' });
    });

    it.each(['http://127.0.0.1/', 'http://2130706433/', 'http://0x7f.1/', 'http://[::1]/', 'http://[::ffff:127.0.0.1]/', 'http://0.0.0.0/'])(
      'answers 422 for %s, naming the block',
      async (url) => {
        const err = await api.call('POST', base, 422, { url });
        expect(err.detail[0]).toMatchObject({ loc: ['body', 'url'], type: 'value_error.url.blocked' });
        expect(err.detail[0].msg).toMatch(/loopback|unspecified/);
        expect(await snapshot()).toEqual([]);
      },
    );

    it('still accepts a hostname (checked when connecting) and a public address', async () => {
      await api.call('POST', base, 201, { url: 'http://localhost:3000/hook' });
      await api.call('POST', base, 201, { url: 'http://93.184.216.34/hook' });
    });
  });

  describe('HERALD_ALLOWED_NETWORKS exempts what it lists', () => {
    beforeEach(async () => {
      await api.close();
      await open({ HERALD_ALLOWED_NETWORKS: '10.0.0.0/8' });
    });

    it('accepts 10.1.2.3 but still refuses 192.168.1.1 and loopback', async () => {
      await api.call('POST', base, 201, { url: 'http://10.1.2.3/hook' });
      await api.call('POST', base, 422, { url: 'http://192.168.1.1/hook' });
      await api.call('POST', base, 422, { url: 'http://127.0.0.1/hook' });
    });
  });

  describe('auth and scoping', () => {
    it('answers 401 without a token and with a wrong one', async () => {
      expect(await api.call('POST', base, 401, { url: 'https://example.com' }, { token: null })).toMatchObject({ code: 'authentication_failed' });
      await api.call('POST', base, 401, { url: 'https://example.com' }, { token: 'herald_admin_wrong_token_000000' });
      expect(await snapshot()).toEqual([]);
    });

    it('answers 404 for an unknown app', async () => {
      expect(await api.call('POST', '/api/v1/app/app_nope/endpoint', 404, { url: 'https://example.com' })).toMatchObject({ code: 'not_found' });
    });

    it("answers 404 to a portal token of another app, and creates nothing", async () => {
      const other = await insertApp(api.store);
      const token = await insertPortalToken(api.store, other.id);
      await api.call('POST', base, 404, { url: 'https://example.com' }, { token });
      expect(await snapshot()).toEqual([]);
    });
  });
});

describe('GET /app/{app}/endpoint', () => {
  it('lists endpoints oldest first with Svix paging', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) {
      ids.push((await api.call('POST', base, 201, { url: `https://example.com/${i}` })).id);
      // Ids order by their millisecond; within one, their random tail decides.
      (api.clock as FakeClock).advance(1);
    }
    const first = await api.call('GET', `${base}?limit=2`, 200);
    expect(first.data.map((e: { id: string }) => e.id)).toEqual(ids.slice(0, 2));
    expect(first).toMatchObject({ done: false, iterator: ids[1] });
    expect(first).toHaveProperty('prevIterator');
    const second = await api.call('GET', `${base}?limit=2&iterator=${first.iterator}`, 200);
    expect(second.data.map((e: { id: string }) => e.id)).toEqual([ids[2]]);
    expect(second.done).toBe(true);
  });

  it('answers 422 for a bad limit, 404 for an unknown app, 401 without a token', async () => {
    const err = await api.call('GET', `${base}?limit=0`, 422);
    expect(err.detail[0].loc).toEqual(['query', 'limit']);
    await api.call('GET', `${base}?limit=abc`, 422);
    await api.call('GET', '/api/v1/app/nope/endpoint', 404);
    await api.call('GET', base, 401, undefined, { token: null });
  });

  it("answers 404 to a portal token of another app", async () => {
    const other = await insertApp(api.store);
    await api.call('GET', base, 404, undefined, { token: await insertPortalToken(api.store, other.id) });
    await api.call('GET', base, 200, undefined, { token: await insertPortalToken(api.store, application.id) });
  });
});

describe('GET /app/{app}/endpoint/{ep}', () => {
  it('reads an endpoint by id and by uid', async () => {
    const created = await api.call('POST', base, 201, { url: 'https://example.com/hook', uid: 'my-hook' });
    expect(await api.call('GET', `${base}/${created.id}`, 200)).toEqual(created);
    expect(await api.call('GET', `/api/v1/app/acme/endpoint/my-hook`, 200)).toEqual(created);
  });

  it('answers 404 for an unknown endpoint, an endpoint of another app, and an unknown app', async () => {
    const other = await insertApp(api.store);
    const foreign = await insertEndpoint(api.store, other.id);
    await api.call('GET', `${base}/ep_nope`, 404);
    await api.call('GET', `${base}/${foreign.id}`, 404);
    await api.call('GET', `/api/v1/app/nope/endpoint/${foreign.id}`, 404);
  });

  it('answers 401 without a token and 404 to another app’s portal token', async () => {
    const ep = await insertEndpoint(api.store, application.id);
    await api.call('GET', `${base}/${ep.id}`, 401, undefined, { token: null });
    const other = await insertApp(api.store);
    await api.call('GET', `${base}/${ep.id}`, 404, undefined, { token: await insertPortalToken(api.store, other.id) });
  });
});

describe('PUT /app/{app}/endpoint/{ep}', () => {
  it('replaces the Svix fields (200): absent optional ones take their defaults', async () => {
    const created = await api.call('POST', base, 201, {
      url: 'https://example.com/a',
      uid: 'hook',
      description: 'old',
      version: 2,
      filterTypes: ['user.signup'],
      channels: ['c1'],
      rateLimit: 5,
      metadata: { a: 'b' },
    });
    (api.clock as FakeClock).advance(1000);
    const out = await api.call('PUT', `${base}/${created.id}`, 200, { url: 'https://example.com/b' });
    expect(out).toMatchObject({
      id: created.id,
      uid: 'hook',
      url: 'https://example.com/b',
      description: '',
      version: 1,
      filterTypes: null,
      channels: null,
      rateLimit: null,
      metadata: {},
      createdAt: created.createdAt,
      updatedAt: '2026-02-01T00:00:01.000Z',
    });
    expect(await api.call('GET', `${base}/${created.id}`, 200)).toEqual(out);
  });

  it('keeps Herald fields, headers and secret that the body does not mention', async () => {
    const created = await api.call('POST', base, 201, {
      url: 'https://example.com/a',
      profileOptions: { headerNames: 'svix' },
      payloadFilter: { a: 1 },
      timeoutMs: 2000,
      headers: { 'X-A': '1' },
    });
    const { key } = await api.call('GET', `${base}/${created.id}/secret`, 200);
    const out = await api.call('PUT', `${base}/${created.id}`, 200, { url: 'https://example.com/b', maxConcurrency: 3 });
    expect(out).toMatchObject({ profileOptions: { headerNames: 'svix' }, payloadFilter: { a: 1 }, timeoutMs: 2000, maxConcurrency: 3 });
    expect(await api.call('GET', `${base}/${created.id}/secret`, 200)).toEqual({ key });
    expect((await api.call('GET', `${base}/${created.id}/headers`, 200)).headers).toEqual({ 'X-A': '1' });
  });

  it('creates the endpoint (201) when the path names an unknown uid, with that uid', async () => {
    const out = await api.call('PUT', `${base}/new-hook`, 201, { url: 'https://example.com/new' });
    expect(out).toMatchObject({ uid: 'new-hook', url: 'https://example.com/new', version: 1 });
    expect(out.id).toMatch(endpointIdPattern);
    expect(await api.call('GET', `${base}/new-hook/secret`, 200)).toEqual({ key: expect.stringMatching(/^whsec_/) });
  });

  it('answers 422 when the unknown path cannot be a uid', async () => {
    const err = await api.call('PUT', `${base}/has%20space`, 422, { url: 'https://example.com/new' });
    expect(err.detail[0].loc).toEqual(['path', 'endpoint_id']);
    // A body uid does not make the path acceptable, nor does a path that looks like an id.
    expect((await api.call('PUT', `${base}/has%20space`, 422, { url: 'https://example.com/new', uid: 'fine' })).detail[0].loc).toEqual(['path', 'endpoint_id']);
    expect((await api.call('PUT', `${base}/ep%20x`, 422, { url: 'https://example.com/new', uid: 'fine' })).detail[0].loc).toEqual(['path', 'endpoint_id']);
    expect(await snapshot()).toEqual([]);
  });

  it('answers 404 when the path is an unknown endpoint id', async () => {
    await api.call('PUT', `${base}/ep_2abcdefghijklmnopqrstuvwxyz`, 404, { url: 'https://example.com/new' });
    expect(await snapshot()).toEqual([]);
  });

  it.each([
    ['a missing url', {}, ['body', 'url']],
    ['a number as description', { url: 'https://example.com', description: 5 }, ['body', 'description']],
    ['an empty filterTypes', { url: 'https://example.com', filterTypes: [] }, ['body', 'filterTypes']],
    ['an unknown filter type', { url: 'https://example.com', filterTypes: ['no.such'] }, ['body', 'filterTypes']],
    ['a blocked address', { url: 'http://192.168.0.10/' }, ['body', 'url']],
    ['a mailto: URL', { url: 'mailto:a@example.com' }, ['body', 'url']],
    ['an unknown profile', { url: 'https://example.com', profile: 'ghost' }, ['body', 'profile']],
    ['a $where payload filter', { url: 'https://example.com', payloadFilter: { $where: 'x' } }, ['body', 'payloadFilter']],
  ])('answers 422 for %s and changes nothing', async (_t, body, loc) => {
    const ep = await insertEndpoint(api.store, application.id, { uid: 'kept' });
    const before = await snapshot();
    const err = await api.call('PUT', `${base}/${ep.id}`, 422, body);
    expect(err.detail).toEqual(expect.arrayContaining([expect.objectContaining({ loc })]));
    expect(await snapshot()).toEqual(before);
    // An upsert that would create is refused the same way.
    await api.call('PUT', `${base}/would-create`, 422, body);
    expect(await snapshot()).toEqual(before);
  });

  it('answers 400 for invalid JSON, 401 without a token, 404 for another app’s portal token', async () => {
    const ep = await insertEndpoint(api.store, application.id);
    const before = await snapshot();
    await api.call('PUT', `${base}/${ep.id}`, 400, undefined, { rawBody: 'nope' });
    await api.call('PUT', `${base}/${ep.id}`, 401, { url: 'https://example.com/x' }, { token: null });
    const other = await insertApp(api.store);
    await api.call('PUT', `${base}/${ep.id}`, 404, { url: 'https://example.com/x' }, { token: await insertPortalToken(api.store, other.id) });
    await api.call('PUT', `/api/v1/app/nope/endpoint/${ep.id}`, 404, { url: 'https://example.com/x' });
    expect(await snapshot()).toEqual(before);
  });

  it('answers 409 when the new uid belongs to another endpoint', async () => {
    await insertEndpoint(api.store, application.id, { uid: 'taken' });
    const ep = await insertEndpoint(api.store, application.id);
    const before = await snapshot();
    await api.call('PUT', `${base}/${ep.id}`, 409, { url: 'https://example.com', uid: 'taken' });
    expect(await snapshot()).toEqual(before);
  });
});

describe('PATCH /app/{app}/endpoint/{ep}', () => {
  it('changes only the fields given', async () => {
    const created = await api.call('POST', base, 201, { url: 'https://example.com/a', description: 'keep', filterTypes: ['user.signup'], metadata: { a: 'b' } });
    const out = await api.call('PATCH', `${base}/${created.id}`, 200, { disabled: true, rateLimit: 3, timeoutMs: 1000 });
    expect(out).toMatchObject({ url: 'https://example.com/a', description: 'keep', filterTypes: ['user.signup'], metadata: { a: 'b' }, disabled: true, rateLimit: 3, timeoutMs: 1000 });
  });

  it('clears nullable fields given as null', async () => {
    const created = await api.call('POST', base, 201, {
      url: 'https://example.com/a',
      uid: 'x',
      filterTypes: ['user.signup'],
      channels: ['c'],
      rateLimit: 2,
      payloadFilter: { a: 1 },
      retrySchedule: [1],
    });
    const out = await api.call('PATCH', `${base}/${created.id}`, 200, { uid: null, filterTypes: null, channels: null, rateLimit: null, payloadFilter: null, retrySchedule: null });
    expect(out).toMatchObject({ uid: null, filterTypes: null, channels: null, rateLimit: null, payloadFilter: null, retrySchedule: null });
  });

  it('switches the profile and validates its options against the new profile', async () => {
    const created = await api.call('POST', base, 201, { url: 'https://example.com/a' });
    await api.call('PATCH', `${base}/${created.id}`, 422, { profile: 'ghost' });
    await api.call('PATCH', `${base}/${created.id}`, 422, { profileOptions: { headerNames: 'weird' } });
    expect(await api.call('PATCH', `${base}/${created.id}`, 200, { profileOptions: { headerNames: 'svix' } })).toMatchObject({ profileOptions: { headerNames: 'svix' } });
  });

  it('does not re-judge untouched fields (an event type archived since the filter was set)', async () => {
    const ep = await insertEndpoint(api.store, application.id, { filterTypes: ['old.event'] });
    expect(await api.call('PATCH', `${base}/${ep.id}`, 200, { description: 'still fine' })).toMatchObject({ description: 'still fine', filterTypes: ['old.event'] });
  });

  it('treats a secret as a rotation: the old key stays valid for 24 hours', async () => {
    const ep = await insertEndpoint(api.store, application.id);
    const [old] = testSecretBox.open(ep.secrets);
    await api.call('PATCH', `${base}/${ep.id}`, 200, { secret: 'whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD' });
    const stored = (await api.store.endpointGet({ appId: application.id, idOrUid: ep.id }))!;
    expect(testSecretBox.open(stored.secrets)).toEqual([
      { key: 'whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD', expiresAt: null },
      { key: old!.key, expiresAt: '2026-02-02T00:00:00.000Z' },
    ]);
  });

  it.each([
    ['an empty filterTypes', { filterTypes: [] }, ['body', 'filterTypes']],
    ['an empty channels', { channels: [] }, ['body', 'channels']],
    ['a null url', { url: null }, ['body', 'url']],
    ['a null description', { description: null }, ['body', 'description']],
    ['a string as disabled', { disabled: 'yes' }, ['body', 'disabled']],
    ['a number as uid', { uid: 5 }, ['body', 'uid']],
    ['a blocked address', { url: 'http://[fe80::1]/' }, ['body', 'url']],
    ['a gopher: URL', { url: 'gopher://example.com' }, ['body', 'url']],
    ['an unknown filter type', { filterTypes: ['no.such'] }, ['body', 'filterTypes']],
    ['a $where payload filter', { payloadFilter: { $or: [{ $where: 'x' }] } }, ['body', 'payloadFilter']],
    ['an unknown profile', { profile: 'ghost' }, ['body', 'profile']],
    ['a bad secret', { secret: 'nope' }, ['body', 'secret']],
    ['a uid that looks like an id', { uid: 'ep_x' }, ['body', 'uid']],
  ])('answers 422 for %s and changes nothing', async (_t, body, loc) => {
    const ep = await insertEndpoint(api.store, application.id);
    const before = await snapshot();
    const err = await api.call('PATCH', `${base}/${ep.id}`, 422, body);
    expect(err.detail).toEqual(expect.arrayContaining([expect.objectContaining({ loc })]));
    expect(await snapshot()).toEqual(before);
  });

  it('answers 400 for invalid JSON, 401, and 404 for unknown ids or a foreign portal token', async () => {
    const ep = await insertEndpoint(api.store, application.id);
    const before = await snapshot();
    await api.call('PATCH', `${base}/${ep.id}`, 400, undefined, { rawBody: '{' });
    await api.call('PATCH', `${base}/${ep.id}`, 401, { disabled: true }, { token: null });
    await api.call('PATCH', `${base}/ep_nope`, 404, { disabled: true });
    await api.call('PATCH', `/api/v1/app/nope/endpoint/${ep.id}`, 404, { disabled: true });
    const other = await insertApp(api.store);
    await api.call('PATCH', `${base}/${ep.id}`, 404, { disabled: true }, { token: await insertPortalToken(api.store, other.id) });
    expect(await snapshot()).toEqual(before);
  });
});

describe('DELETE /app/{app}/endpoint/{ep}', () => {
  it('deletes (204, no body); the endpoint is gone afterwards', async () => {
    const ep = await insertEndpoint(api.store, application.id, { uid: 'bye' });
    const res = await api.raw({ method: 'DELETE', url: `${base}/bye`, headers: { authorization: `Bearer herald_admin_test_token_0123456789` } });
    expect(res.statusCode).toBe(204);
    expect(res.body).toBe('');
    await api.call('GET', `${base}/${ep.id}`, 404);
    await api.call('DELETE', `${base}/${ep.id}`, 404);
  });

  it('answers 401 without a token and 404 to another app’s portal token, deleting nothing', async () => {
    const ep = await insertEndpoint(api.store, application.id);
    const before = await snapshot();
    await api.call('DELETE', `${base}/${ep.id}`, 401, undefined, { token: null });
    const other = await insertApp(api.store);
    await api.call('DELETE', `${base}/${ep.id}`, 404, undefined, { token: await insertPortalToken(api.store, other.id) });
    await api.call('DELETE', `/api/v1/app/nope/endpoint/${ep.id}`, 404);
    expect(await snapshot()).toEqual(before);
  });
});
