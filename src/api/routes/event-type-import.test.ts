import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FakeClock, openTestApi, type TestApi } from '../../../test/helpers/api.js';
import { dbtCloudCatalog } from '../../profiles/catalogs/dbt-cloud.js';
import { paradymCatalog } from '../../profiles/catalogs/paradym.js';

let api: TestApi;
let clock: FakeClock;
beforeEach(async () => {
  clock = new FakeClock();
  api = await openTestApi({}, clock);
});
afterEach(() => api.close());

const importUrl = (profile: string) => `/api/v1/event-type/import/profile/${profile}`;
const dbtNames = dbtCloudCatalog.map((e) => e.name);

describe('POST /event-type/import/profile/{name}', () => {
  it('creates the catalog’s event types with their schemas, examples and the profile as group', async () => {
    const out = await api.call('POST', importUrl('dbt-cloud'), 200);
    expect(out).toEqual({ profile: 'dbt-cloud', created: dbtNames, updated: [], unchanged: [], skipped: [] });
    const started = await api.call('GET', '/api/v1/event-type/job.run.started', 200);
    expect(started).toMatchObject({ name: 'job.run.started', description: 'A job run started.', groupName: 'dbt-cloud', archived: false });
    expect(started.schemas['1']).toEqual({ ...dbtCloudCatalog[0]!.schema, 'x-herald-catalog': 'dbt-cloud' });
  });

  it('is idempotent: a second import changes nothing and says so', async () => {
    await api.call('POST', importUrl('paradym'), 200);
    const before = await api.call('GET', '/api/v1/event-type?with_content=true&limit=250', 200);
    clock.advance(1000);
    const again = await api.call('POST', importUrl('paradym'), 200);
    expect(again).toEqual({ profile: 'paradym', created: [], updated: [], unchanged: paradymCatalog.map((e) => e.name), skipped: [] });
    expect(await api.call('GET', '/api/v1/event-type?with_content=true&limit=250', 200)).toEqual(before);
  });

  it('updates the schema of an event type it created when the catalog’s differs, keeping what the user set', async () => {
    await api.call('POST', importUrl('dbt-cloud'), 200);
    // An older Herald's schema, and a description and archive the organisation chose since.
    const old = await api.store.eventTypeGet({ name: 'job.run.canceled' });
    await api.store.eventTypeUpdate({ ...old!, description: 'ours', archived: true, schemas: { '1': { type: 'object', 'x-herald-catalog': 'dbt-cloud' }, '2': { type: 'object' } } });
    clock.advance(1000);
    const out = await api.call('POST', importUrl('dbt-cloud'), 200);
    expect(out.updated).toEqual(['job.run.canceled']);
    expect(out.unchanged).toHaveLength(3);
    const canceled = await api.store.eventTypeGet({ name: 'job.run.canceled' });
    expect(canceled).toMatchObject({ description: 'ours', archived: true, updatedAt: clock.now() });
    expect(canceled!.schemas).toEqual({ '1': { ...dbtCloudCatalog[2]!.schema, 'x-herald-catalog': 'dbt-cloud' }, '2': { type: 'object' } });
  });

  it('skips event types it did not create and deletes nothing', async () => {
    const own = { name: 'job.run.started', description: 'mine', schemas: { '1': { type: 'object' } } };
    await api.call('POST', '/api/v1/event-type', 201, own);
    await api.call('POST', '/api/v1/event-type', 201, { name: 'job.run.other', description: 'also mine' });
    const out = await api.call('POST', importUrl('dbt-cloud'), 200);
    expect(out.skipped).toEqual(['job.run.started']);
    expect(out.created).toEqual(dbtNames.slice(1));
    expect(await api.call('GET', '/api/v1/event-type/job.run.started', 200)).toMatchObject(own);
    await api.call('GET', '/api/v1/event-type/job.run.other', 200);
    // Another profile's import does not claim this one's event types either.
    expect((await api.call('POST', importUrl('paradym'), 200)).skipped).toEqual([]);
  });

  it('makes message payloads of those types validate: a violation is 422 naming the path, an example is 202', async () => {
    await api.call('POST', importUrl('dbt-cloud'), 200);
    const app = await api.call('POST', '/api/v1/app', 201, { name: 'acct', uid: '123' });
    const data = dbtCloudCatalog[0]!.schema.examples[0]!;
    const err = await api.call('POST', `/api/v1/app/${app.id}/msg`, 422, { eventType: 'job.run.started', payload: { ...data, job_id: 2 } });
    expect(err.detail[0].loc).toEqual(['body', 'payload', 'job_id']);
    expect((await api.call('GET', `/api/v1/app/${app.id}/msg`, 200)).data).toEqual([]);
    await api.call('POST', `/api/v1/app/${app.id}/msg`, 202, { eventType: 'job.run.started', payload: data });
  });

  it('answers 200 with nothing to do for standard, 404 for an unknown profile, 401/403 without the admin token', async () => {
    expect(await api.call('POST', importUrl('standard'), 200)).toEqual({ profile: 'standard', created: [], updated: [], unchanged: [], skipped: [] });
    const missing = await api.call('POST', importUrl('nope'), 404);
    expect(missing).toMatchObject({ code: 'not_found', detail: expect.stringMatching(/dbt-cloud/) });
    await api.call('POST', importUrl('atscale'), 401, undefined, { token: null });
    const app = await api.call('POST', '/api/v1/app', 201, { name: 'tenant' });
    const portal = (await api.call('POST', `/api/v1/auth/app-portal-access/${app.id}`, 200, {})).token;
    await api.call('POST', importUrl('atscale'), 403, undefined, { token: portal });
    expect((await api.call('GET', '/api/v1/event-type', 200)).data).toEqual([]);
  });
});
