import { statSync } from 'node:fs';
import { join } from 'node:path';
import { Webhook } from 'standardwebhooks';
import type { Svix } from 'svix';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  call,
  expectedSignature,
  headerRecord,
  signaturesOf,
  startHerald,
  svixFor,
  verifyWebhook,
  waitFor,
  type HeraldProcess,
} from '../helpers/server.js';
import { TestReceiver } from '../helpers/test-receiver.js';

const idPattern = (prefix: string) => new RegExp(`^${prefix}_[0-9A-Za-z]{27}$`);

describe('Standard Webhooks test vector', () => {
  // The spec's published vector: proves the verifier these tests trust is itself right.
  it('verifies with the standardwebhooks library used by every e2e receiver', () => {
    const wh = new Webhook('whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw');
    const id = 'msg_p5jXN8AQM9LWM0D4loKWxJek';
    const timestamp = new Date(1614265330 * 1000);
    const payload = '{"test": 2432232314}';
    expect(wh.sign(id, timestamp, payload)).toBe('v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=');
  });
});

describe('quick start against the real server', () => {
  let herald: HeraldProcess;
  let svix: Svix;
  let receiver: TestReceiver;

  beforeAll(async () => {
    herald = await startHerald({ adminToken: 'generate' });
    svix = svixFor(herald);
    receiver = await TestReceiver.start();
  });

  afterAll(async () => {
    await receiver?.close();
    await herald?.stop();
  });

  it('prints where it listens and where the generated admin token is, and writes it 0600', () => {
    expect(herald.stdout).toMatch(/Herald listening on http:\/\/127\.0\.0\.1:\d+/);
    const tokenFile = join(herald.dataDir, 'admin-token');
    expect(herald.stdout).toContain(tokenFile);
    expect(statSync(tokenFile).mode & 0o777).toBe(0o600);
    expect(herald.token.length).toBeGreaterThanOrEqual(16);
  });

  it('answers GET /api/v1/health with 204 without a token', async () => {
    const res = await call(herald, 'GET', '/health', { token: null });
    expect(res.status).toBe(204);
    expect(res.text).toBe('');
    await svix.health.get();
  });

  it('refuses the API without a token', async () => {
    const res = await call(herald, 'GET', '/app', { token: null });
    expect(res.status).toBe(401);
    expect(res.json).toEqual({ code: expect.any(String), detail: expect.any(String) });
  });

  it('creates an app and endpoint, delivers a signed message and lists the attempt', async () => {
    const app = await svix.application.create({ name: 'Quick start', uid: 'quick-start' });
    expect(app.id).toMatch(idPattern('app'));
    expect(app.uid).toBe('quick-start');
    expect(app.metadata).toEqual({});

    const endpoint = await svix.endpoint.create(app.id, { url: receiver.url });
    expect(endpoint.id).toMatch(idPattern('ep'));
    expect(endpoint.url).toBe(receiver.url);
    expect(endpoint.version).toBeGreaterThanOrEqual(1);
    expect(endpoint.description).toBe('');
    expect(endpoint.disabled).toBe(false);
    const { key } = await svix.endpoint.getSecret(app.id, endpoint.id);
    expect(key).toMatch(/^whsec_[A-Za-z0-9+/=]+$/);

    const payload = { invoiceId: 'inv_1', amount: 4200, nested: { ok: true, list: [1, 'two', null] } };
    const msg = await svix.message.create(app.id, { eventType: 'invoice.paid', payload });
    expect(msg.id).toMatch(idPattern('msg'));
    expect(msg.eventType).toBe('invoice.paid');
    expect(msg.payload).toEqual(payload);
    expect(msg.timestamp.getTime()).not.toBeNaN();

    const request = await receiver.next(5_000);
    expect(request.method).toBe('POST');
    expect(request.url).toBe('/webhook');
    expect(request.headers['content-type']).toMatch(/^application\/json/);
    expect(request.headers['user-agent']).toMatch(/^Herald\//);
    expect(request.headers['webhook-id']).toBe(msg.id);
    expect(Math.abs(Number(request.headers['webhook-timestamp']) - Date.now() / 1000)).toBeLessThan(60);
    expect(verifyWebhook(key, request)).toEqual(payload);
    expect(signaturesOf(request)).toEqual([expectedSignature(key, request)]);
    const stranger = new Webhook(`whsec_${Buffer.alloc(24, 1).toString('base64')}`);
    expect(() => stranger.verify(request.body, headerRecord(request))).toThrow();

    const attempt = await waitFor('the attempt to be listed', async () => {
      const list = await svix.messageAttempt.listByMsg(app.id, msg.id);
      return list.data.find((a) => a.responseStatusCode === 200);
    });
    expect(attempt.id).toMatch(idPattern('atmpt'));
    expect(attempt.msgId).toBe(msg.id);
    expect(attempt.endpointId).toBe(endpoint.id);
    expect(attempt.url).toBe(receiver.url);
    expect(attempt.status).toBe(0);
    expect(attempt.triggerType).toBe(0);
    expect(typeof attempt.response).toBe('string');
    expect(attempt.responseDurationMs).toBeGreaterThanOrEqual(0);

    const byEndpoint = await svix.messageAttempt.listByEndpoint(app.id, endpoint.id);
    expect(byEndpoint.data.map((a) => a.id)).toEqual([attempt.id]);
    expect(byEndpoint.done).toBe(true);
  });

  it('exits 0 on SIGTERM', async () => {
    const exit = await herald.kill('SIGTERM');
    expect(exit).toEqual({ code: 0, signal: null });
  });
});
