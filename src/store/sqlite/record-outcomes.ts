import type { Database } from 'better-sqlite3';
import type { DeliveryOutcome } from '../driver.js';
import { attemptColumns, attemptParams } from './rows.js';
import { ValuesStatement } from './values-batch.js';

const attemptWidth = attemptColumns.split(',').length;

function deliveryUpdateParams(o: DeliveryOutcome): unknown[] {
  const { appId, msgId, endpointId } = o.key;
  return [appId, msgId, endpointId, o.status, o.attemptCount, o.nextAttemptAt === null ? null : o.nextAttemptAt.getTime(), o.attempt.timestamp.getTime()];
}

/**
 * Writes a batch of delivery outcomes in one transaction (one fsync for the batch): one
 * statement inserts the batch's attempts, one updates its deliveries (each in chunks of 64 rows),
 * plus the endpoint when a 410 disables it.
 *
 * An outcome whose delivery is gone (its endpoint, message or application was deleted while the
 * request was in flight) writes nothing rather than failing the batch: the attempt is inserted
 * only while the delivery row exists.
 *
 * The delivery's trigger goes back to scheduled: a manual resend makes its first attempt manual,
 * the retries that follow are the schedule's. Writing the same outcomes again changes nothing
 * (a retry by a dispatcher that did not see the first write's answer).
 */
export function recordOutcomesStatement(db: Database): (p: { outcomes: DeliveryOutcome[] }) => void {
  // One attempt insert and one delivery update per batch, whatever its size (they were one each
  // per outcome: 2.0 of the drain's 4.61 statements per delivery, bench quick pass of
  // 2026-11-23 20:48).
  const insertAttempts = new ValuesStatement(
    db,
    attemptWidth,
    (values) =>
      `WITH v (${attemptColumns}) AS (VALUES ${values})
       INSERT INTO attempts (${attemptColumns}) SELECT ${attemptColumns} FROM v
       WHERE EXISTS (SELECT 1 FROM deliveries d WHERE d.app_id = v.app_id AND d.msg_id = v.msg_id AND d.endpoint_id = v.endpoint_id)
       ON CONFLICT DO NOTHING`,
  );
  const updateDeliveries = new ValuesStatement(
    db,
    7,
    (values) =>
      `WITH v (app_id, msg_id, endpoint_id, status, attempt_count, next_attempt_at, updated_at) AS (VALUES ${values})
       UPDATE deliveries SET status = v.status, attempt_count = v.attempt_count, next_attempt_at = v.next_attempt_at,
         lease_until = NULL, trigger_type = 0, updated_at = v.updated_at
       FROM v WHERE deliveries.app_id = v.app_id AND deliveries.msg_id = v.msg_id AND deliveries.endpoint_id = v.endpoint_id`,
  );
  const disableEndpoint = db.prepare('UPDATE endpoints SET disabled = 1, updated_at = ? WHERE app_id = ? AND id = ?');

  const record = db.transaction((outcomes: DeliveryOutcome[]) => {
    insertAttempts.run(outcomes.map((o) => attemptParams(o.attempt)));
    updateDeliveries.run(outcomes.map(deliveryUpdateParams));
    for (const o of outcomes) {
      if (o.disableEndpoint) disableEndpoint.run(o.attempt.timestamp.getTime(), o.key.appId, o.key.endpointId);
    }
  });
  return (p) => {
    if (p.outcomes.length > 0) record.immediate(p.outcomes);
  };
}
