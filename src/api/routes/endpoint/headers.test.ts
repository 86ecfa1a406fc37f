import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FakeClock, openTestApi, testAdminToken, type TestApi } from '../../../../test/helpers/api.js';
import { insertApp, insertEndpoint, insertPortalToken } from '../../../../test/helpers/factory.js';
import type { Application, Endpoint } from '../../../domain/types.js';
import { reservedHeaderNamesOf } from '../../../profiles/index.js';
import { headerProblems, patchedHeaders } from './headers.js';

let api: TestApi;
let application: Application;
let endpoint: Endpoint;
let url: string;

beforeEach(async () => {
  api = await openTestApi({}, new FakeClock(Date.parse('2026-02-01T00:00:00Z')));
  application = await insertApp(api.store, { uid: 'acme' });
  endpoint = await insertEndpoint(api.store, application.id, { uid: 'hook', headers: { 'X-Existing': 'yes', Authorization: 'Bearer s3cret' } });
  url = `/api/v1/app/${application.id}/endpoint/${endpoint.id}/headers`;
});
afterEach(() => api.close());

async function storedHeaders() {
  return (await api.store.endpointGet({ appId: application.id, idOrUid: endpoint.id }))!.headers;
}

describe('GET …/headers', () => {
  it('answers {headers, sensitive}: sensitive values are withheld and their names listed', async () => {
    expect(await api.call('GET', url, 200)).toEqual({ headers: { 'X-Existing': 'yes' }, sensitive: ['Authorization'] });
    expect(await api.call('GET', '/api/v1/app/acme/endpoint/hook/headers', 200)).toEqual({ headers: { 'X-Existing': 'yes' }, sensitive: ['Authorization'] });
  });

  it('answers 401 without a token, 404 for unknown ids and another app’s portal token', async () => {
    await api.call('GET', url, 401, undefined, { token: null });
    await api.call('GET', `/api/v1/app/${application.id}/endpoint/ep_nope/headers`, 404);
    await api.call('GET', `/api/v1/app/nope/endpoint/${endpoint.id}/headers`, 404);
    const other = await insertApp(api.store);
    await api.call('GET', url, 404, undefined, { token: await insertPortalToken(api.store, other.id) });
    await api.call('GET', url, 200, undefined, { token: await insertPortalToken(api.store, application.id) });
  });
});

