import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openTestApi, type TestApi } from '../../../test/helpers/api.js';
import { insertApp, insertEndpoint } from '../../../test/helpers/factory.js';
import { newId } from '../../domain/ids.js';

let api: TestApi;
let recoverUrl: string;
let appId: string;

beforeEach(async () => {
  api = await openTestApi();
  const application = await insertApp(api.store, { uid: 'acme' });
  appId = application.id;
  const endpoint = await insertEndpoint(api.store, application.id);
  recoverUrl = `/api/v1/app/${application.id}/endpoint/${endpoint.id}/recover`;
});
afterEach(() => api.close());

describe('GET /background-task/{task_id}', () => {
  it('reads the task a recover answered with: every BackgroundTaskOut field', async () => {
    const task = await api.call('POST', recoverUrl, 202, { since: '2025-12-01T00:00:00Z' });
    const out = await api.call('GET', `/api/v1/background-task/${task.id}`, 200);
    expect(Object.keys(out).sort()).toEqual(['data', 'id', 'status', 'task', 'updatedAt']);
    expect(out).toEqual(task);
    expect(out).toMatchObject({ status: 'finished', task: 'endpoint.recover', data: { messagesSent: 0 } });
  });

  it('answers 404 for an unknown task and 422 for a malformed id', async () => {
    expect(await api.call('GET', `/api/v1/background-task/${newId('qtask')}`, 404)).toMatchObject({ code: 'not_found' });
    expect((await api.call('GET', '/api/v1/background-task/nope', 422)).detail[0].loc).toEqual(['path', 'task_id']);
  });

  it('answers 401 without a token and 403 to a portal token', async () => {
    const task = await api.call('POST', recoverUrl, 202, { since: '2025-12-01T00:00:00Z' });
    const { token } = await api.call('POST', `/api/v1/auth/app-portal-access/${appId}`, 200, {});
    await api.call('GET', `/api/v1/background-task/${task.id}`, 401, undefined, { token: null });
    await api.call('GET', `/api/v1/background-task/${task.id}`, 403, undefined, { token });
  });
});
