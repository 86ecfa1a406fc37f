import { describe, expect, it } from 'vitest';
import { verifyWebhook, waitFor, useHerald } from '../helpers/server.js';
import type { ReceiverResponse } from '../helpers/test-receiver.js';

/** Answers the first requests from `first`, then `rest` for every later one. */
function sequence(first: ReceiverResponse[], rest: ReceiverResponse): () => ReceiverResponse {
  let n = 0;
  return () => first[n++] ?? rest;
}

describe('retries, 410 and Retry-After', () => {
  // Two retries, one second apart (±20 % jitter).
  const e2e = useHerald({ env: { HERALD_RETRY_SCHEDULE: '1,1' } });

  async function setup(name: string) {
    const app = await e2e.svix.application.create({ name });
    const r = await e2e.receiver();
    const ep = await e2e.svix.endpoint.create(app.id, { url: r.url });
    const key = (await e2e.svix.endpoint.getSecret(app.id, ep.id)).key;
    return { app, r, ep, key };
  }

  it('retries a failed delivery after the scheduled delay with byte-identical body and a fresh signature', async () => {
    const { app, r, key } = await setup('Retry');
    r.setResponse(sequence([{ status: 500 }], { status: 200 }));
    const payload = { unicode: 'Grüße, 世界 ✓', float: 0.1, big: 12345678901234, nested: { arr: [{}, [], null, true] } };
    const msg = await e2e.svix.message.create(app.id, { eventType: 'retry.me', payload });

    const first = await r.next();
    const second = await r.next(5_000);
    expect(second.headers['webhook-id']).toBe(msg.id);
    expect(second.body).toBe(first.body);
    expect(JSON.parse(second.body)).toEqual(payload);
    expect(verifyWebhook(key, first)).toEqual(payload);
    expect(verifyWebhook(key, second)).toEqual(payload);
    expect(Number(second.headers['webhook-timestamp'])).toBeGreaterThanOrEqual(Number(first.headers['webhook-timestamp']));
    // 1 s from the schedule, at most 20 % earlier with jitter.
    expect(second.receivedAt - first.receivedAt).toBeGreaterThanOrEqual(790);

    const attempts = await waitFor('two attempts', async () => {
      const list = await e2e.svix.messageAttempt.listByMsg(app.id, msg.id);
      return list.data.length === 2 && list.data;
    });
    expect(attempts.map((a) => a.responseStatusCode)).toEqual([200, 500]);
    expect(attempts.map((a) => a.status)).toEqual([0, 2]);
    expect(attempts.every((a) => a.triggerType === 0)).toBe(true);
  });

  it('gives up after the schedule: one attempt plus one per delay, then the delivery is failed', async () => {
    const { app, r, ep } = await setup('Exhaust');
    r.setResponse({ status: 503 });
    const msg = await e2e.svix.message.create(app.id, { eventType: 'never.works', payload: {} });
    await r.waitForCount(3, 6_000);
    const destination = await waitFor('the delivery to fail', async () => {
      const d = (await e2e.svix.messageAttempt.listAttemptedDestinations(app.id, msg.id)).data[0];
      return d?.status === 2 && d;
    });
    expect(destination.nextAttempt ?? null).toBeNull();
    expect(r.requests).toHaveLength(3);
    expect((await e2e.svix.messageAttempt.listByMsg(app.id, msg.id)).data).toHaveLength(3);
    expect(await e2e.svix.endpoint.getStats(app.id, ep.id)).toMatchObject({ fail: 1, pending: 0, sending: 0, success: 0 });
  });

  it('disables the endpoint at once on 410 Gone and stops sending to it', async () => {
    const { app, r, ep } = await setup('Gone');
    r.setResponse({ status: 410 });
    const msg = await e2e.svix.message.create(app.id, { eventType: 'gone.test', payload: { n: 1 } });
    await r.next();
    const disabled = await waitFor('the endpoint to be disabled', async () => {
      const e = await e2e.svix.endpoint.get(app.id, ep.id);
      return e.disabled && e;
    });
    expect(disabled.disabled).toBe(true);
    const destination = (await e2e.svix.messageAttempt.listAttemptedDestinations(app.id, msg.id)).data[0]!;
    expect(destination.status).not.toBe(1);
    expect(destination.nextAttempt ?? null).toBeNull();
    expect((await e2e.svix.messageAttempt.listByMsg(app.id, msg.id)).data).toHaveLength(1);

    const later = await e2e.svix.message.create(app.id, { eventType: 'gone.test', payload: { n: 2 } });
    expect((await e2e.svix.messageAttempt.listAttemptedDestinations(app.id, later.id)).data).toEqual([]);

    r.setResponse({ status: 200 });
    await e2e.svix.endpoint.patch(app.id, ep.id, { disabled: false });
    const revived = await e2e.svix.message.create(app.id, { eventType: 'gone.test', payload: { n: 3 } });
    expect((await r.next()).headers['webhook-id']).toBe(revived.id);
    expect(r.requests).toHaveLength(2);
  });

  it('waits at least Retry-After seconds after a 429 or 503, even when the schedule says sooner', async () => {
    const check = async (status: number) => {
      const { app, r } = await setup(`Retry-After ${status}`);
      r.setResponse(sequence([{ status, headers: { 'retry-after': '2' } }], { status: 200 }));
      const msg = await e2e.svix.message.create(app.id, { eventType: 'slow.down', payload: { status } });
      const first = await r.next();
      const second = await r.next(6_000);
      expect(second.headers['webhook-id']).toBe(msg.id);
      expect(second.body).toBe(first.body);
      return second.receivedAt - first.receivedAt;
    };
    const [gap429, gap503] = await Promise.all([check(429), check(503)]);
    expect(gap429).toBeGreaterThanOrEqual(1_990);
    expect(gap503).toBeGreaterThanOrEqual(1_990);
  });
});
