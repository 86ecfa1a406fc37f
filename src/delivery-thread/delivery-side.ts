import type { Logger } from 'pino';
import type { Config } from '../config.js';
import { systemClock } from '../domain/clock.js';
import type { SecretBox } from '../domain/secrets.js';
import { Dispatcher } from '../dispatch/claim-loop.js';
import { observeAll } from '../dispatch/observer.js';
import type { RelayTransport } from '../dispatch/relay-transport.js';
import { MaintenanceRunner, maintenanceServices } from '../maintenance/index.js';
import type { HeraldMetrics } from '../metrics/metrics.js';
import { OperationalDeliveryEvents } from '../operational/delivery-events.js';
import { OperationalPublisher } from '../operational/publisher.js';
import type { Store } from '../store/driver.js';

export interface DeliverySideDeps {
  config: Config;
  store: Store;
  secretBox: SecretBox;
  logger: Logger;
  metrics: HeraldMetrics;
  relay?: RelayTransport;
}

/**
 * Everything that makes deliveries, started together: the dispatcher, the maintenance services
 * (lease reaper, retention, idempotency-key expiry, auto-disable) and the operational events its
 * outcomes raise. Runs in the delivery thread on SQLite (`worker.ts`), on the main thread with
 * PostgreSQL (`main.ts`).
 */
export async function startDeliverySide(deps: DeliverySideDeps): Promise<{ stop(): Promise<void> }> {
  const { config, store, logger } = deps;
  const publisher = new OperationalPublisher({ store, clock: systemClock });
  const operationalEvents = new OperationalDeliveryEvents({ store, publisher, logger: logger.child({ part: 'operational' }) });
  const dispatcher = new Dispatcher({
    store,
    clock: systemClock,
    config,
    secretBox: deps.secretBox,
    logger: logger.child({ part: 'dispatch' }),
    options: { leaseMs: config.deliveryLeaseMs },
    observer: observeAll(deps.metrics, operationalEvents),
    relay: deps.relay,
  });
  const maintenanceLogger = logger.child({ part: 'maintenance' });
  const maintenance = new MaintenanceRunner(maintenanceServices({ store, clock: systemClock, config, logger: maintenanceLogger, publisher }), maintenanceLogger);
  // The lease reaper's first run comes before the first claim.
  await maintenance.start();
  await dispatcher.start();
  return {
    stop: async () => {
      await dispatcher.stop();
      await maintenance.stop();
      await operationalEvents.settled();
    },
  };
}
