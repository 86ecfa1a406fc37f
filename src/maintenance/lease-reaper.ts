import type { Clock } from '../domain/clock.js';
import type { Store } from '../store/driver.js';
import type { MaintenanceLogger, MaintenanceService } from './service.js';

/** Every 30 s, or a quarter of a shorter lease: a killed worker's deliveries come back soon after their leases end. */
export function leaseReapIntervalMs(leaseMs: number): number {
  return Math.min(30_000, Math.floor(leaseMs / 4));
}

/**
 * The expired-lease reaper: returns deliveries whose worker's lease ended without an outcome (the
 * worker was killed, or lost the database) to the queue, with no attempt recorded (DESIGN §6). Runs
 * at start, before the dispatcher claims, and then every `leaseReapIntervalMs`. The store's
 * wake-up signal tells the workers when it returned something.
 */
export function leaseReaper(deps: { store: Store; clock: Clock; logger: MaintenanceLogger; leaseMs: number }): MaintenanceService {
  return {
    name: 'lease-reaper',
    intervalMs: leaseReapIntervalMs(deps.leaseMs),
    runAtStart: true,
    async run() {
      const count = await deps.store.deliveryReapExpiredLeases({ now: deps.clock.now() });
      if (count > 0) deps.logger.info({ count }, 'maintenance: returned deliveries with expired leases to the queue');
    },
  };
}
