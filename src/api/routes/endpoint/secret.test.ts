import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FakeClock, openTestApi, testAdminToken, testSecretBox, type TestApi } from '../../../../test/helpers/api.js';
import { insertApp, insertEndpoint, insertPortalToken } from '../../../../test/helpers/factory.js';
import { activeSecrets } from '../../../domain/secrets.js';
import type { Application, Endpoint } from '../../../domain/types.js';
import { rotatedSecrets } from './secret.js';

let api: TestApi;
let clock: FakeClock;
let application: Application;
let endpoint: Endpoint;
let url: string;

beforeEach(async () => {
  clock = new FakeClock(Date.parse('2026-02-01T00:00:00Z'));
  api = await openTestApi({}, clock);
  application = await insertApp(api.store, { uid: 'acme' });
  endpoint = await insertEndpoint(api.store, application.id, { uid: 'hook' });
  url = `/api/v1/app/${application.id}/endpoint/${endpoint.id}`;
});
afterEach(() => api.close());

async function storedSecrets() {
  const e = (await api.store.endpointGet({ appId: application.id, idOrUid: endpoint.id }))!;
  return testSecretBox.open(e.secrets);
}

const givenKey = 'whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD';

describe('GET …/secret', () => {
  it('answers {key} with the current secret, by id or uid', async () => {
    const [current] = testSecretBox.open(endpoint.secrets);
    expect(await api.call('GET', `${url}/secret`, 200)).toEqual({ key: current!.key });
    expect(await api.call('GET', '/api/v1/app/acme/endpoint/hook/secret', 200)).toEqual({ key: current!.key });
  });

  it('lets the app’s own portal token read it, and answers 404 to another app’s', async () => {
    await api.call('GET', `${url}/secret`, 200, undefined, { token: await insertPortalToken(api.store, application.id) });
    const other = await insertApp(api.store);
    await api.call('GET', `${url}/secret`, 404, undefined, { token: await insertPortalToken(api.store, other.id) });
  });

  it('answers 401 without a token and 404 for unknown app or endpoint', async () => {
    await api.call('GET', `${url}/secret`, 401, undefined, { token: null });
    await api.call('GET', `/api/v1/app/${application.id}/endpoint/ep_nope/secret`, 404);
    await api.call('GET', `/api/v1/app/nope/endpoint/${endpoint.id}/secret`, 404);
  });
});

