import { Webhook } from 'standardwebhooks';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { insertApp, insertEndpoint, insertMessage, testSecretBox } from '../../test/helpers/factory.js';
import { openTestStore } from '../../test/helpers/open-test-store.js';
import { TestReceiver, type ReceivedRequest } from '../../test/helpers/test-receiver.js';
import { loadConfig, type Config } from '../config.js';
import type { Clock } from '../domain/clock.js';
import { UnavailableError } from '../domain/errors.js';
import { generateSecret } from '../domain/secrets.js';
import { MessageStatus, TriggerType, type Application, type Attempt, type Endpoint, type Message } from '../domain/types.js';
import type { Store } from '../store/driver.js';
import { Dispatcher, type DispatcherOptions, type DispatchLogger } from './claim-loop.js';
import { userAgent } from './sender.js';

/** Wall time the test moves by hand; the dispatcher reads it for attempts, schedules and leases. */
class FakeClock implements Clock {
  constructor(private ms: number) {}
  now(): Date {
    return new Date(this.ms);
  }
  advance(ms: number): void {
    this.ms += ms;
  }
}

const logger: DispatchLogger = {
  debug: () => undefined,
  info: () => undefined,
  warn: (obj, msg) => console.warn(msg, obj),
  error: (obj, msg) => console.error(msg, obj),
};

interface Harness {
  store: Store;
  clock: FakeClock;
  config: Config;
  app: Application;
  dispatcher(options?: Partial<DispatcherOptions>): Dispatcher;
  endpoint(url: string, over?: Partial<Endpoint>): Promise<{ endpoint: Endpoint; secret: string }>;
  message(endpoints: Endpoint[], payload?: string): Promise<Message>;
  delivery(msg: Message, endpoint: Endpoint): Promise<{ status: number; attemptCount: number; nextAttemptAt: Date | null }>;
  attempts(msg: Message): Promise<Attempt[]>;
}

let h: Harness;
let closeStore: () => Promise<void>;
const dispatchers: Dispatcher[] = [];
const receivers: TestReceiver[] = [];

async function receiver(): Promise<TestReceiver> {
  const r = await TestReceiver.start();
  receivers.push(r);
  return r;
}

beforeEach(async () => {
  const opened = await openTestStore('sqlite');
  const store = opened.store;
  closeStore = opened.close;
  // Near real time (the reference verifier checks the timestamp), on a whole second (HTTP dates).
  const clock = new FakeClock(Math.floor(Date.now() / 1000) * 1000);
  const config = loadConfig({ HERALD_ALLOWED_NETWORKS: '127.0.0.0/8,::1/128', HERALD_RETRY_SCHEDULE: '5,300' });
  const app = await insertApp(store, { uid: 'tenant-1', createdAt: clock.now() });
  h = {
    store,
    clock,
    config,
    app,
    dispatcher(options = {}) {
      const d = new Dispatcher({ store, clock, config, secretBox: testSecretBox, logger, options: { random: () => 0.5, ...options } });
      dispatchers.push(d);
      return d;
    },
    async endpoint(url, over = {}) {
      const secret = generateSecret();
      const endpoint = await insertEndpoint(store, app.id, { url, secrets: testSecretBox.seal([{ key: secret, expiresAt: null }]), createdAt: clock.now(), ...over });
      return { endpoint, secret };
    },
    async message(endpoints, payload = '{"type": "invoice.paid",  "amount":  42 }') {
      const ids = endpoints.map((e) => e.id);
      return insertMessage(store, app.id, ids, { eventType: 'invoice.paid', payload, timestamp: clock.now() }, clock.now());
    },
    async delivery(msg, endpoint) {
      const all = await store.deliveryListByMessage({ appId: app.id, msgId: msg.id });
      const d = all.find((x) => x.endpointId === endpoint.id);
      if (!d) throw new Error('no such delivery');
      return { status: d.status, attemptCount: d.attemptCount, nextAttemptAt: d.nextAttemptAt };
    },
    async attempts(msg) {
      const page = await store.attemptList({ appId: app.id, msgId: msg.id, limit: 100, order: 'ascending' });
      return page.data;
    },
  };
});

afterEach(async () => {
  for (const d of dispatchers.splice(0)) await d.stop();
  for (const r of receivers.splice(0)) await r.close();
  await closeStore();
});

