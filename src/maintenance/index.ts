import type { Config } from '../config.js';
import type { Clock } from '../domain/clock.js';
import type { OperationalPublisher } from '../operational/publisher.js';
import type { Store } from '../store/driver.js';
import { autoDisable } from './auto-disable.js';
import { idempotencyExpiry } from './idempotency-expiry.js';
import { leaseReaper } from './lease-reaper.js';
import { retention } from './retention.js';
import type { MaintenanceLogger, MaintenanceService } from './service.js';

export { MaintenanceRunner, type MaintenanceService } from './service.js';

/** The services a delivering process (`HERALD_ROLE` `worker` or `all`) runs. */
export function maintenanceServices(deps: { store: Store; clock: Clock; config: Config; logger: MaintenanceLogger; publisher: OperationalPublisher }): MaintenanceService[] {
  const { store, clock, config, logger } = deps;
  const services = [
    leaseReaper({ store, clock, logger, leaseMs: config.deliveryLeaseMs }),
    retention({ store, clock, logger, retentionDays: config.retentionDays }),
    idempotencyExpiry({ store, clock, logger }),
  ];
  if (config.autoDisableAfterDays > 0) services.push(autoDisable({ store, clock, logger, publisher: deps.publisher, afterDays: config.autoDisableAfterDays }));
  return services;
}