describe('POST …/secret/rotate', () => {
  it('answers 204 with no body, makes a new current key and keeps the old one valid for 24 h', async () => {
    const [old] = testSecretBox.open(endpoint.secrets);
    const res = await api.raw({ method: 'POST', url: `${url}/secret/rotate`, headers: { authorization: `Bearer ${testAdminToken}`, 'content-type': 'application/json' }, payload: '{}' });
    expect(res.statusCode).toBe(204);
    expect(res.body).toBe('');
    const { key } = await api.call('GET', `${url}/secret`, 200);
    expect(key).toMatch(/^whsec_/);
    expect(key).not.toBe(old!.key);
    expect(await storedSecrets()).toEqual([
      { key, expiresAt: null },
      { key: old!.key, expiresAt: '2026-02-02T00:00:00.000Z' },
    ]);
  });

  it('rotates when the POST has no body at all', async () => {
    const [old] = testSecretBox.open(endpoint.secrets);
    const res = await api.raw({ method: 'POST', url: `${url}/secret/rotate`, headers: { authorization: `Bearer ${testAdminToken}` } });
    expect(res.statusCode).toBe(204);
    expect((await storedSecrets())[1]).toMatchObject({ key: old!.key });
  });

  it('rotates to a given key, normalizing a key without prefix', async () => {
    await api.call('POST', `${url}/secret/rotate`, 204, { key: givenKey.slice('whsec_'.length) });
    expect(await api.call('GET', `${url}/secret`, 200)).toEqual({ key: givenKey });
  });

  it('honours gracePeriodSeconds, and 0 drops the old key at once', async () => {
    const [old] = testSecretBox.open(endpoint.secrets);
    await api.call('POST', `${url}/secret/rotate`, 204, { key: givenKey, gracePeriodSeconds: 60 });
    expect((await storedSecrets())[1]).toEqual({ key: old!.key, expiresAt: '2026-02-01T00:01:00.000Z' });
    await api.call('POST', `${url}/secret/rotate`, 204, { gracePeriodSeconds: 0 });
    const secrets = await storedSecrets();
    // The key rotated out a moment ago is dropped; the first one keeps its own minute.
    expect(secrets.map((s) => s.key)).not.toContain(givenKey);
    expect(secrets).toContainEqual({ key: old!.key, expiresAt: '2026-02-01T00:01:00.000Z' });
  });

  it('drops keys whose grace period is over at the next rotation', async () => {
    const [old] = testSecretBox.open(endpoint.secrets);
    await api.call('POST', `${url}/secret/rotate`, 204, {});
    clock.advance(25 * 60 * 60 * 1000);
    await api.call('POST', `${url}/secret/rotate`, 204, {});
    const secrets = await storedSecrets();
    expect(secrets).toHaveLength(2);
    expect(secrets.map((s) => s.key)).not.toContain(old!.key);
  });

  it('lets the app’s own portal token rotate', async () => {
    await api.call('POST', `${url}/secret/rotate`, 204, {}, { token: await insertPortalToken(api.store, application.id) });
  });

  it.each([
    ['a key that does not match the pattern', { key: 'short' }, ['body', 'key']],
    ['a number as key', { key: 12345 }, ['body', 'key']],
    ['an asymmetric key', { key: 'whpk_C2FVsBQIhrscChlQIMV+b5sSYspob7oD' }, ['body', 'key']],
    ['a negative grace period', { gracePeriodSeconds: -1 }, ['body', 'gracePeriodSeconds']],
    ['a grace period over 7 days', { gracePeriodSeconds: 604801 }, ['body', 'gracePeriodSeconds']],
    ['a string as grace period', { gracePeriodSeconds: '60' }, ['body', 'gracePeriodSeconds']],
  ])('answers 422 for %s and keeps the secrets', async (_t, body, loc) => {
    const before = await storedSecrets();
    const err = await api.call('POST', `${url}/secret/rotate`, 422, body);
    expect(err.detail).toEqual(expect.arrayContaining([expect.objectContaining({ loc })]));
    expect(await storedSecrets()).toEqual(before);
  });

  it('answers 400 for invalid JSON, 401, and 404 for unknown ids or a foreign portal token, keeping the secrets', async () => {
    const before = await storedSecrets();
    expect(await api.call('POST', `${url}/secret/rotate`, 400, undefined, { rawBody: '{"key"' })).toMatchObject({ code: 'bad_request' });
    await api.call('POST', `${url}/secret/rotate`, 401, {}, { token: null });
    await api.call('POST', `${url}/secret/rotate`, 401, {}, { token: 'herald_admin_wrong_0000000000000' });
    await api.call('POST', `/api/v1/app/${application.id}/endpoint/ep_nope/secret/rotate`, 404, {});
    await api.call('POST', `/api/v1/app/nope/endpoint/${endpoint.id}/secret/rotate`, 404, {});
    const other = await insertApp(api.store);
    await api.call('POST', `${url}/secret/rotate`, 404, {}, { token: await insertPortalToken(api.store, other.id) });
    expect(await storedSecrets()).toEqual(before);
  });
});

describe('rotatedSecrets', () => {
  const now = new Date('2026-02-01T00:00:00Z');
  it('puts the new key first and keeps only keys still in force', () => {
    const next = rotatedSecrets(
      [
        { key: 'whsec_current', expiresAt: null },
        { key: 'whsec_recent', expiresAt: '2026-02-01T12:00:00.000Z' },
        { key: 'whsec_expired', expiresAt: '2026-01-31T00:00:00.000Z' },
      ],
      'whsec_new',
      now,
      3600,
    );
    expect(next).toEqual([
      { key: 'whsec_new', expiresAt: null },
      { key: 'whsec_current', expiresAt: '2026-02-01T01:00:00.000Z' },
      { key: 'whsec_recent', expiresAt: '2026-02-01T12:00:00.000Z' },
    ]);
    expect(activeSecrets(next, now)).toHaveLength(3);
  });
});
