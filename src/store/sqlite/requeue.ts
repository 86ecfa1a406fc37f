import type { Database } from 'better-sqlite3';
import { NotFoundError } from '../../domain/errors.js';
import { idBound, type Id } from '../../domain/ids.js';
import type { DeliveryKey, DeliveryRangeParams } from '../driver.js';

/**
 * Resend, recover and replay: each makes deliveries pending and due at `now`, with a fresh
 * schedule (attempt count 0) and a manual trigger, so the next attempt is recorded as manual.
 *
 * A delivery being sent (status 3) is left alone: the request in flight is the resend, and
 * resetting the row under it would let a second claim send the message twice at once while
 * the first outcome overwrote the reset.
 */
export function requeueStatements(db: Database) {
  const requeue = db.prepare(
    `INSERT INTO deliveries (app_id, msg_id, endpoint_id, status, attempt_count, next_attempt_at, lease_until, trigger_type, updated_at)
     VALUES (?, ?, ?, 1, 0, ?, NULL, 1, ?)
     ON CONFLICT (app_id, msg_id, endpoint_id) DO UPDATE SET
       status = 1, attempt_count = 0, next_attempt_at = excluded.next_attempt_at, lease_until = NULL, trigger_type = 1,
       updated_at = excluded.updated_at
     WHERE deliveries.status <> 3`,
  );
  // Walks `deliveries_by_endpoint` over the id range: message ids carry their creation instant.
  // INDEXED BY because, without statistics, SQLite prefers the primary key's (app_id, msg_id)
  // range, which reads the deliveries of every endpoint of the app in that range.
  const requeueFailed = db.prepare(
    `UPDATE deliveries INDEXED BY deliveries_by_endpoint SET status = 1, attempt_count = 0, next_attempt_at = ?, lease_until = NULL, trigger_type = 1, updated_at = ?
     WHERE app_id = ? AND endpoint_id = ? AND msg_id >= ? AND msg_id < ? AND status = 2`,
  );
  const endpointExists = db.prepare('SELECT 1 FROM endpoints WHERE app_id = ? AND id = ?').pluck();
  const insert = db.prepare(
    `INSERT INTO deliveries (app_id, msg_id, endpoint_id, status, attempt_count, next_attempt_at, lease_until, trigger_type, updated_at)
     SELECT m.app_id, m.id, ?, 1, 0, ?, NULL, 1, ? FROM messages m
     WHERE m.app_id = ? AND m.id IN (SELECT value FROM json_each(?))
     ON CONFLICT DO NOTHING`,
  );
  const insertAll = db.transaction((p: { appId: Id<'app'>; endpointId: Id<'ep'>; msgIds: Id<'msg'>[]; now: Date }) => {
    if (endpointExists.get(p.appId, p.endpointId) === undefined) throw new NotFoundError('endpoint not found');
    const now = p.now.getTime();
    insert.run(p.endpointId, now, now, p.appId, JSON.stringify(p.msgIds));
  });

  return {
    /** Creates the delivery when the message never went to the endpoint; NotFoundError when either is missing. */
    deliveryRequeue(p: DeliveryKey & { now: Date }): void {
      const now = p.now.getTime();
      requeue.run(p.appId, p.msgId, p.endpointId, now, now);
    },
    deliveryRequeueFailed(p: DeliveryRangeParams): number {
      const now = p.now.getTime();
      return requeueFailed.run(now, now, p.appId, p.endpointId, idBound('msg', p.since, 'start'), idBound('msg', p.until, 'start')).changes;
    },
    /**
     * Replay-missing. Idempotent, as a background task that may run twice must be: a message that
     * already has a delivery to the endpoint, or no longer exists, is skipped.
     */
    deliveryInsert(p: { appId: Id<'app'>; endpointId: Id<'ep'>; msgIds: Id<'msg'>[]; now: Date }): void {
      insertAll.immediate(p);
    },
  };
}