describe('PUT …/headers', () => {
  it('replaces every header (204, no body)', async () => {
    const res = await api.raw({
      method: 'PUT',
      url,
      headers: { authorization: `Bearer ${testAdminToken}`, 'content-type': 'application/json' },
      payload: JSON.stringify({ headers: { 'X-New': '1', 'x-other': 'two words' } }),
    });
    expect(res.statusCode).toBe(204);
    expect(res.body).toBe('');
    expect(await storedHeaders()).toEqual({ 'X-New': '1', 'x-other': 'two words' });
  });

  it('clears every header with {}', async () => {
    await api.call('PUT', url, 204, { headers: {} });
    expect(await storedHeaders()).toEqual({});
  });

  it.each([...reservedHeaderNamesOf('standard')].flatMap((n) => [n, n.toUpperCase()]))('answers 422 for the reserved name %s, case-insensitively', async (name) => {
    const before = await storedHeaders();
    const err = await api.call('PUT', url, 422, { headers: { [name]: 'x' } });
    expect(err.detail[0]).toMatchObject({ loc: ['body', 'headers', name], msg: expect.stringMatching(/reserved/) });
    expect(await storedHeaders()).toEqual(before);
  });

  it.each([
    ['a CR/LF in a value (header injection)', { 'X-A': 'ok\r\nX-Evil: 1' }, ['body', 'headers', 'X-A']],
    ['a bare LF in a value', { 'X-A': 'ok\nmore' }, ['body', 'headers', 'X-A']],
    ['a NUL in a value', { 'X-A': 'a\u0000b' }, ['body', 'headers', 'X-A']],
    ['a character beyond Latin-1', { 'X-A': 'snow ☃' }, ['body', 'headers', 'X-A']],
    ['a space in a name', { 'X A': '1' }, ['body', 'headers', 'X A']],
    ['a colon in a name', { 'X-A:': '1' }, ['body', 'headers', 'X-A:']],
    ['an empty name', { '': '1' }, ['body', 'headers', '']],
    ['a name given twice in different case', { 'X-A': '1', 'x-a': '2' }, ['body', 'headers', 'x-a']],
    ['a number as value (no coercion)', { 'X-A': 1 }, ['body', 'headers', 'X-A']],
    ['a null value', { 'X-A': null }, ['body', 'headers', 'X-A']],
    ['a line break in a name', { 'X-A\nX-B': 'v' }, ['body', 'headers', 'X-A\nX-B']],
  ])('answers 422 for %s and changes nothing', async (_t, headers, loc) => {
    const before = await storedHeaders();
    const err = await api.call('PUT', url, 422, { headers });
    expect(err.detail).toEqual(expect.arrayContaining([expect.objectContaining({ loc })]));
    expect(await storedHeaders()).toEqual(before);
  });

  it('answers 422 for a missing headers field and for an array', async () => {
    expect((await api.call('PUT', url, 422, {})).detail[0].loc).toEqual(['body', 'headers']);
    await api.call('PUT', url, 422, { headers: [] });
  });

  it('answers 400 for invalid JSON, 401, and 404 for unknown ids or another app’s portal token, changing nothing', async () => {
    const before = await storedHeaders();
    await api.call('PUT', url, 400, undefined, { rawBody: '{"headers":' });
    await api.call('PUT', url, 401, { headers: {} }, { token: null });
    await api.call('PUT', `/api/v1/app/${application.id}/endpoint/ep_nope/headers`, 404, { headers: {} });
    await api.call('PUT', `/api/v1/app/nope/endpoint/${endpoint.id}/headers`, 404, { headers: {} });
    const other = await insertApp(api.store);
    await api.call('PUT', url, 404, { headers: {} }, { token: await insertPortalToken(api.store, other.id) });
    expect(await storedHeaders()).toEqual(before);
  });
});

describe('PATCH …/headers', () => {
  it('sets, replaces (case-insensitively), removes by null and by deleteHeaders (204)', async () => {
    await api.call('PATCH', url, 204, { headers: { 'x-existing': 'changed', 'X-Added': '1', Authorization: null } });
    expect(await storedHeaders()).toEqual({ 'x-existing': 'changed', 'X-Added': '1' });
    await api.call('PATCH', url, 204, { headers: {}, deleteHeaders: ['X-EXISTING'] });
    expect(await storedHeaders()).toEqual({ 'X-Added': '1' });
  });

  it('lets the app’s own portal token patch', async () => {
    await api.call('PATCH', url, 204, { headers: { 'X-B': '2' } }, { token: await insertPortalToken(api.store, application.id) });
    expect(await storedHeaders()).toMatchObject({ 'X-B': '2' });
  });

  it.each([
    ['a reserved name', { headers: { 'Content-Type': 'text/plain' } }, ['body', 'headers', 'Content-Type']],
    ['a reserved signature header', { headers: { 'svix-signature': 'v1,x' } }, ['body', 'headers', 'svix-signature']],
    ['a CR/LF in a value', { headers: { 'X-A': 'a\r\nb' } }, ['body', 'headers', 'X-A']],
    ['a bad name', { headers: { 'bad name': 'x' } }, ['body', 'headers', 'bad name']],
    ['a number as value', { headers: { 'X-A': 5 } }, ['body', 'headers', 'X-A']],
    ['a missing headers field', { deleteHeaders: ['X-Existing'] }, ['body', 'headers']],
    ['a string as deleteHeaders', { headers: {}, deleteHeaders: 'X-Existing' }, ['body', 'deleteHeaders']],
  ])('answers 422 for %s and changes nothing', async (_t, body, loc) => {
    const before = await storedHeaders();
    const err = await api.call('PATCH', url, 422, body);
    expect(err.detail).toEqual(expect.arrayContaining([expect.objectContaining({ loc })]));
    expect(await storedHeaders()).toEqual(before);
  });

  it('answers 400 for invalid JSON, 401, and 404 for unknown ids or another app’s portal token, changing nothing', async () => {
    const before = await storedHeaders();
    await api.call('PATCH', url, 400, undefined, { rawBody: 'not json' });
    await api.call('PATCH', url, 401, { headers: {} }, { token: null });
    await api.call('PATCH', `/api/v1/app/${application.id}/endpoint/ep_nope/headers`, 404, { headers: {} });
    const other = await insertApp(api.store);
    await api.call('PATCH', url, 404, { headers: { 'X-A': '1' } }, { token: await insertPortalToken(api.store, other.id) });
    expect(await storedHeaders()).toEqual(before);
  });
});

