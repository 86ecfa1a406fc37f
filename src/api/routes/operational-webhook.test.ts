import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openTestApi, type TestApi } from '../../../test/helpers/api.js';
import { insertApp, insertPortalToken } from '../../../test/helpers/factory.js';
import { operationalAppId } from '../../operational/publisher.js';

let api: TestApi;
const base = '/api/v1/operational-webhook/endpoint';
const url = 'https://ops.example.com/herald';

beforeEach(async () => {
  api = await openTestApi();
});
afterEach(() => api.close());

/** The operational events queued so far, oldest first. */
async function queued(): Promise<{ type: string; data: Record<string, unknown> }[]> {
  const page = await api.store.messageList({ appId: operationalAppId, limit: 100, order: 'ascending' });
  return page.data.map((m) => JSON.parse(m.payload!));
}

describe('operational webhook endpoints', () => {
  it('create (201), get, list, update (200), delete (204) in Svix shapes', async () => {
    const created = await api.call('POST', base, 201, { url, uid: 'ops', filterTypes: ['endpoint.disabled'], metadata: { team: 'sre' }, throttleRate: 5 });
    expect(created).toEqual({
      id: expect.stringMatching(/^ep_[A-Za-z0-9]{27}$/),
      uid: 'ops',
      url,
      description: '',
      disabled: false,
      filterTypes: ['endpoint.disabled'],
      rateLimit: 5,
      throttleRate: 5,
      metadata: { team: 'sre' },
      createdAt: '2026-01-01T00:00:00.000Z',
      updatedAt: '2026-01-01T00:00:00.000Z',
    });
    expect(await api.call('GET', `${base}/ops`, 200)).toEqual(created);
    expect(await api.call('GET', base, 200)).toMatchObject({ data: [created], done: true });
    const updated = await api.call('PUT', `${base}/${created.id}`, 200, { url: `${url}/v2`, description: 'pager' });
    expect(updated).toMatchObject({ uid: 'ops', url: `${url}/v2`, description: 'pager', filterTypes: null, rateLimit: null });
    await api.call('DELETE', `${base}/ops`, 204);
    await api.call('GET', `${base}/ops`, 404);
  });

  it('secret get and rotate, headers get and update', async () => {
    const { id } = await api.call('POST', base, 201, { url });
    const { key } = await api.call('GET', `${base}/${id}/secret`, 200);
    expect(key).toMatch(/^whsec_/);
    await api.call('POST', `${base}/${id}/secret/rotate`, 204, {});
    expect((await api.call('GET', `${base}/${id}/secret`, 200)).key).not.toBe(key);
    await api.call('PUT', `${base}/${id}/headers`, 204, { headers: { 'X-Team': 'sre', Authorization: 'Bearer pager' } });
    expect(await api.call('GET', `${base}/${id}/headers`, 200)).toEqual({ headers: { 'X-Team': 'sre' }, sensitive: ['Authorization'] });
  });

  it('refuses filterTypes that are not operational event types, and blocked URLs, with 422', async () => {
    const { detail } = await api.call('POST', base, 422, { url, filterTypes: ['invoice.paid'] });
    expect(detail[0].loc).toEqual(['body', 'filterTypes']);
    const blocked = await openTestApi({ HERALD_ALLOWED_NETWORKS: '' });
    try {
      expect((await blocked.call('POST', base, 422, { url: 'http://10.0.0.1/hook' })).detail[0].loc).toEqual(['body', 'url']);
    } finally {
      await blocked.close();
    }
  });

  it('is for the organisation token only, and its application stays out of the app routes', async () => {
    const tenant = await insertApp(api.store);
    const portal = await insertPortalToken(api.store, tenant.id);
    await api.call('GET', base, 403, undefined, { token: portal });
    await api.call('POST', base, 201, { url });
    expect((await api.call('GET', '/api/v1/app', 200)).data.map((a: { id: string }) => a.id)).toEqual([tenant.id]);
    await api.call('GET', `/api/v1/app/${operationalAppId}`, 404);
    await api.call('GET', `/api/v1/app/${operationalAppId}/endpoint`, 404);
    // Ingest looks applications up through its cache, which must not let a message in either.
    await api.call('POST', `/api/v1/app/${operationalAppId}/msg`, 404, { eventType: 'endpoint.created', payload: {} });
  });
});

describe('endpoint events', () => {
  it('queues endpoint.created, updated, disabled (manual) and deleted for the operational endpoints', async () => {
    await api.call('POST', base, 201, { url });
    const tenant = await insertApp(api.store, { uid: 'acme' });
    const ep = await api.call('POST', '/api/v1/app/acme/endpoint', 201, { url: 'https://acme.example.com/hook', uid: 'hook' });
    await api.call('PATCH', '/api/v1/app/acme/endpoint/hook', 200, { disabled: true });
    await api.call('DELETE', '/api/v1/app/acme/endpoint/hook', 204);
    const ids = { appId: tenant.id, appUid: 'acme', endpointId: ep.id, endpointUid: 'hook' };
    expect(await queued()).toEqual([
      { type: 'endpoint.created', data: ids },
      { type: 'endpoint.updated', data: ids },
      { type: 'endpoint.disabled', data: { ...ids, failSince: null, trigger: 'manual' } },
      { type: 'endpoint.deleted', data: ids },
    ]);
    // Each is a pending delivery to the operational endpoint, sent like any other.
    const stats = await api.store.deliveryQueueStats({ now: api.clock.now() });
    expect(stats.pending).toBe(4);
  });

  it('queues nothing while no operational endpoint exists, or for types an endpoint did not subscribe to', async () => {
    await insertApp(api.store, { uid: 'acme' });
    await api.call('POST', '/api/v1/app/acme/endpoint', 201, { url: 'https://acme.example.com/a' });
    expect(await queued()).toEqual([]);
    await api.call('POST', base, 201, { url, filterTypes: ['endpoint.deleted'] });
    await api.call('POST', '/api/v1/app/acme/endpoint', 201, { url: 'https://acme.example.com/b' });
    expect(await queued()).toEqual([]);
  });
});
