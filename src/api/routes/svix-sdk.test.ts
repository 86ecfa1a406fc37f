import { ApiException, Svix } from 'svix';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestApi, testAdminToken, type TestApi } from '../../../test/helpers/api.js';
import { insertEndpoint } from '../../../test/helpers/factory.js';

/**
 * The official svix SDK (1.99.1), unchanged, against the routes of this folder: its serializers
 * must read every answer, and its error class must carry Herald's statuses and bodies. Its
 * requests go through `inject()` (the SDK takes a `fetch`), so no socket is needed.
 */
let api: TestApi;
let svix: Svix;

beforeAll(async () => {
  api = await openTestApi();
  const fetchViaInject = (async (input: string | URL | Request, init: RequestInit = {}) => {
    const url = new URL(input instanceof Request ? input.url : String(input));
    const res = await api.app.inject({
      method: (init.method ?? 'GET') as 'GET',
      url: url.pathname + url.search,
      // fetch sends the Host of the URL; inject would say localhost:80.
      headers: { ...(init.headers as Record<string, string>), host: url.host },
      ...(init.body == null ? {} : { payload: init.body as string }),
    });
    const headers = new Headers();
    for (const [name, value] of Object.entries(res.headers)) if (value !== undefined) headers.set(name, String(value));
    return new Response(res.statusCode === 204 ? null : res.body, { status: res.statusCode, headers });
  }) as typeof fetch;
  svix = new Svix(testAdminToken, { serverUrl: 'http://herald.test', fetch: fetchViaInject });
});
afterAll(async () => {
  await api.close();
});

async function apiError(promise: Promise<unknown>): Promise<ApiException<any>> {
  try {
    await promise;
  } catch (err) {
    expect(err).toBeInstanceOf(ApiException);
    return err as ApiException<any>;
  }
  throw new Error('expected the SDK call to fail');
}

describe('svix SDK against Herald', () => {
  it('manages applications', async () => {
    const created = await svix.application.create({ name: 'Acme', uid: 'sdk-acme', metadata: { plan: 'pro' } });
    expect(created).toMatchObject({ name: 'Acme', uid: 'sdk-acme', metadata: { plan: 'pro' } });
    expect(created.createdAt).toBeInstanceOf(Date);
    expect(await svix.application.getOrCreate({ name: 'Other', uid: 'sdk-acme' })).toEqual(created);
    expect((await svix.application.get('sdk-acme')).id).toBe(created.id);
    expect((await svix.application.list({ limit: 10 })).data.map((a) => a.id)).toContain(created.id);
    expect(await svix.application.update('sdk-acme', { name: 'Acme 2' })).toMatchObject({ name: 'Acme 2', uid: 'sdk-acme' });
    expect(await svix.application.patch('sdk-acme', { throttleRate: 9 })).toMatchObject({ name: 'Acme 2', throttleRate: 9 });
    expect((await apiError(svix.application.create({ name: 'x', uid: 'sdk-acme' }))).code).toBe(409);
    await svix.application.delete('sdk-acme');
    const missing = await apiError(svix.application.get('sdk-acme'));
    expect([missing.code, missing.body.code]).toEqual([404, 'not_found']);
  });

  it('manages event types', async () => {
    const schemas = { '1': { type: 'object', examples: [{ a: 1 }] } };
    expect(await svix.eventType.create({ name: 'sdk.event', description: 'd', schemas })).toMatchObject({ name: 'sdk.event', schemas, deprecated: false });
    expect((await svix.eventType.list({ withContent: true })).data.find((e) => e.name === 'sdk.event')?.schemas).toEqual(schemas);
    expect(await svix.eventType.update('sdk.event', { description: 'd2' })).toMatchObject({ description: 'd2' });
    expect(await svix.eventType.patch('sdk.event', { deprecated: true })).toMatchObject({ description: 'd2', deprecated: true });
    await svix.eventType.delete('sdk.event');
    expect((await svix.eventType.get('sdk.event')).archived).toBe(true);
    await svix.eventType.delete('sdk.event', { expunge: true });
    expect((await apiError(svix.eventType.get('sdk.event'))).code).toBe(404);
  });

  it('sends, lists, reads and expunges messages', async () => {
    const app = await svix.application.create({ name: 'Msgs' });
    await insertEndpoint(api.store, app.id as `app_${string}`);
    const payload = { job_id: 1, status: 'ok' };
    const sent = await svix.message.create(app.id, { eventType: 'job.done', eventId: 'sdk-1', payload, channels: ['c1'], tags: ['t1'] });
    expect(sent).toMatchObject({ eventType: 'job.done', eventId: 'sdk-1', payload, channels: ['c1'], tags: ['t1'] });
    expect(sent.timestamp).toBeInstanceOf(Date);
    await svix.message.create(app.id, { eventType: 'job.started', payload });
    expect((await svix.message.list(app.id, { eventTypes: ['job.done', 'other'] })).data.map((m) => m.id)).toEqual([sent.id]);
    expect((await svix.message.get(app.id, 'sdk-1')).payload).toEqual(payload);
    const dup = await apiError(svix.message.create(app.id, { eventType: 'job.done', eventId: 'sdk-1', payload }));
    expect([dup.code, dup.body.code]).toEqual([409, 'conflict']);
    const bad = await apiError(svix.message.create(app.id, { eventType: 'job done', payload }));
    expect(bad.code).toBe(422);
    expect(bad.body.detail[0].loc).toEqual(['body', 'eventType']);
    await svix.message.expungeContent(app.id, sent.id);
    expect((await svix.message.get(app.id, sent.id)).payload).toEqual({ expired: true });
  });

  it('reads the background task of a recover', async () => {
    const app = await svix.application.create({ name: 'Tasks' });
    const ep = await svix.endpoint.create(app.id, { url: 'https://example.com/hook' });
    const started = await svix.endpoint.recover(app.id, ep.id, { since: new Date('2025-12-01T00:00:00Z') });
    const task = await svix.backgroundTask.get(started.id);
    expect(task).toMatchObject({ id: started.id, status: 'finished', task: 'endpoint.recover', data: { messagesSent: 0 } });
    expect(task.updatedAt).toBeInstanceOf(Date);
  });

  it('hands out app-portal access', async () => {
    const app = await svix.application.create({ name: 'Portal' });
    const access = await svix.authentication.appPortalAccess(app.id, { expiry: 3600 });
    expect(access.url).toBe(`http://herald.test/portal#token=${access.token}`);
    const tenant = new Svix(access.token, { serverUrl: 'http://herald.test', fetch: (svix as any).requestCtx.fetch });
    expect((await tenant.application.get(app.id)).id).toBe(app.id);
    expect((await apiError(tenant.application.list())).code).toBe(403);
  });
});
