import type { Clock } from '../domain/clock.js';
import type { Store } from '../store/driver.js';
import { drain, type MaintenanceLogger, type MaintenanceService } from './service.js';

const dayMs = 86_400_000;
/** Where the payload purge remembers how far it got (messages created before this are done). */
export const retentionWatermarkSetting = 'maintenance.retention.payloadsPurgedBefore';

/**
 * Retention (`HERALD_RETENTION_DAYS`, DESIGN §4): hourly,
 * - payloads of messages older than the retention period are dropped (the message reads
 *   `{"expired": true}`, as after an expunge), unless the message's own `payloadRetentionPeriod`
 *   keeps it longer; each run starts where the last one ended (`retentionWatermarkSetting`);
 * - payloads whose own `payloadRetentionPeriod` (or `payloadRetentionHours`) ran out are
 *   dropped, whether shorter or longer than the retention period;
 * - attempts older than the retention period are deleted.
 * The message rows and their delivery states stay: they are small, and message lists keep
 * working. A delivery still pending when its payload goes fails with "payload expunged".
 */
export function retention(deps: { store: Store; clock: Clock; logger: MaintenanceLogger; retentionDays: number }): MaintenanceService {
  const { store } = deps;
  return {
    name: 'retention',
    intervalMs: 60 * 60_000,
    async run() {
      const now = deps.clock.now();
      const before = new Date(now.getTime() - deps.retentionDays * dayMs);
      const mark = await store.settingGet({ key: retentionWatermarkSetting });
      const from = mark === null ? null : new Date(Number(mark));
      const payloads = await drain((limit) => store.messagePurgePayloads({ from, before, now, limit }));
      await store.settingPut({ key: retentionWatermarkSetting, value: String(before.getTime()) });
      const expired = await drain((limit) => store.messagePurgeExpiredPayloads({ now, limit }));
      const attempts = await drain((limit) => store.attemptPurge({ before, limit }));
      if (payloads + expired + attempts > 0) deps.logger.info({ payloads: payloads + expired, attempts }, 'maintenance: retention purged payloads and attempts');
    },
  };
}
