import { NotFoundError } from '../../domain/errors.js';
import { idBound, type Id } from '../../domain/ids.js';
import type { DeliveryKey, DeliveryRangeParams } from '../driver.js';
import { Db } from './db.js';

/**
 * Resend, recover and replay: each makes deliveries pending and due at `now`, with a fresh
 * schedule (attempt count 0) and a manual trigger, so the next attempt is recorded as manual.
 * One statement each.
 *
 * A delivery being sent (status 3) is left alone: the request in flight is the resend, and
 * resetting the row under it would let a second claim send the message twice at once while
 * the first outcome overwrote the reset.
 */
export function requeueStatements(db: Db) {
  // A missing message or endpoint fails the foreign key: 23503 → NotFoundError.
  const requeue = Db.statement(
    'delivery_requeue',
    `INSERT INTO deliveries AS d (app_id, msg_id, endpoint_id, status, attempt_count, next_attempt_at, lease_until, trigger_type, updated_at)
     VALUES ($1, $2, $3, 1, 0, $4, NULL, 1, $4)
     ON CONFLICT (app_id, msg_id, endpoint_id) DO UPDATE SET
       status = 1, attempt_count = 0, next_attempt_at = excluded.next_attempt_at, lease_until = NULL, trigger_type = 1,
       updated_at = excluded.updated_at
     WHERE d.status <> 3`,
  );
  // Walks `deliveries_by_endpoint` over the id range: message ids carry their creation instant.
  const requeueFailed = Db.statement(
    'delivery_requeue_failed',
    `UPDATE deliveries SET status = 1, attempt_count = 0, next_attempt_at = $1, lease_until = NULL, trigger_type = 1, updated_at = $1
     WHERE app_id = $2 AND endpoint_id = $3 AND msg_id >= $4 AND msg_id < $5 AND status = 2`,
  );
  // The endpoint's existence and the insert in one statement: the result says which.
  const insert = Db.statement(
    'delivery_insert',
    `WITH ep AS (SELECT e.app_id, e.id FROM endpoints e WHERE e.app_id = $1 AND e.id = $2), inserted AS (
       INSERT INTO deliveries (app_id, msg_id, endpoint_id, status, attempt_count, next_attempt_at, lease_until, trigger_type, updated_at)
       SELECT m.app_id, m.id, ep.id, 1, 0, $3, NULL, 1, $3 FROM ep JOIN messages m ON m.app_id = ep.app_id AND m.id = ANY ($4::text[])
       ON CONFLICT DO NOTHING
     )
     SELECT EXISTS (SELECT 1 FROM ep) AS found`,
  );

  return {
    /** Creates the delivery when the message never went to the endpoint; NotFoundError when either is missing. */
    async deliveryRequeue(p: DeliveryKey & { now: Date }): Promise<void> {
      await db.query(requeue, [p.appId, p.msgId, p.endpointId, p.now]);
    },
    deliveryRequeueFailed(p: DeliveryRangeParams): Promise<number> {
      return db.count(requeueFailed, [p.now, p.appId, p.endpointId, idBound('msg', p.since, 'start'), idBound('msg', p.until, 'start')]);
    },
    /**
     * Replay-missing. Idempotent, as a background task that may run twice must be: a message that
     * already has a delivery to the endpoint, or no longer exists, is skipped.
     */
    async deliveryInsert(p: { appId: Id<'app'>; endpointId: Id<'ep'>; msgIds: Id<'msg'>[]; now: Date }): Promise<void> {
      const [row] = await db.rows<{ found: boolean }>(insert, [p.appId, p.endpointId, p.now, p.msgIds]);
      if (!row?.found) throw new NotFoundError('endpoint not found');
    },
  };
}
