import type { Clock } from '../domain/clock.js';
import { endpointDisabledEvent, type OperationalEvent } from '../operational/events.js';
import { isOperationalApp, type OperationalPublisher } from '../operational/publisher.js';
import type { FailingEndpoint, Store } from '../store/driver.js';
import type { MaintenanceLogger, MaintenanceService } from './service.js';

const dayMs = 86_400_000;
const pageSize = 100;

/**
 * Auto-disable (DESIGN §4): an endpoint whose every attempt failed for `afterDays` days
 * (`HERALD_AUTO_DISABLE_AFTER_DAYS`, default 5) is disabled, and `endpoint.disabled` (trigger
 * `automatic`, with `failSince`) goes to the operational endpoints. The clock of an endpoint
 * starts at its first failure after its last success and after its last edit, so re-enabling a
 * disabled endpoint gives it `afterDays` again. Its pending deliveries stay pending, for a
 * re-enable or a recover. Every 15 minutes.
 */
export function autoDisable(deps: { store: Store; clock: Clock; logger: MaintenanceLogger; publisher: OperationalPublisher; afterDays: number }): MaintenanceService {
  const { store } = deps;

  async function disable(f: FailingEndpoint, now: Date): Promise<OperationalEvent | null> {
    if (!(await store.endpointDisable({ appId: f.appId, id: f.endpointId, now }))) return null;
    deps.logger.info({ appId: f.appId, endpointId: f.endpointId, failSince: f.failSince }, 'maintenance: disabled an endpoint that kept failing');
    if (isOperationalApp(f.appId)) return null;
    const app = await store.applicationGet({ idOrUid: f.appId });
    const endpoint = await store.endpointGet({ appId: f.appId, idOrUid: f.endpointId });
    return app && endpoint && endpointDisabledEvent(app, endpoint, 'automatic', f.failSince);
  }

  return {
    name: 'auto-disable',
    intervalMs: 15 * 60_000,
    async run() {
      const now = deps.clock.now();
      const failingSince = new Date(now.getTime() - deps.afterDays * dayMs);
      for (;;) {
        const page = await store.endpointListFailing({ failingSince, limit: pageSize });
        const events: OperationalEvent[] = [];
        for (const f of page) {
          const event = await disable(f, now);
          if (event) events.push(event);
        }
        await deps.publisher.publish(events);
        // Disabled endpoints leave the list; a page of none disabled (a race) would repeat.
        if (page.length < pageSize || events.length === 0) return;
      }
    },
  };
}