describe('reserved names per profile', () => {
  it('refuses Authorization on a dbt-cloud endpoint (its signature header) and X-Paradym-HMAC-SHA-256 on a paradym one', async () => {
    const dbt = await insertEndpoint(api.store, application.id, { profile: 'dbt-cloud' });
    const dbtUrl = `/api/v1/app/${application.id}/endpoint/${dbt.id}/headers`;
    const err = await api.call('PUT', dbtUrl, 422, { headers: { authorization: 'Bearer x' } });
    expect(err.detail[0]).toMatchObject({ loc: ['body', 'headers', 'authorization'], msg: expect.stringMatching(/reserved.*dbt-cloud/) });
    await api.call('PATCH', dbtUrl, 422, { headers: { Authorization: 'Bearer x' } });
    await api.call('PUT', dbtUrl, 204, { headers: { 'X-Paradym-HMAC-SHA-256': 'fine here', 'webhook-signature': 'and here' } });
    const paradym = await insertEndpoint(api.store, application.id, { profile: 'paradym' });
    await api.call('PUT', `/api/v1/app/${application.id}/endpoint/${paradym.id}/headers`, 422, { headers: { 'x-paradym-hmac-sha-256': 'x' } });
    // The standard endpoint of beforeEach keeps its Authorization header.
    expect(await storedHeaders()).toMatchObject({ Authorization: 'Bearer s3cret' });
  });

  it('refuses switching to a profile whose signature header is a custom header already, naming it', async () => {
    const endpointUrl = `/api/v1/app/${application.id}/endpoint/${endpoint.id}`;
    const err = await api.call('PATCH', endpointUrl, 422, { profile: 'dbt-cloud' });
    expect(err.detail[0]).toMatchObject({ loc: ['body', 'profile'], msg: expect.stringMatching(/Authorization/) });
    await api.call('PATCH', url, 204, { headers: { Authorization: null } });
    expect(await api.call('PATCH', endpointUrl, 200, { profile: 'dbt-cloud' })).toMatchObject({ profile: 'dbt-cloud' });
  });
});

describe('headerProblems and patchedHeaders', () => {
  it('accepts ordinary headers, tabs and Latin-1 in values', () => {
    expect(headerProblems({ 'X-Api-Key': 'abc', Authorization: 'Bearer x', 'X-T': 'a\tb', 'X-L': 'café' }, ['body'], 'standard')).toEqual([]);
  });

  it('refuses more than 64 headers', () => {
    const many = Object.fromEntries(Array.from({ length: 65 }, (_, i) => [`X-H${i}`, 'v']));
    expect(headerProblems(many, ['body', 'headers'], 'standard')[0]!.msg).toMatch(/at most 64/);
  });

  it('keeps the new spelling of a replaced name', () => {
    expect(patchedHeaders({ 'X-A': '1', 'X-B': '2' }, { 'x-a': '3' }, ['x-b'])).toEqual({ 'x-a': '3' });
  });
});