/** The harness's store, whose `method` throws `error()` on its first `failures` calls. */
function failingStore(method: 'deliveryClaimDue' | 'deliveryRecordOutcomes', failures: number, error: () => Error): Store {
  let left = failures;
  return new Proxy(h.store, {
    get(target, prop, receiverObj) {
      if (prop !== method) return Reflect.get(target, prop, receiverObj) as unknown;
      return async (p: never) => {
        if (left-- > 0) throw error();
        return (target[method] as (p: never) => Promise<unknown>)(p);
      };
    },
  });
}

function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

describe('Dispatcher', () => {
  it('delivers a message, signed, and records the successful attempt', async () => {
    const r = await receiver();
    r.setResponse({ status: 200, body: 'thanks', headers: { 'x-reply': '1' } });
    const { endpoint, secret } = await h.endpoint(r.url, { headers: { 'X-Api-Key': 'k-123' } });
    const msg = await h.message([endpoint]);
    const d = h.dispatcher();

    expect(await d.runOnce()).toBe(1);
    const req = await r.next();
    expect(req.body).toBe(msg.payload);
    expect(req.headers['content-type']).toBe('application/json');
    expect(req.headers['user-agent']).toBe(userAgent);
    expect(req.headers['x-api-key']).toBe('k-123');
    expect(req.headers['webhook-id']).toBe(msg.id);
    expect(req.headers['webhook-timestamp']).toBe(String(Math.floor(h.clock.now().getTime() / 1000)));
    expect(new Webhook(secret).verify(req.body, req.headers as Record<string, string>)).toEqual(JSON.parse(msg.payload!));

    expect(await h.delivery(msg, endpoint)).toMatchObject({ status: MessageStatus.Success, attemptCount: 1 });
    const [attempt, ...rest] = await h.attempts(msg);
    expect(rest).toHaveLength(0);
    expect(attempt).toMatchObject({
      msgId: msg.id,
      endpointId: endpoint.id,
      url: r.url,
      response: 'thanks',
      responseStatusCode: 200,
      status: MessageStatus.Success,
      triggerType: TriggerType.Scheduled,
    });
    expect(attempt!.id).toMatch(/^atmpt_/);
    expect(attempt!.responseHeaders?.['x-reply']).toBe('1');
    expect(attempt!.requestHeaders?.['x-api-key']).toBe('k-123');
    expect(attempt!.requestHeaders?.['webhook-signature']).toMatch(/^v1,/);
    expect(await d.runOnce()).toBe(0);
  });

  it('retries per schedule with a byte-identical body, then succeeds', async () => {
    const r = await receiver();
    r.setResponse({ status: 500, body: 'down' });
    const { endpoint } = await h.endpoint(r.url);
    const msg = await h.message([endpoint]);
    const d = h.dispatcher();

    expect(await d.runOnce()).toBe(1);
    const failedAt = h.clock.now().getTime();
    const first = await h.delivery(msg, endpoint);
    expect(first).toMatchObject({ status: MessageStatus.Pending, attemptCount: 1 });
    // Schedule 5,300 with the injected random at the midpoint: exactly 5 s.
    expect(first.nextAttemptAt!.getTime()).toBe(failedAt + 5_000);

    h.clock.advance(4_999);
    expect(await d.runOnce()).toBe(0);
    h.clock.advance(1);
    r.setResponse({ status: 200 });
    expect(await d.runOnce()).toBe(1);

    const [a, b] = await r.waitForCount(2);
    expect(Buffer.from(b!.body).equals(Buffer.from(a!.body))).toBe(true);
    expect(b!.headers['webhook-id']).toBe(a!.headers['webhook-id']);
    expect(Number(b!.headers['webhook-timestamp'])).toBe(Number(a!.headers['webhook-timestamp']) + 5);
    expect(b!.headers['webhook-signature']).not.toBe(a!.headers['webhook-signature']);
    expect(await h.delivery(msg, endpoint)).toMatchObject({ status: MessageStatus.Success, attemptCount: 2 });
    expect((await h.attempts(msg)).map((x) => [x.responseStatusCode, x.status])).toEqual([
      [500, MessageStatus.Fail],
      [200, MessageStatus.Success],
    ]);
  });

  it('fails the delivery when the schedule is exhausted', async () => {
    const r = await receiver();
    r.setResponse({ status: 500 });
    const { endpoint } = await h.endpoint(r.url, { retrySchedule: [1] });
    const msg = await h.message([endpoint]);
    const d = h.dispatcher();

    await d.runOnce();
    expect(await h.delivery(msg, endpoint)).toMatchObject({ status: MessageStatus.Pending, attemptCount: 1 });
    h.clock.advance(1_000);
    expect(await d.runOnce()).toBe(1);
    expect(await h.delivery(msg, endpoint)).toMatchObject({ status: MessageStatus.Fail, attemptCount: 2, nextAttemptAt: null });
    h.clock.advance(3_600_000);
    expect(await d.runOnce()).toBe(0);
    expect(await h.attempts(msg)).toHaveLength(2);
  });

  it('disables the endpoint on 410 Gone', async () => {
    const r = await receiver();
    r.setResponse({ status: 410 });
    const { endpoint } = await h.endpoint(r.url);
    const msg = await h.message([endpoint]);
    const d = h.dispatcher();

    await d.runOnce();
    expect(await h.delivery(msg, endpoint)).toMatchObject({ status: MessageStatus.Fail });
    expect((await h.store.endpointGet({ appId: h.app.id, idOrUid: endpoint.id }))?.disabled).toBe(true);
    await h.message([endpoint]);
    expect(await d.runOnce()).toBe(0);
    expect(r.requests).toHaveLength(1);
  });

  it('honours Retry-After on 429 (seconds) and 503 (HTTP date), using the schedule slot', async () => {
    const r = await receiver();
    r.setResponse({ status: 429, headers: { 'retry-after': '3600' } });
    const { endpoint } = await h.endpoint(r.url);
    const msg = await h.message([endpoint]);
    const d = h.dispatcher();

    await d.runOnce();
    const start = h.clock.now().getTime();
    expect((await h.delivery(msg, endpoint)).nextAttemptAt!.getTime()).toBe(start + 3_600_000);
    h.clock.advance(5_000);
    expect(await d.runOnce()).toBe(0);
    h.clock.advance(3_595_000);
    const dateAt = new Date(h.clock.now().getTime() + 7_200_000);
    r.setResponse({ status: 503, headers: { 'retry-after': dateAt.toUTCString() } });
    expect(await d.runOnce()).toBe(1);
    const second = await h.delivery(msg, endpoint);
    expect(second).toMatchObject({ status: MessageStatus.Pending, attemptCount: 2 });
    expect(second.nextAttemptAt!.getTime()).toBe(dateAt.getTime());

    // The schedule (5, 300) has no third slot: Retry-After does not add one.
    h.clock.advance(7_200_000);
    expect(await d.runOnce()).toBe(1);
    expect(await h.delivery(msg, endpoint)).toMatchObject({ status: MessageStatus.Fail, attemptCount: 3 });
  });

  it('records a timeout and a blocked target as status-0 attempts', async () => {
    const hanging = await receiver();
    hanging.setResponse({ status: 200, delayMs: 5_000 });
    const { endpoint: slow } = await h.endpoint(hanging.url, { timeoutMs: 200 });
    const slowMsg = await h.message([slow]);
    await h.dispatcher().runOnce();
    const [timedOut] = await h.attempts(slowMsg);
    expect(timedOut).toMatchObject({ responseStatusCode: 0, status: MessageStatus.Fail });
    expect(timedOut!.response).toContain('timed out');
    expect(await h.delivery(slowMsg, slow)).toMatchObject({ status: MessageStatus.Pending });

    const strict = new Dispatcher({ store: h.store, clock: h.clock, config: { ...h.config, allowedNetworks: [] }, secretBox: testSecretBox, logger });
    dispatchers.push(strict);
    const target = await receiver();
    const { endpoint: local } = await h.endpoint(target.url);
    const localMsg = await h.message([local]);
    h.clock.advance(10_000);
    await strict.runOnce();
    const [blocked] = await h.attempts(localMsg);
    expect(blocked).toMatchObject({ responseStatusCode: 0, status: MessageStatus.Fail });
    expect(blocked!.response).toContain('blocked by the private-network guard: 127.0.0.1');
    expect(target.requests).toHaveLength(0);
  });

  it('fails an expunged message without sending it', async () => {
    const r = await receiver();
    const { endpoint } = await h.endpoint(r.url);
    const msg = await h.message([endpoint]);
    await h.store.messageExpungePayload({ appId: h.app.id, id: msg.id });
    await h.dispatcher().runOnce();
    expect(await h.delivery(msg, endpoint)).toMatchObject({ status: MessageStatus.Fail });
    expect((await h.attempts(msg))[0]?.response).toContain('expunged');
    expect(r.requests).toHaveLength(0);
  });

  it('holds a hanging endpoint to maxConcurrency while another endpoint keeps flowing', async () => {
    const slowReceiver = await receiver();
    const fastReceiver = await receiver();
    const gate = deferred();
    let peak = 0;
    slowReceiver.setResponse(async () => {
      peak = Math.max(peak, slowReceiver.inFlight);
      await gate.promise;
      return { status: 200 };
    });
    const { endpoint: slow } = await h.endpoint(slowReceiver.url, { maxConcurrency: 2 });
    const { endpoint: fast } = await h.endpoint(fastReceiver.url);
    for (let i = 0; i < 6; i++) await h.message([slow]);
    const fastMsgs: Message[] = [];
    for (let i = 0; i < 3; i++) fastMsgs.push(await h.message([fast]));

    const d = h.dispatcher({ idleMinMs: 5, idleMaxMs: 20 });
    await d.start();
    await fastReceiver.waitForCount(3);
    await slowReceiver.until(() => slowReceiver.inFlight >= 2);
    // More polls happen while the slow endpoint is full; none of them may add a third request.
    await new Promise((resolve) => setTimeout(resolve, 150));
    expect(slowReceiver.requests).toHaveLength(2);
    // A message for the fast endpoint ingested now still goes straight out.
    const late = await h.message([fast]);
    d.notify();
    const lateReq = (await fastReceiver.waitForCount(4, 2_000))[3]!;
    expect(lateReq.headers['webhook-id']).toBe(late.id);
    expect(slowReceiver.requests).toHaveLength(2);

    gate.resolve();
    await slowReceiver.waitForCount(6);
    expect(peak).toBe(2);
    await d.stop();
    for (const m of fastMsgs) expect((await h.delivery(m, fast)).status).toBe(MessageStatus.Success);
  });

  it('spaces deliveries to a rate-limited endpoint', async () => {
    const r = await receiver();
    const { endpoint } = await h.endpoint(r.url, { rateLimit: 5 });
    for (let i = 0; i < 10; i++) await h.message([endpoint]);
    const d = h.dispatcher({ idleMinMs: 5, idleMaxMs: 20 });
    const started = performance.now();
    await d.start();
    const reqs: ReceivedRequest[] = await r.waitForCount(10, 5_000);
    // A one-second burst of 5, then one every 200 ms: the 10th arrives after about a second.
    expect(reqs[4]!.receivedAt - started).toBeLessThan(500);
    expect(reqs[9]!.receivedAt - started).toBeGreaterThanOrEqual(900);
  });

  it("wakes on the store's wake-up signal when a message is ingested, instead of waiting for the next poll", async () => {
    const r = await receiver();
    const { endpoint } = await h.endpoint(r.url);
    const d = h.dispatcher({ idleMinMs: 60_000, idleMaxMs: 60_000 });
    await d.start();
    await new Promise((resolve) => setTimeout(resolve, 20));
    const msg = await h.message([endpoint]);
    const req = await r.next(1_000);
    expect(req.headers['webhook-id']).toBe(msg.id);
  });

  // The polls below are a minute: only wake-ups can deliver within the receivers' 5 s wait.
  it('claims an endpoint again at its first completion when a claim was cut at perEndpointLimit', async () => {
    const r = await receiver();
    const { endpoint } = await h.endpoint(r.url, { maxConcurrency: 50 });
    for (let i = 0; i < 12; i++) await h.message([endpoint]);
    const d = h.dispatcher({ perEndpointLimit: 5, activePollMs: 60_000, idleMinMs: 60_000, idleMaxMs: 60_000 });
    await d.start();
    await r.waitForCount(12);
  });

  it('claims news that came during a busy pause once a delivery completes, not at the end of the pause', async () => {
    const r = await receiver();
    const gate = deferred();
    r.setResponse(async () => {
      await gate.promise;
      return { status: 200 };
    });
    const { endpoint } = await h.endpoint(r.url);
    const d = h.dispatcher({ activePollMs: 60_000, idleMinMs: 60_000, idleMaxMs: 60_000 });
    await d.start();
    await h.message([endpoint]);
    await r.next();
    // The loop now pauses (its last claim found work); this news alone does not end the pause.
    const late = await h.message([endpoint]);
    gate.resolve();
    const req = await r.next();
    expect(req.headers['webhook-id']).toBe(late.id);
  });

  it('keeps running while the store fails its claims, and delivers once they succeed again', async () => {
    const r = await receiver();
    const { endpoint } = await h.endpoint(r.url);
    const msg = await h.message([endpoint]);
    const flaky = failingStore('deliveryClaimDue', 3, () => new UnavailableError('the database cannot be reached right now'));
    const errors: string[] = [];
    const counting = { ...logger, error: (_obj: object, msg?: string) => void errors.push(msg ?? '') };
    const d = new Dispatcher({ store: flaky, clock: h.clock, config: h.config, secretBox: testSecretBox, logger: counting, options: { idleMinMs: 5, idleMaxMs: 20 } });
    dispatchers.push(d);
    await d.start();
    expect((await r.next(2_000)).headers['webhook-id']).toBe(msg.id);
    // One error for the outage, not one per failed poll.
    expect(errors).toHaveLength(1);
  });

  // Leases a crashed run left behind: src/maintenance/lease-reaper.test.ts.

  it('picks up endpoint edits (a rotated secret signs alongside the old one)', async () => {
    const r = await receiver();
    const { endpoint, secret: oldSecret } = await h.endpoint(r.url);
    const d = h.dispatcher();
    await h.message([endpoint]);
    await d.runOnce();
    expect(String((await r.next()).headers['webhook-signature']).split(' ')).toHaveLength(1);

    const newSecret = generateSecret();
    h.clock.advance(1_000);
    const rotated: Endpoint = {
      ...endpoint,
      secrets: testSecretBox.seal([
        { key: newSecret, expiresAt: null },
        { key: oldSecret, expiresAt: new Date(h.clock.now().getTime() + 86_400_000).toISOString() },
      ]),
      updatedAt: h.clock.now(),
    };
    await h.store.endpointUpdate(rotated);
    await h.message([endpoint]);
    await d.runOnce();
    const req = await r.next();
    expect(String(req.headers['webhook-signature']).split(' ')).toHaveLength(2);
    for (const secret of [newSecret, oldSecret]) expect(() => new Webhook(secret).verify(req.body, req.headers as Record<string, string>)).not.toThrow();
  });

  it('keeps an outcome whose write failed and writes it on the next try', async () => {
    const r = await receiver();
    const { endpoint } = await h.endpoint(r.url);
    const msg = await h.message([endpoint]);
    const flaky = failingStore('deliveryRecordOutcomes', 1, () => new Error('disk full'));
    const quiet = { ...logger, error: () => undefined };
    const d = new Dispatcher({ store: flaky, clock: h.clock, config: h.config, secretBox: testSecretBox, logger: quiet, options: { idleMinMs: 5, idleMaxMs: 20 } });
    dispatchers.push(d);
    await d.start();
    await r.next();
    const deadline = Date.now() + 5_000;
    while ((await h.delivery(msg, endpoint)).status !== MessageStatus.Success) {
      if (Date.now() > deadline) throw new Error('the outcome was never written');
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(r.requests).toHaveLength(1);
    expect(await h.attempts(msg)).toHaveLength(1);
  });

  it('stop() releases what is still in flight, without an attempt', async () => {
    const r = await receiver();
    r.setResponse({ status: 200, delayMs: 10_000 });
    const { endpoint } = await h.endpoint(r.url);
    const msg = await h.message([endpoint]);
    const d = h.dispatcher({ stopTimeoutMs: 100 });
    await d.start();
    await r.next();
    await d.stop();
    expect(await h.delivery(msg, endpoint)).toMatchObject({ status: MessageStatus.Pending, attemptCount: 0 });
    expect(await h.attempts(msg)).toHaveLength(0);
    await d.stop();
  });
});
