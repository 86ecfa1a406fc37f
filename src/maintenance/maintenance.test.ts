import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FakeClock } from '../../test/helpers/api.js';
import { attempt, insertApp, insertEndpoint, insertMessage } from '../../test/helpers/factory.js';
import { openTestStore } from '../../test/helpers/open-test-store.js';
import { loadConfig } from '../config.js';
import type { Id } from '../domain/ids.js';
import { MessageStatus, type Application } from '../domain/types.js';
import { operationalAppId, OperationalPublisher } from '../operational/publisher.js';
import type { DeliveryKey, Store } from '../store/driver.js';
import { autoDisable } from './auto-disable.js';
import { idempotencyExpiry } from './idempotency-expiry.js';
import { maintenanceServices, MaintenanceRunner } from './index.js';
import { leaseReaper } from './lease-reaper.js';
import { retention, retentionWatermarkSetting } from './retention.js';

const day = 86_400_000;
const logs: string[] = [];
const logger = { info: (_o: object, m?: string) => void logs.push(m ?? ''), warn: () => {}, error: (o: object, m?: string) => console.error(m, o) };

let store: Store;
let closeStore: () => Promise<void>;
let clock: FakeClock;
let tenant: Application;

beforeEach(async () => {
  ({ store, close: closeStore } = await openTestStore('sqlite'));
  clock = new FakeClock();
  tenant = await insertApp(store, { uid: 'tenant', createdAt: clock.now() });
  logs.length = 0;
});
afterEach(async () => closeStore());

async function recordFailure(key: DeliveryKey): Promise<void> {
  const at = clock.now();
  const a = attempt(key, { timestamp: at, status: MessageStatus.Fail, responseStatusCode: 503 });
  await store.deliveryRecordOutcomes({ outcomes: [{ key, attempt: a, status: MessageStatus.Pending, nextAttemptAt: at, attemptCount: 1, disableEndpoint: false }] });
}

const payloadOf = async (appId: Id<'app'>, id: Id<'msg'>) => (await store.messageGet({ appId, idOrEventId: id }))?.payload;

describe('lease reaper', () => {
  it('returns a delivery to the queue once its lease has ended, not before, and wakes the workers', async () => {
    const ep = await insertEndpoint(store, tenant.id);
    await insertMessage(store, tenant.id, [ep.id], { timestamp: clock.now() }, clock.now());
    await store.deliveryClaimDue({ now: clock.now(), limit: 10, leaseMs: 60_000, perEndpointLimit: 10, skipEndpointIds: [] });
    let wakeUps = 0;
    store.onDeliveriesQueued(() => void wakeUps++);
    const reaper = leaseReaper({ store, clock, logger, leaseMs: 60_000 });
    expect(reaper).toMatchObject({ intervalMs: 15_000, runAtStart: true });

    clock.advance(59_999);
    await reaper.run();
    expect(wakeUps).toBe(0);
    clock.advance(1);
    await reaper.run();
    expect(wakeUps).toBe(1);
    expect(await store.deliveryClaimDue({ now: clock.now(), limit: 10, leaseMs: 60_000, perEndpointLimit: 10, skipEndpointIds: [] })).toHaveLength(1);
  });
});

describe('retention', () => {
  it('drops payloads and deletes attempts past the retention period, honouring each message\'s own period', async () => {
    const ep = await insertEndpoint(store, tenant.id);
    const old = await insertMessage(store, tenant.id, [ep.id], { timestamp: clock.now() }, clock.now());
    await recordFailure({ appId: tenant.id, msgId: old.id, endpointId: ep.id });
    const keptLonger = await insertMessage(store, tenant.id, [], { timestamp: clock.now(), payloadExpiresAt: new Date(clock.now().getTime() + 60 * day) });
    clock.advance(5 * day);
    const shortLived = await insertMessage(store, tenant.id, [], { timestamp: clock.now(), payloadExpiresAt: new Date(clock.now().getTime() + day) });
    const service = retention({ store, clock, logger, retentionDays: 30 });

    clock.advance(2 * day);
    await service.run();
    expect(await payloadOf(tenant.id, shortLived.id)).toBeNull();
    expect(await payloadOf(tenant.id, old.id)).toBe(old.payload);

    clock.advance(24 * day);
    await service.run();
    expect(await payloadOf(tenant.id, old.id)).toBeNull();
    expect((await store.attemptList({ appId: tenant.id, msgId: old.id, limit: 10 })).data).toEqual([]);
    expect(await payloadOf(tenant.id, keptLonger.id)).toBe(keptLonger.payload);
    expect(await store.settingGet({ key: retentionWatermarkSetting })).toBe(String(clock.now().getTime() - 30 * day));

    clock.advance(30 * day);
    await service.run();
    expect(await payloadOf(tenant.id, keptLonger.id)).toBeNull();
    expect(logs).toContain('maintenance: retention purged payloads and attempts');
  });
});

