import { randomBytes } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { call, startHerald, svixFor, verifyWebhook, waitFor, type HeraldProcess } from '../helpers/server.js';
import { TestReceiver } from '../helpers/test-receiver.js';

const marker = (what: string) => `${what}-${randomBytes(9).toString('hex')}`;
const whsec = () => `whsec_${randomBytes(24).toString('base64')}`;

/**
 * Herald's logs are structured JSON (pino) with request ids, and never carry a credential, a
 * secret or a payload: a realistic run at `debug` (tenants, endpoints with credentials in custom
 * headers, secrets given, generated and rotated, portal tokens, good and refused messages,
 * deliveries that succeed, fail and get a 410, operational webhooks, metrics, a graceful stop)
 * and every line it wrote, stdout and stderr, is scanned for each of them.
 */
describe('logs', () => {
  const receivers: TestReceiver[] = [];
  let herald: HeraldProcess | null = null;
  afterAll(async () => {
    await Promise.all(receivers.map((r) => r.close()));
    await herald?.stop();
  });

  async function receiver(status: number): Promise<TestReceiver> {
    const r = await TestReceiver.start();
    r.setResponse({ status, body: 'receiver answer' });
    receivers.push(r);
    return r;
  }

  it('carry request ids and none of the run’s tokens, secrets, header credentials or payloads', { timeout: 60_000 }, async () => {
    herald = await startHerald({ env: { HERALD_LOG_LEVEL: 'debug', HERALD_RETRY_SCHEDULE: '0,0' } });
    const h = herald;
    const secrets: string[] = [h.token];
    const api = async (method: string, path: string, body?: unknown, token?: string) => {
      const res = await call(h, method, path, { body, token });
      expect(res.status, `${method} ${path}: ${res.text}`).toBeLessThan(300);
      return res.json;
    };

    const ops = await receiver(204);
    // Through the svix SDK's own operational-webhook client.
    const svix = svixFor(h);
    const op = await svix.operationalWebhookEndpoint.create({ url: ops.url, filterTypes: ['endpoint.created', 'endpoint.disabled', 'message.attempt.exhausted'] });
    expect((await svix.operationalWebhookEndpoint.list()).data.map((e) => e.id)).toEqual([op.id]);
    const opSecret = (await svix.operationalWebhookEndpoint.getSecret(op.id)).key;
    secrets.push(opSecret);

    const ok = await receiver(200);
    const failing = await receiver(500);
    const gone = await receiver(410);
    await api('POST', '/app', { name: 'Acme', uid: 'acme' });
    const credential = marker('Bearer header-credential');
    const apiKey = marker('api-key');
    const givenSecret = whsec();
    secrets.push(credential, apiKey, givenSecret);
    const good = await api('POST', '/app/acme/endpoint', { url: ok.url, secret: givenSecret, headers: { Authorization: credential, 'X-Api-Key': apiKey } });
    const bad = await api('POST', '/app/acme/endpoint', { url: failing.url });
    await api('POST', '/app/acme/endpoint', { url: gone.url });
    secrets.push((await api('GET', `/app/acme/endpoint/${bad.id}/secret`)).key);
    const rotated = whsec();
    secrets.push(rotated);
    await api('POST', `/app/acme/endpoint/${good.id}/secret/rotate`, { key: rotated });

    const payloads = [marker('payload-one'), marker('payload-two')];
    secrets.push(...payloads);
    for (const p of payloads) await api('POST', '/app/acme/msg', { eventType: 'invoice.paid', payload: { note: p } });
    // Refused input carrying a payload: a schema error, broken JSON, a wrong token.
    const refused = [marker('refused-payload'), marker('broken-json'), marker('wrong-token')];
    secrets.push(...refused);
    expect((await call(h, 'POST', '/app/acme/msg', { body: { eventType: 7, payload: { note: refused[0] } } })).status).toBe(422);
    expect((await call(h, 'POST', '/app/acme/msg', { rawBody: `{"eventType": "x", "payload": {"note": "${refused[1]}"` })).status).toBe(400);
    expect((await call(h, 'GET', '/app', { token: refused[2] })).status).toBe(401);

    const portal = await api('POST', '/auth/app-portal-access/acme', {});
    secrets.push(portal.token);
    const [firstMsg] = (await api('GET', '/app/acme/msg', undefined, portal.token)).data;
    const attempts = await waitFor('the attempts of the first message', async () => {
      const list = (await api('GET', `/app/acme/attempt/msg/${firstMsg.id}`, undefined, portal.token)).data;
      return list.length >= 3 && list;
    });
    expect(JSON.stringify(attempts)).not.toContain(credential);

    await ok.waitForCount(2);
    await failing.waitForCount(6);
    await gone.waitForCount(1);
    // endpoint.created ×3, message.attempt.exhausted ×2 (the failing endpoint), endpoint.disabled (the 410).
    const events = await ops.waitForCount(6);
    for (const e of events) verifyWebhook(opSecret, e);
    await waitFor('the 410 in the metrics', async () => {
      const metrics = await fetch(`${h.url}/metrics`, { headers: { authorization: `Bearer ${h.token}` } });
      // Both messages may be in flight to the 410 endpoint before it is disabled.
      return /herald_delivery_attempts_total\{outcome="endpoint_disabled"\} [12]\n/.test(await metrics.text());
    });

    expect((await h.stop()).code).toBe(0);
    herald = null;
    const output = h.stdout + h.stderr;
    const lines = output.split('\n').filter((l) => l.startsWith('{'));
    expect(lines.length).toBeGreaterThan(10);
    const answered = lines.map((l) => JSON.parse(l) as Record<string, unknown>).filter((l) => l.msg === 'request answered');
    expect(answered.length).toBeGreaterThan(10);
    for (const l of answered) expect(l).toMatchObject({ reqId: expect.any(String), route: expect.any(String), statusCode: expect.any(Number) });
    for (const secret of secrets) {
      expect(output.includes(secret), `the logs contain ${secret}`).toBe(false);
      const body = secret.replace(/^whsec_/, '');
      expect(output.includes(body), `the logs contain ${body}`).toBe(false);
    }
  });
});
