import type { Svix } from 'svix';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, startHerald, svixFor, waitFor, type HeraldProcess } from '../helpers/server.js';
import { TestReceiver } from '../helpers/test-receiver.js';

describe('private-network guard with HERALD_ALLOWED_NETWORKS set to nothing', () => {
  let herald: HeraldProcess;
  let svix: Svix;
  let receiver: TestReceiver;

  beforeAll(async () => {
    herald = await startHerald({ env: { HERALD_ALLOWED_NETWORKS: '', HERALD_RETRY_SCHEDULE: '' } });
    svix = svixFor(herald);
    receiver = await TestReceiver.start();
  });

  afterAll(async () => {
    await receiver?.close();
    await herald?.stop();
  });

  it('refuses a literal loopback URL at write time with 422', async () => {
    const app = await svix.application.create({ name: 'Guarded literal' });
    for (const url of [receiver.url, 'http://[::1]:9/x', 'http://0.0.0.0/x']) {
      const res = await call(herald, 'POST', `/app/${app.id}/endpoint`, { body: { url } });
      expect(res.status, url).toBe(422);
      expect(JSON.stringify(res.json.detail)).toContain('url');
    }
    expect((await svix.endpoint.list(app.id)).data).toEqual([]);
  });

  it('blocks a hostname that resolves to loopback at connect time, recording status 0 and the reason', async () => {
    const app = await svix.application.create({ name: 'Guarded hostname' });
    const url = receiver.url.replace('127.0.0.1', 'localhost');
    const ep = await svix.endpoint.create(app.id, { url });
    const msg = await svix.message.create(app.id, { eventType: 'guard.test', payload: {} });
    const attempt = await waitFor('the blocked attempt', async () => (await svix.messageAttempt.listByMsg(app.id, msg.id)).data[0]);
    expect(attempt.endpointId).toBe(ep.id);
    expect(attempt.responseStatusCode).toBe(0);
    expect(attempt.status).toBe(2);
    expect(attempt.response).toMatch(/block|private|not allowed|forbidden/i);
    expect(receiver.requests).toEqual([]);
  });
});
