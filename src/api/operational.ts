import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { OperationalEvent } from '../operational/events.js';
import { OperationalPublisher } from '../operational/publisher.js';

declare module 'fastify' {
  interface FastifyInstance {
    /** Queues operational webhook events (`src/operational/`). */
    operational: OperationalPublisher;
  }
}

export function registerOperational(app: FastifyInstance): void {
  app.decorate('operational', new OperationalPublisher({ store: app.herald.store, clock: app.herald.clock }));
}

/**
 * Queues operational events after a write that already committed: a failure to queue them is
 * logged, never turned into an error answer (which would invite a retry of a done write).
 */
export async function publishOperational(request: FastifyRequest, events: OperationalEvent[]): Promise<void> {
  try {
    await request.server.operational.publish(events);
  } catch (err) {
    request.log.warn({ err, events: events.map((e) => e.type) }, 'operational webhooks: could not queue events');
  }
}
