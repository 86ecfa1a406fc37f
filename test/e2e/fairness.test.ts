import { describe, expect, it } from 'vitest';
import { call, waitFor, useHerald } from '../helpers/server.js';

describe('maxConcurrency and rateLimit', () => {
  const e2e = useHerald();
  const receiver = () => e2e.receiver();

  it('holds at most maxConcurrency requests on a hanging endpoint while another endpoint gets its message at once', async () => {
    const slowApp = await e2e.svix.application.create({ name: 'Hanging tenant' });
    const fastApp = await e2e.svix.application.create({ name: 'Healthy tenant' });
    const hanging = await receiver();
    const fast = await receiver();

    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    let maxInFlight = 0;
    hanging.setResponse(async () => {
      maxInFlight = Math.max(maxInFlight, hanging.inFlight);
      await gate;
      return { status: 200 };
    });

    const created = await call(e2e.herald, 'POST', `/app/${slowApp.id}/endpoint`, { body: { url: hanging.url, maxConcurrency: 2 } });
    expect(created.status, created.text).toBe(201);
    expect(created.json.maxConcurrency).toBe(2);
    await e2e.svix.endpoint.create(fastApp.id, { url: fast.url });

    const sent = await Promise.all(Array.from({ length: 6 }, (_, i) => e2e.svix.message.create(slowApp.id, { eventType: 'pile.up', payload: { i } })));
    await hanging.waitForCount(2);

    const started = performance.now();
    const fresh = await e2e.svix.message.create(fastApp.id, { eventType: 'fresh.news', payload: {} });
    expect((await fast.next(3_000)).headers['webhook-id']).toBe(fresh.id);
    expect(performance.now() - started).toBeLessThan(2_000);
    expect(hanging.requests).toHaveLength(2);
    expect(hanging.inFlight).toBe(2);

    release();
    await hanging.waitForCount(6, 10_000);
    expect(new Set(hanging.requests.map((r) => r.headers['webhook-id']))).toEqual(new Set(sent.map((m) => m.id)));
    expect(maxInFlight).toBeLessThanOrEqual(2);
  });

  it('spaces deliveries to an endpoint with rateLimit N to about N per second, failing none', async () => {
    const app = await e2e.svix.application.create({ name: 'Rate limited' });
    const r = await receiver();
    const ep = await e2e.svix.endpoint.create(app.id, { url: r.url, rateLimit: 2 });
    expect(ep.rateLimit).toBe(2);

    await Promise.all(Array.from({ length: 8 }, (_, i) => e2e.svix.message.create(app.id, { eventType: 'metered', payload: { i } })));
    const all = await r.waitForCount(8, 15_000);
    const span = all[7]!.receivedAt - all[0]!.receivedAt;
    // 8 messages at 2/s: at least 3 s with a token bucket of 2, and > 2 s even with fixed
    // one-second windows; without the limit they arrive within a few milliseconds.
    expect(span).toBeGreaterThanOrEqual(1_900);

    const stats = await waitFor('all eight to succeed', async () => {
      const s = await e2e.svix.endpoint.getStats(app.id, ep.id);
      return s.success === 8 && s;
    });
    expect(stats.fail).toBe(0);
    expect((await e2e.svix.messageAttempt.listByEndpoint(app.id, ep.id, { limit: 250 })).data).toHaveLength(8);
  });
});
