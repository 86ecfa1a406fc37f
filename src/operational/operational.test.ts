import { Webhook } from 'standardwebhooks';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FakeClock } from '../../test/helpers/api.js';
import { insertApp, insertEndpoint, insertMessage, testSecretBox } from '../../test/helpers/factory.js';
import { openTestStore } from '../../test/helpers/open-test-store.js';
import { TestReceiver, type ReceivedRequest } from '../../test/helpers/test-receiver.js';
import { loadConfig } from '../config.js';
import { Dispatcher } from '../dispatch/claim-loop.js';
import { generateSecret } from '../domain/secrets.js';
import type { Application, Endpoint } from '../domain/types.js';
import type { Store } from '../store/driver.js';
import { OperationalDeliveryEvents } from './delivery-events.js';
import { operationalAppId, OperationalPublisher } from './publisher.js';

const quiet = { debug: () => {}, info: () => {}, warn: (o: object, m?: string) => console.warn(m, o), error: (o: object, m?: string) => console.error(m, o) };

describe('operational webhooks from deliveries', () => {
  let store: Store;
  let closeStore: () => Promise<void>;
  let clock: FakeClock;
  let events: OperationalDeliveryEvents;
  let dispatcher: Dispatcher;
  let tenant: Application;
  const receivers: TestReceiver[] = [];

  beforeEach(async () => {
    ({ store, close: closeStore } = await openTestStore('sqlite'));
    // Near real time: receivers verify the signature's timestamp.
    clock = new FakeClock(Math.floor(Date.now() / 1000) * 1000);
    const publisher = new OperationalPublisher({ store, clock });
    events = new OperationalDeliveryEvents({ store, publisher, logger: quiet });
    const config = loadConfig({ HERALD_ALLOWED_NETWORKS: '127.0.0.0/8,::1/128' });
    dispatcher = new Dispatcher({ store, clock, config, secretBox: testSecretBox, logger: quiet, observer: events, options: { random: () => 0.5 } });
    tenant = await insertApp(store, { uid: 'tenant-1' });
    await publisher.ensureApp();
  });

  afterEach(async () => {
    await dispatcher.stop();
    for (const r of receivers.splice(0)) await r.close();
    await closeStore();
  });

  async function receiver(status: number): Promise<TestReceiver> {
    const r = await TestReceiver.start();
    r.setResponse({ status });
    receivers.push(r);
    return r;
  }

  async function endpointAt(appId: Application['id'], url: string, over: Partial<Endpoint> = {}): Promise<{ endpoint: Endpoint; secret: string }> {
    const secret = generateSecret();
    const endpoint = await insertEndpoint(store, appId, { url, secrets: testSecretBox.seal([{ key: secret, expiresAt: null }]), createdAt: clock.now(), ...over });
    return { endpoint, secret };
  }

  /** Runs the dispatcher until nothing is due (the clock stands still; retries use 0 s delays). */
  async function drain(): Promise<void> {
    while ((await dispatcher.runOnce()) > 0) await events.settled();
  }

  const bodyOf = (req: ReceivedRequest) => JSON.parse(req.body) as { type: string; data: Record<string, unknown> };

  it('sends failing on the fourth failure, recovered on the success after it, signed like any delivery', async () => {
    const ops = await receiver(204);
    const { secret: opSecret } = await endpointAt(operationalAppId, ops.url);
    const target = await receiver(500);
    const { endpoint } = await endpointAt(tenant.id, target.url, { retrySchedule: [0, 0, 0, 0, 0, 0] });
    const msg = await insertMessage(store, tenant.id, [endpoint.id], { eventId: 'evt-1', timestamp: clock.now() }, clock.now());

    for (let i = 0; i < 4; i++) await dispatcher.runOnce();
    await events.settled();
    target.setResponse({ status: 200 });
    await drain();

    const received = await ops.waitForCount(2);
    for (const req of received) expect(() => new Webhook(opSecret).verify(req.body, req.headers as Record<string, string>)).not.toThrow();
    expect(received.map((r) => bodyOf(r).type)).toEqual(['message.attempt.failing', 'message.attempt.recovered']);
    const attempts = (await store.attemptList({ appId: tenant.id, msgId: msg.id, limit: 10, order: 'ascending' })).data;
    expect(bodyOf(received[0]!).data).toEqual({
      appId: tenant.id,
      appUid: 'tenant-1',
      msgId: msg.id,
      msgEventId: 'evt-1',
      endpointId: endpoint.id,
      lastAttempt: { id: attempts[3]!.id, responseStatusCode: 500, timestamp: attempts[3]!.timestamp.toISOString() },
    });
    expect(bodyOf(received[1]!).data).toMatchObject({ msgId: msg.id, lastAttempt: { id: attempts[4]!.id, responseStatusCode: 200 } });
  });

  it('sends exhausted when the schedule runs out and endpoint.disabled on a 410, to subscribers of those types only', async () => {
    const all = await receiver(204);
    await endpointAt(operationalAppId, all.url);
    const onlyDisabled = await receiver(204);
    await endpointAt(operationalAppId, onlyDisabled.url, { filterTypes: ['endpoint.disabled'] });
    const failing = await receiver(500);
    const gone = await receiver(410);
    const { endpoint: ep1 } = await endpointAt(tenant.id, failing.url, { retrySchedule: [0] });
    const { endpoint: ep2 } = await endpointAt(tenant.id, gone.url, { uid: 'gone-ep' });
    await insertMessage(store, tenant.id, [ep1.id], { timestamp: clock.now() }, clock.now());
    await insertMessage(store, tenant.id, [ep2.id], { timestamp: clock.now() }, clock.now());

    await drain();
    const types = (await all.waitForCount(2)).map((r) => bodyOf(r).type).sort();
    expect(types).toEqual(['endpoint.disabled', 'message.attempt.exhausted']);
    const [disabled] = await onlyDisabled.waitForCount(1);
    expect(bodyOf(disabled!)).toEqual({
      type: 'endpoint.disabled',
      data: { appId: tenant.id, appUid: 'tenant-1', endpointId: ep2.id, endpointUid: 'gone-ep', failSince: null, trigger: 'automatic' },
    });
    expect(onlyDisabled.requests).toHaveLength(1);
  });

  it("never reports on the operational endpoints' own deliveries", async () => {
    const broken = await receiver(500);
    await endpointAt(operationalAppId, broken.url, { retrySchedule: [0] });
    const target = await receiver(500);
    const { endpoint } = await endpointAt(tenant.id, target.url, { retrySchedule: [] });
    await insertMessage(store, tenant.id, [endpoint.id], { timestamp: clock.now() }, clock.now());
    await drain();
    // One exhausted event, tried twice (its schedule), and nothing about those failures.
    expect(broken.requests).toHaveLength(2);
    expect((await store.messageList({ appId: operationalAppId, limit: 10 })).data).toHaveLength(1);
  });

  it('queues nothing and reads nothing more while no operational endpoint exists', async () => {
    const target = await receiver(500);
    const { endpoint } = await endpointAt(tenant.id, target.url, { retrySchedule: [] });
    await insertMessage(store, tenant.id, [endpoint.id], { timestamp: clock.now() }, clock.now());
    await drain();
    expect((await store.messageList({ appId: operationalAppId, limit: 10 })).data).toEqual([]);
  });
});