describe('idempotency-key expiry', () => {
  it('deletes keys once they are older than the 24 h window', async () => {
    const response = { statusCode: 202, body: '{}', contentType: 'application/json' };
    await store.idempotencyBegin({ key: 'k', now: clock.now(), expiresBefore: new Date(0) });
    await store.idempotencyComplete({ key: 'k', response });
    const service = idempotencyExpiry({ store, clock, logger });
    clock.advance(day);
    await service.run();
    // Read with no window of its own (expiresBefore 0): only the purge can make the key absent.
    expect(await store.idempotencyBegin({ key: 'k', now: clock.now(), expiresBefore: new Date(0) })).toEqual({ state: 'done', response });
    clock.advance(1);
    await service.run();
    expect(await store.idempotencyBegin({ key: 'k', now: clock.now(), expiresBefore: new Date(0) })).toEqual({ state: 'new' });
  });
});

describe('auto-disable', () => {
  it('disables an endpoint whose attempts all failed for 5 days and sends endpoint.disabled with failSince', async () => {
    const publisher = new OperationalPublisher({ store, clock });
    await publisher.ensureApp();
    await insertEndpoint(store, operationalAppId, { filterTypes: ['endpoint.disabled'] });
    const failing = await insertEndpoint(store, tenant.id, { uid: 'dead', createdAt: clock.now(), updatedAt: clock.now() });
    const healthy = await insertEndpoint(store, tenant.id, { createdAt: clock.now(), updatedAt: clock.now() });
    const m = await insertMessage(store, tenant.id, [failing.id, healthy.id], { timestamp: clock.now() }, clock.now());
    clock.advance(1000);
    const failSince = clock.now();
    await recordFailure({ appId: tenant.id, msgId: m.id, endpointId: failing.id });
    const service = autoDisable({ store, clock, logger, publisher, afterDays: 5 });

    clock.advance(5 * day - 1);
    await recordFailure({ appId: tenant.id, msgId: m.id, endpointId: failing.id });
    await service.run();
    expect((await store.endpointGet({ appId: tenant.id, idOrUid: failing.id }))?.disabled).toBe(false);

    clock.advance(1);
    await service.run();
    await service.run();
    expect((await store.endpointGet({ appId: tenant.id, idOrUid: failing.id }))?.disabled).toBe(true);
    expect((await store.endpointGet({ appId: tenant.id, idOrUid: healthy.id }))?.disabled).toBe(false);
    const sent = (await store.messageList({ appId: operationalAppId, limit: 10 })).data;
    expect(sent.map((x) => JSON.parse(x.payload!))).toEqual([
      { type: 'endpoint.disabled', data: { appId: tenant.id, appUid: 'tenant', endpointId: failing.id, endpointUid: 'dead', failSince: failSince.toISOString(), trigger: 'automatic' } },
    ]);
  });

  it('is not scheduled when HERALD_AUTO_DISABLE_AFTER_DAYS is 0', () => {
    const publisher = new OperationalPublisher({ store, clock });
    const names = (env: Record<string, string>) => maintenanceServices({ store, clock, config: loadConfig(env), logger, publisher }).map((s) => s.name);
    expect(names({})).toEqual(['lease-reaper', 'retention', 'idempotency-expiry', 'auto-disable']);
    expect(names({ HERALD_AUTO_DISABLE_AFTER_DAYS: '0' })).not.toContain('auto-disable');
  });
});

describe('MaintenanceRunner', () => {
  it('waits for the services that run at start, logs a failed run, and stops', async () => {
    const ran: string[] = [];
    const errors: string[] = [];
    const runner = new MaintenanceRunner(
      [
        { name: 'first', intervalMs: 60_000, runAtStart: true, run: async () => void ran.push('first') },
        { name: 'broken', intervalMs: 60_000, runAtStart: true, run: async () => Promise.reject(new Error('boom')) },
        { name: 'later', intervalMs: 60_000, run: async () => void ran.push('later') },
      ],
      { ...logger, error: (_o, m) => void errors.push(m ?? '') },
    );
    await runner.start();
    expect(ran).toEqual(['first']);
    expect(errors).toEqual(['maintenance: run failed; retrying at the next interval']);
    await runner.stop();
  });
});
