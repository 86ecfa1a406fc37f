import type { Database } from 'better-sqlite3';
import type { DeliveryKey } from '../driver.js';
import { relaxedSync } from './relaxed-sync.js';

/**
 * Leases that end without an outcome. Both put the delivery back to pending with its due time
 * unchanged (it was due when claimed, so it is first in line again) and record no attempt.
 * Commits are relaxed (`relaxed-sync.ts`): losing one to a power cut leaves the row sending,
 * and the next reap returns it.
 */
export function reapLeaseStatements(db: Database) {
  // Scans `deliveries_sending`, which holds only the rows in flight.
  const reap = db.prepare('UPDATE deliveries SET status = 1, lease_until = NULL, updated_at = ? WHERE status = 3 AND lease_until <= ?');
  const release = db.prepare(
    'UPDATE deliveries SET status = 1, lease_until = NULL, updated_at = ? WHERE app_id = ? AND msg_id = ? AND endpoint_id = ? AND status = 3',
  );
  const releaseAll = db.transaction((keys: DeliveryKey[], now: number) => {
    for (const k of keys) release.run(now, k.appId, k.msgId, k.endpointId);
  });
  const relaxed = relaxedSync(db);

  return {
    /** The count of deliveries returned to the queue. */
    deliveryReapExpiredLeases: relaxed((p: { now: Date }): number => {
      const now = p.now.getTime();
      return reap.run(now, now).changes;
    }),
    /** Graceful stop: only deliveries still sending are touched, so an outcome already written stands. */
    deliveryReleaseLeases: relaxed((p: { keys: DeliveryKey[]; now: Date }): void => {
      if (p.keys.length > 0) releaseAll.immediate(p.keys, p.now.getTime());
    }),
  };
}
