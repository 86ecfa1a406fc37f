import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openTestApi, type TestApi } from '../../test/helpers/api.js';
import { attempt, insertApp, insertEndpoint, insertMessage, insertPortalToken } from '../../test/helpers/factory.js';
import { MessageStatus, type Application } from '../domain/types.js';

let api: TestApi;
let tenant: Application;
let base: string;
let attemptUrl: string;
const sent = {
  'content-type': 'application/json',
  'webhook-signature': 'v1,abc=',
  authorization: 'Bearer receiver-credential',
  cookie: 'session=receiver-cookie',
  'x-tenant-key': 'custom-credential',
};

beforeEach(async () => {
  api = await openTestApi();
  tenant = await insertApp(api.store);
  const ep = await insertEndpoint(api.store, tenant.id, { headers: { Authorization: sent.authorization, 'X-Tenant-Key': sent['x-tenant-key'] } });
  const m = await insertMessage(api.store, tenant.id, [ep.id]);
  const key = { appId: tenant.id, msgId: m.id, endpointId: ep.id };
  const a = attempt(key, { requestHeaders: sent });
  await api.store.deliveryRecordOutcomes({ outcomes: [{ key, attempt: a, status: MessageStatus.Success, nextAttemptAt: null, attemptCount: 1, disableEndpoint: false }] });
  base = `/api/v1/app/${tenant.id}`;
  attemptUrl = `${base}/msg/${m.id}/attempt/${a.id}`;
});
afterEach(() => api.close());

describe("attempts' recorded request headers", () => {
  it('withhold sensitive values (Authorization, Cookie) from the admin token too', async () => {
    expect((await api.call('GET', attemptUrl, 200)).requestHeaders).toEqual({
      ...sent,
      authorization: '[redacted]',
      cookie: '[redacted]',
    });
  });

  it("withhold every value but Herald's own from a portal token, in lists, one attempt and the request inspector", async () => {
    const token = await insertPortalToken(api.store, tenant.id, { readOnly: true });
    const expected = { 'content-type': 'application/json', 'webhook-signature': 'v1,abc=', authorization: '[redacted]', cookie: '[redacted]', 'x-tenant-key': '[redacted]' };
    expect((await api.call('GET', attemptUrl, 200, undefined, { token })).requestHeaders).toEqual(expected);
    const msgId = attemptUrl.split('/')[6];
    expect((await api.call('GET', `${base}/attempt/msg/${msgId}`, 200, undefined, { token })).data[0].requestHeaders).toEqual(expected);
    expect((await api.call('GET', `${attemptUrl}/request`, 200, undefined, { token })).headers).toEqual(expected);
  });
});
