import type { DeliveryKey } from '../driver.js';
import { Db } from './db.js';

/**
 * Leases that end without an outcome. Both put the delivery back to pending with its due time
 * unchanged (it was due when claimed, so it is first in line again) and record no attempt. One
 * statement each. Several workers may reap at once: a row another reaper returned first fails the
 * re-check of `status = 3` after its lock wait and is counted once.
 */
export function reapLeaseStatements(db: Db) {
  // Scans `deliveries_sending`, which holds only the rows in flight.
  const reap = Db.statement('delivery_reap', 'UPDATE deliveries SET status = 1, lease_until = NULL, updated_at = $1 WHERE status = 3 AND lease_until <= $1');
  // The slot a lease held is freed with it; the reaper need not free any, since a slot whose
  // lease has ended is free by definition (claim-due.ts).
  const release = Db.statement(
    'delivery_release',
    `WITH k AS (
       SELECT * FROM unnest($2::text[], $3::text[], $4::text[]) AS k (app_id, msg_id, endpoint_id)
     ), released AS (
       UPDATE deliveries d SET status = 1, lease_until = NULL, updated_at = $1
       FROM k WHERE d.app_id = k.app_id AND d.msg_id = k.msg_id AND d.endpoint_id = k.endpoint_id AND d.status = 3
     )
     UPDATE endpoint_slots s SET msg_id = NULL, lease_until = NULL
     FROM k WHERE s.app_id = k.app_id AND s.endpoint_id = k.endpoint_id AND s.msg_id = k.msg_id`,
  );

  return {
    /** The count of deliveries returned to the queue. */
    deliveryReapExpiredLeases(p: { now: Date }): Promise<number> {
      return db.count(reap, [p.now]);
    },
    /** Graceful stop: only deliveries still sending are touched, so an outcome already written stands. */
    async deliveryReleaseLeases(p: { keys: DeliveryKey[]; now: Date }): Promise<void> {
      if (p.keys.length === 0) return;
      await db.query(release, [p.now, p.keys.map((k) => k.appId), p.keys.map((k) => k.msgId), p.keys.map((k) => k.endpointId)]);
    },
  };
}
