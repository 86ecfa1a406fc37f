import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FakeClock, openTestApi, type TestApi } from '../../../../test/helpers/api.js';
import { insertApp, insertEndpoint, insertEventType, insertPortalToken } from '../../../../test/helpers/factory.js';
import { MessageStatus, TriggerType, type Application, type Endpoint } from '../../../domain/types.js';

let api: TestApi;
let application: Application;
let endpoint: Endpoint;
let bystander: Endpoint;
let url: string;

beforeEach(async () => {
  api = await openTestApi({}, new FakeClock(Date.parse('2026-02-01T00:00:00Z')));
  application = await insertApp(api.store, { uid: 'acme' });
  // The example goes to this endpoint even though its filter would not take the event type.
  endpoint = await insertEndpoint(api.store, application.id, { uid: 'hook', filterTypes: ['other.event'] });
  bystander = await insertEndpoint(api.store, application.id);
  await insertEventType(api.store, { name: 'job.run.completed', schemas: { '1': { type: 'object', examples: [{ job_id: 1, status: 'ok' }, { job_id: 2, status: 'failed' }, 'not an object'] } } });
  await insertEventType(api.store, { name: 'no.examples', schemas: { '1': { type: 'object' } } });
  await insertEventType(api.store, { name: 'no.schema' });
  await insertEventType(api.store, { name: 'gone.event', archived: true, schemas: { '1': { examples: [{ a: 1 }] } } });
  url = `/api/v1/app/${application.id}/endpoint/${endpoint.id}/send-example`;
});
afterEach(() => api.close());

async function messages() {
  return (await api.store.messageList({ appId: application.id, limit: 250 })).data;
}

describe('POST …/send-example', () => {
  it('sends the first example as a message to this endpoint only (202 MessageOut)', async () => {
    const signals = api.queuedSignals();
    const out = await api.call('POST', url, 202, { eventType: 'job.run.completed' });
    expect(out).toEqual({
      id: expect.stringMatching(/^msg_[0-9A-Za-z]{27}$/),
      eventType: 'job.run.completed',
      eventId: null,
      payload: { job_id: 1, status: 'ok' },
      channels: null,
      tags: null,
      timestamp: '2026-02-01T00:00:00.000Z',
      deliverAt: null,
    });
    expect(api.queuedSignals()).toBe(signals + 1);
    const stored = await api.store.messageGet({ appId: application.id, idOrEventId: out.id });
    expect(stored).toMatchObject({ eventType: 'job.run.completed', payload: '{"job_id":1,"status":"ok"}' });
    const ds = await api.store.deliveryListByMessage({ appId: application.id, msgId: out.id });
    expect(ds.map((d) => [d.endpointId, d.status])).toEqual([[endpoint.id, MessageStatus.Pending]]);
    expect(ds.map((d) => d.endpointId)).not.toContain(bystander.id);
    expect(ds[0]!.triggerType).toBe(TriggerType.Scheduled);
  });

  it('picks the example at exampleIndex, addressing app and endpoint by uid', async () => {
    const out = await api.call('POST', '/api/v1/app/acme/endpoint/hook/send-example', 202, { eventType: 'job.run.completed', exampleIndex: 1 });
    expect(out.payload).toEqual({ job_id: 2, status: 'failed' });
  });

  it('sends {"success": true} for svix.ping without an event type', async () => {
    const out = await api.call('POST', url, 202, { eventType: 'svix.ping' });
    expect(out).toMatchObject({ eventType: 'svix.ping', payload: { success: true } });
  });

  it('lets the app’s own portal token send an example', async () => {
    await api.call('POST', url, 202, { eventType: 'job.run.completed' }, { token: await insertPortalToken(api.store, application.id) });
  });

  it.each([
    ['an event type without examples', { eventType: 'no.examples' }, ['body', 'eventType']],
    ['an event type without a schema', { eventType: 'no.schema' }, ['body', 'eventType']],
    ['an exampleIndex past the last example', { eventType: 'job.run.completed', exampleIndex: 3 }, ['body', 'exampleIndex']],
    ['an example that is not an object', { eventType: 'job.run.completed', exampleIndex: 2 }, ['body', 'exampleIndex']],
    ['a negative exampleIndex', { eventType: 'job.run.completed', exampleIndex: -1 }, ['body', 'exampleIndex']],
    ['a string as exampleIndex (no coercion)', { eventType: 'job.run.completed', exampleIndex: '1' }, ['body', 'exampleIndex']],
    ['a missing eventType', {}, ['body', 'eventType']],
    ['a number as eventType', { eventType: 7 }, ['body', 'eventType']],
    ['an eventType that is not a name', { eventType: 'has space' }, ['body', 'eventType']],
  ])('answers 422 for %s and sends nothing', async (_t, body, loc) => {
    const err = await api.call('POST', url, 422, body);
    expect(err.detail).toEqual(expect.arrayContaining([expect.objectContaining({ loc })]));
    expect(await messages()).toEqual([]);
  });

  it('answers 422 and sends nothing when the example does not match the event type schema', async () => {
    const schema = { type: 'object', properties: { job_id: { type: 'integer' } }, required: ['job_id'], examples: [{ job_id: 'one' }, { job_id: 1 }] };
    await insertEventType(api.store, { name: 'bad.example', schemas: { '1': schema } });
    const err = await api.call('POST', url, 422, { eventType: 'bad.example' });
    expect(err.detail.map((d: { loc: string[] }) => d.loc)).toEqual([['body', 'exampleIndex', 'payload', 'job_id']]);
    expect(await messages()).toEqual([]);
    await api.call('POST', url, 202, { eventType: 'bad.example', exampleIndex: 1 });
  });

  it('answers 404 for an unknown or archived event type and sends nothing', async () => {
    expect(await api.call('POST', url, 404, { eventType: 'no.such.event' })).toMatchObject({ code: 'not_found' });
    await api.call('POST', url, 404, { eventType: 'gone.event' });
    expect(await messages()).toEqual([]);
  });

  it('answers 400 for invalid JSON, 401, and 404 for unknown ids or another app’s portal token, sending nothing', async () => {
    await api.call('POST', url, 400, undefined, { rawBody: '{"eventType":' });
    await api.call('POST', url, 401, { eventType: 'job.run.completed' }, { token: null });
    await api.call('POST', `/api/v1/app/${application.id}/endpoint/ep_nope/send-example`, 404, { eventType: 'job.run.completed' });
    await api.call('POST', `/api/v1/app/nope/endpoint/${endpoint.id}/send-example`, 404, { eventType: 'job.run.completed' });
    const other = await insertApp(api.store);
    await api.call('POST', url, 404, { eventType: 'job.run.completed' }, { token: await insertPortalToken(api.store, other.id) });
    expect(await messages()).toEqual([]);
  });
});
