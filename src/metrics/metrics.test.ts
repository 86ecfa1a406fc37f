import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openTestApi, type TestApi } from '../../test/helpers/api.js';
import { attempt, insertApp, insertEndpoint, insertMessage, insertPortalToken, message } from '../../test/helpers/factory.js';
import { openTestStore } from '../../test/helpers/open-test-store.js';
import { MessageStatus } from '../domain/types.js';
import type { DeliveryOutcome } from '../store/driver.js';
import { instrumentStore } from './instrument-store.js';
import { HeraldMetrics } from './metrics.js';

/** The value of one sample line of the Prometheus text. */
async function sample(metrics: HeraldMetrics, line: string): Promise<number | undefined> {
  const text = await metrics.text();
  const found = text.split('\n').find((l) => l.startsWith(`${line} `));
  return found === undefined ? undefined : Number(found.slice(line.length + 1));
}

describe('GET /metrics', () => {
  let api: TestApi;
  beforeEach(async () => {
    api = await openTestApi();
  });
  afterEach(() => api.close());

  it('needs the admin token: 401 without one, 403 for a portal token', async () => {
    const app = await insertApp(api.store);
    expect((await api.raw({ method: 'GET', url: '/metrics' })).statusCode).toBe(401);
    const portal = await insertPortalToken(api.store, app.id);
    const res = await api.raw({ method: 'GET', url: '/metrics', headers: { authorization: `Bearer ${portal}` } });
    expect(res.statusCode).toBe(403);
    expect(res.json()).toMatchObject({ code: 'insufficient_access' });
  });

  it('serves the queue gauges read from the store at each scrape', async () => {
    const app = await insertApp(api.store);
    const ep = await insertEndpoint(api.store, app.id);
    const now = api.clock.now();
    await insertMessage(api.store, app.id, [ep.id], { timestamp: new Date(now.getTime() - 90_000) }, new Date(now.getTime() - 90_000));
    await insertMessage(api.store, app.id, [ep.id], { timestamp: now }, new Date(now.getTime() + 60_000));
    const scrape = async () => {
      const res = await api.raw({ method: 'GET', url: '/metrics', headers: { authorization: 'Bearer herald_admin_test_token_0123456789' } });
      expect(res.statusCode).toBe(200);
      expect(res.headers['content-type']).toMatch(/^text\/plain/);
      return res.body;
    };
    let text = await scrape();
    expect(text).toContain('herald_queue_pending 2');
    expect(text).toContain('herald_queue_due 1');
    expect(text).toContain('herald_queue_oldest_due_age_seconds 90');

    await api.store.deliveryClaimDue({ now, limit: 10, leaseMs: 30_000, perEndpointLimit: 10, skipEndpointIds: [] });
    text = await scrape();
    expect(text).toContain(`herald_deliveries_in_flight{app_id="${app.id}",endpoint_id="${ep.id}"} 1`);
    expect(text).toContain('herald_queue_due 0');
    expect(text).toContain('herald_queue_oldest_due_age_seconds 0');
  });

  it('is open without a token when HERALD_METRICS_PUBLIC=true', async () => {
    const open = await openTestApi({ HERALD_METRICS_PUBLIC: 'true' });
    try {
      expect((await open.raw({ method: 'GET', url: '/metrics' })).statusCode).toBe(200);
    } finally {
      await open.close();
    }
  });
});

const key = { appId: 'app_1', msgId: 'msg_1', endpointId: 'ep_1' } as DeliveryOutcome['key'];
const outcome = (status: MessageStatus, over: Partial<DeliveryOutcome> = {}, ms = 20): DeliveryOutcome => ({
  key,
  attempt: attempt(key, { status: status === MessageStatus.Success ? MessageStatus.Success : MessageStatus.Fail, responseDurationMs: ms }),
  status,
  nextAttemptAt: null,
  attemptCount: 1,
  disableEndpoint: false,
  ...over,
});

describe('HeraldMetrics', () => {
  it('counts written outcomes by kind and observes attempt durations', async () => {
    const metrics = new HeraldMetrics();
    metrics.outcomesRecorded([
      outcome(MessageStatus.Success),
      outcome(MessageStatus.Pending, {}, 3000),
      outcome(MessageStatus.Fail),
      outcome(MessageStatus.Fail, { disableEndpoint: true }),
    ]);
    for (const kind of ['success', 'retry', 'exhausted', 'endpoint_disabled']) {
      expect(await sample(metrics, `herald_delivery_attempts_total{outcome="${kind}"}`)).toBe(1);
    }
    expect(await sample(metrics, 'herald_attempt_duration_seconds_count{result="failure"}')).toBe(3);
    expect(await sample(metrics, 'herald_attempt_duration_seconds_bucket{le="2.5",result="failure"}')).toBe(2);
  });

  it('sums another registry into its text (the delivery thread\'s, read at each scrape)', async () => {
    const api = new HeraldMetrics();
    const delivery = new HeraldMetrics();
    api.addSource(() => delivery.registry.getMetricsAsJSON());
    api.outcomesRecorded([outcome(MessageStatus.Success)]);
    delivery.outcomesRecorded([outcome(MessageStatus.Success), outcome(MessageStatus.Success, {}, 3000), outcome(MessageStatus.Fail)]);
    api.messagesAccepted.inc(5);
    expect(await sample(api, 'herald_delivery_attempts_total{outcome="success"}')).toBe(3);
    expect(await sample(api, 'herald_delivery_attempts_total{outcome="exhausted"}')).toBe(1);
    expect(await sample(api, 'herald_attempt_duration_seconds_count{result="success"}')).toBe(3);
    expect(await sample(api, 'herald_attempt_duration_seconds_bucket{le="2.5",result="success"}')).toBe(2);
    expect(await sample(api, 'herald_messages_accepted_total')).toBe(5);
  });

  it('counts accepted messages and store faults through the instrumented store, not domain answers', async () => {
    const metrics = new HeraldMetrics();
    const { store: raw, close } = await openTestStore('sqlite');
    const store = instrumentStore(raw, metrics);
    try {
      const app = await insertApp(store);
      await store.messageInsert({ items: [{ message: message(app.id), endpointIds: [] }, { message: message(app.id), endpointIds: [] }], now: new Date() });
      expect(await sample(metrics, 'herald_messages_accepted_total')).toBe(2);
      await expect(store.endpointUpdate({ ...(await insertEndpoint(store, app.id)), id: 'ep_000000000000000000000000000' })).rejects.toThrow();
      expect(await sample(metrics, 'herald_store_errors_total{operation="endpointUpdate"}')).toBeUndefined();
      await raw.close();
      await expect(store.applicationList({ limit: 1 })).rejects.toThrow();
      expect(await sample(metrics, 'herald_store_errors_total{operation="applicationList"}')).toBe(1);
    } finally {
      await close();
    }
  });
});
