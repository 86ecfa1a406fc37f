import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FakeClock, openTestApi, type TestApi } from '../../../../test/helpers/api.js';
import { insertApp, insertDelivery, insertEndpoint, insertPortalToken } from '../../../../test/helpers/factory.js';
import { MessageStatus, type Application, type Endpoint } from '../../../domain/types.js';

let api: TestApi;
let application: Application;
let endpoint: Endpoint;
let url: string;

beforeEach(async () => {
  api = await openTestApi({}, new FakeClock(Date.parse('2026-02-01T00:00:00Z')));
  application = await insertApp(api.store, { uid: 'acme' });
  endpoint = await insertEndpoint(api.store, application.id, { uid: 'hook' });
  url = `/api/v1/app/${application.id}/endpoint/${endpoint.id}/stats`;
  const at = (iso: string) => ({ timestamp: new Date(iso) });
  const spec = { appId: application.id, endpointId: endpoint.id };
  await insertDelivery(api.store, { ...spec, status: MessageStatus.Success, message: at('2026-01-10T00:00:00Z') });
  await insertDelivery(api.store, { ...spec, status: MessageStatus.Fail, message: at('2026-01-11T00:00:00Z') });
  await insertDelivery(api.store, { ...spec, message: at('2026-01-12T00:00:00Z') });
  await insertDelivery(api.store, { ...spec, message: at('2026-01-20T00:00:00Z') });
  // Another endpoint's deliveries do not count.
  const other = await insertEndpoint(api.store, application.id);
  await insertDelivery(api.store, { appId: application.id, endpointId: other.id, status: MessageStatus.Fail });
});
afterEach(() => api.close());

describe('GET …/stats', () => {
  it('counts the endpoint’s deliveries by state, every EndpointStats field present', async () => {
    expect(await api.call('GET', url, 200)).toEqual({ success: 1, pending: 2, sending: 0, fail: 1, canceled: 0 });
  });

  it('counts a claimed delivery as sending', async () => {
    await api.store.deliveryClaimDue({ now: api.clock.now(), limit: 1, leaseMs: 30_000, perEndpointLimit: 1, skipEndpointIds: [] });
    expect(await api.call('GET', '/api/v1/app/acme/endpoint/hook/stats', 200)).toMatchObject({ pending: 1, sending: 1 });
  });

  it('limits the count to messages created in [since, until)', async () => {
    const q = new URLSearchParams({ since: '2026-01-11T00:00:00Z', until: '2026-01-20T00:00:00Z' });
    expect(await api.call('GET', `${url}?${q}`, 200)).toEqual({ success: 0, pending: 1, sending: 0, fail: 1, canceled: 0 });
    expect(await api.call('GET', `${url}?since=2026-01-15T00:00:00Z`, 200)).toEqual({ success: 0, pending: 1, sending: 0, fail: 0, canceled: 0 });
  });

  it('lets the app’s own portal token read them', async () => {
    await api.call('GET', url, 200, undefined, { token: await insertPortalToken(api.store, application.id) });
  });

  it.each([
    ['a since that is not a date-time', 'since=yesterday', ['query', 'since']],
    ['an until that is not a date-time', 'until=1767225600', ['query', 'until']],
    ['since after until', 'since=2026-01-02T00:00:00Z&until=2026-01-01T00:00:00Z', ['query', 'since']],
  ])('answers 422 for %s', async (_t, query, loc) => {
    const err = await api.call('GET', `${url}?${query}`, 422);
    expect(err.detail).toEqual(expect.arrayContaining([expect.objectContaining({ loc })]));
  });

  it('answers 401 without a token, 404 for unknown ids and another app’s portal token', async () => {
    await api.call('GET', url, 401, undefined, { token: null });
    await api.call('GET', `/api/v1/app/${application.id}/endpoint/ep_nope/stats`, 404);
    await api.call('GET', `/api/v1/app/nope/endpoint/${endpoint.id}/stats`, 404);
    const other = await insertApp(api.store);
    await api.call('GET', url, 404, undefined, { token: await insertPortalToken(api.store, other.id) });
  });
});
