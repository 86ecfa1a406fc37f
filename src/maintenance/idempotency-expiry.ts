import { idempotencyWindowMsDefault } from '../api/idempotency.js';
import type { Clock } from '../domain/clock.js';
import type { Store } from '../store/driver.js';
import { drain, type MaintenanceLogger, type MaintenanceService } from './service.js';

/**
 * Idempotency-key expiry: deletes keys older than the 24 h window. `idempotencyBegin` already
 * treats them as absent; this reclaims their rows (the svix SDK sends a key with every POST, so
 * the table grows with the traffic). Hourly.
 */
export function idempotencyExpiry(deps: { store: Store; clock: Clock; logger: MaintenanceLogger; windowMs?: number }): MaintenanceService {
  const windowMs = deps.windowMs ?? idempotencyWindowMsDefault;
  return {
    name: 'idempotency-expiry',
    intervalMs: 60 * 60_000,
    async run() {
      const before = new Date(deps.clock.now().getTime() - windowMs);
      const count = await drain((limit) => deps.store.idempotencyPurge({ before, limit }));
      if (count > 0) deps.logger.info({ count }, 'maintenance: deleted expired idempotency keys');
    },
  };
}
