import type { Clock } from '../domain/clock.js';
import { ConflictError } from '../domain/errors.js';
import { newId, type Id } from '../domain/ids.js';
import type { Application, Endpoint, Message } from '../domain/types.js';
import type { Store } from '../store/driver.js';
import type { OperationalEvent } from './events.js';

/**
 * Operational endpoints are endpoints of one internal application, and an operational event is a
 * message to it. So an event is delivered by the normal path: durable before it counts, signed
 * with Standard Webhooks (each operational endpoint has its own `whsec_` secret), retried on the
 * default schedule, recorded as attempts, limited by `rateLimit`, and wakes the workers of every
 * process. A second sender would need all of that again, and would lose events in a crash.
 *
 * The internal application has a fixed id, so that every process (several API and worker
 * processes on PostgreSQL) finds or creates the same one without coordination; the API hides it
 * (`src/api/lookup.ts`), and the dispatcher's observers never report on its own deliveries, so an
 * operational endpoint that fails cannot cause events about itself.
 */
export const operationalAppId: Id<'app'> = `app_${'0'.repeat(18)}heraldops`;

export function isOperationalApp(appId: string): boolean {
  return appId === operationalAppId;
}

export interface OperationalPublisherDeps {
  store: Store;
  clock: Clock;
}

export class OperationalPublisher {
  constructor(private readonly deps: OperationalPublisherDeps) {}

  /** The internal application, created on first use (a concurrent creator's row is as good). */
  async ensureApp(): Promise<Application> {
    const { store, clock } = this.deps;
    const existing = await store.applicationGet({ idOrUid: operationalAppId });
    if (existing) return existing;
    const now = clock.now();
    const app: Application = { id: operationalAppId, uid: null, name: 'Herald operational webhooks', rateLimit: null, metadata: {}, createdAt: now, updatedAt: now };
    try {
      await store.applicationInsert(app);
    } catch (err) {
      if (!(err instanceof ConflictError)) throw err;
    }
    return app;
  }

  /** The enabled operational endpoints; empty until one is registered. */
  async subscribers(): Promise<Endpoint[]> {
    return (await this.deps.store.endpointListAll({ appId: operationalAppId })).filter((e) => !e.disabled);
  }

  /**
   * Queues each event for the operational endpoints that subscribe to its type (all of them when
   * `filterTypes` is null), in one durable write. Returns how many messages were queued.
   */
  async publish(events: readonly OperationalEvent[], subscribers?: Endpoint[]): Promise<number> {
    if (events.length === 0) return 0;
    const endpoints = subscribers ?? (await this.subscribers());
    if (endpoints.length === 0) return 0;
    const now = this.deps.clock.now();
    const items = [];
    for (const event of events) {
      const endpointIds = endpoints.filter((e) => e.filterTypes === null || e.filterTypes.includes(event.type)).map((e) => e.id);
      if (endpointIds.length > 0) items.push({ message: operationalMessage(event, now), endpointIds });
    }
    if (items.length > 0) await this.deps.store.messageInsert({ items, now });
    return items.length;
  }
}

function operationalMessage(event: OperationalEvent, now: Date): Message {
  return {
    id: newId('msg', now),
    appId: operationalAppId,
    eventType: event.type,
    eventId: null,
    payload: JSON.stringify({ type: event.type, data: event.data }),
    channels: null,
    tags: null,
    timestamp: now,
    payloadExpiresAt: null,
  };
}
