import type { Database } from 'better-sqlite3';
import type { DeliveryOutcome } from '../driver.js';
import { attemptColumns, attemptParams, placeholders } from './rows.js';

/**
 * Writes a batch of delivery outcomes in one transaction (one fsync for the batch): per outcome
 * one attempt row and one delivery update, plus the endpoint when a 410 disables it. With the
 * claim's lease update that is 3 statements per delivered message.
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
  const insertAttempt = db.prepare(
    `INSERT INTO attempts (${attemptColumns}) SELECT ${placeholders(attemptColumns)}
     WHERE EXISTS (SELECT 1 FROM deliveries WHERE app_id = ? AND msg_id = ? AND endpoint_id = ?)
     ON CONFLICT DO NOTHING`,
  );
  const updateDelivery = db.prepare(
    `UPDATE deliveries SET status = ?, attempt_count = ?, next_attempt_at = ?, lease_until = NULL, trigger_type = 0, updated_at = ?
     WHERE app_id = ? AND msg_id = ? AND endpoint_id = ?`,
  );
  const disableEndpoint = db.prepare('UPDATE endpoints SET disabled = 1, updated_at = ? WHERE app_id = ? AND id = ?');

  const record = db.transaction((outcomes: DeliveryOutcome[]) => {
    for (const o of outcomes) {
      const { appId, msgId, endpointId } = o.key;
      const at = o.attempt.timestamp.getTime();
      insertAttempt.run(...attemptParams(o.attempt), appId, msgId, endpointId);
      updateDelivery.run(o.status, o.attemptCount, o.nextAttemptAt === null ? null : o.nextAttemptAt.getTime(), at, appId, msgId, endpointId);
      if (o.disableEndpoint) disableEndpoint.run(at, appId, endpointId);
    }
  });
  return (p) => {
    if (p.outcomes.length > 0) record.immediate(p.outcomes);
  };
}
