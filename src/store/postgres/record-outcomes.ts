import type { DeliveryOutcome } from '../driver.js';
import { Db } from './db.js';
import { jsonOrNull } from './rows.js';

/**
 * Writes a batch of delivery outcomes in ONE statement (one round trip, one commit), fed by column
 * arrays (`unnest`): one UPDATE of every delivery, one INSERT of every attempt, one UPDATE of the
 * endpoints a 410 disables, and one UPDATE freeing the deliveries' lease slots (claim-due.ts), as
 * data-modifying CTEs of a single statement, so the batch is atomic. Statements per batch: 1;
 * with the claim's, 2 per batch of deliveries.
 *
 * An outcome whose delivery is gone (its endpoint, message or application was deleted while the
 * request was in flight) writes nothing rather than failing the batch: attempts are inserted only
 * for the deliveries the UPDATE found (its RETURNING).
 *
 * The delivery's trigger goes back to scheduled: a manual resend makes its first attempt manual,
 * the retries that follow are the schedule's.
 *
 * Writing the same outcomes again changes nothing (the attempt ids are already there): when a
 * connection breaks between COMMIT and its reply, the dispatcher cannot know the batch was
 * written and retries it, which must succeed rather than fail on the duplicate attempt forever.
 *
 * PostgreSQL text cannot hold U+0000, which a binary response body can: it is replaced by U+FFFD
 * in the stored `response` (SQLite keeps it), since failing the batch would leave the deliveries to
 * the lease reaper and send them again, forever.
 */
export function recordOutcomesStatement(db: Db): (p: { outcomes: DeliveryOutcome[] }) => Promise<void> {
  const record = Db.statement(
    'delivery_record_outcomes',
    `WITH o AS (
       SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::smallint[], $5::integer[], $6::timestamptz[], $7::boolean[],
         $8::text[], $9::text[], $10::text[], $11::integer[], $12::text[], $13::text[], $14::integer[], $15::smallint[], $16::smallint[], $17::timestamptz[])
         AS o (app_id, msg_id, endpoint_id, status, attempt_count, next_attempt_at, disable,
           attempt_id, url, response, response_status_code, response_headers, request_headers, response_duration_ms, attempt_status, trigger_type, at)
     ), updated AS (
       UPDATE deliveries d SET status = o.status, attempt_count = o.attempt_count, next_attempt_at = o.next_attempt_at,
         lease_until = NULL, trigger_type = 0, updated_at = o.at
       FROM o
       WHERE d.app_id = o.app_id AND d.msg_id = o.msg_id AND d.endpoint_id = o.endpoint_id
       RETURNING d.app_id, d.msg_id, d.endpoint_id
     ), inserted AS (
       INSERT INTO attempts (app_id, id, msg_id, endpoint_id, url, response, response_status_code, response_headers, request_headers,
         response_duration_ms, status, trigger_type, created_at)
       SELECT o.app_id, o.attempt_id, o.msg_id, o.endpoint_id, o.url, o.response, o.response_status_code, o.response_headers::jsonb,
         o.request_headers::jsonb, o.response_duration_ms, o.attempt_status, o.trigger_type, o.at
       FROM o JOIN updated u ON u.app_id = o.app_id AND u.msg_id = o.msg_id AND u.endpoint_id = o.endpoint_id
       ON CONFLICT (app_id, id) DO NOTHING
     ), disabled AS (
       UPDATE endpoints e SET disabled = true, updated_at = x.at
       FROM (SELECT app_id, endpoint_id, max(at) AS at FROM o WHERE disable GROUP BY app_id, endpoint_id) x
       WHERE e.app_id = x.app_id AND e.id = x.endpoint_id
     ), freed AS (
       UPDATE endpoint_slots s SET msg_id = NULL, lease_until = NULL
       FROM o WHERE s.app_id = o.app_id AND s.endpoint_id = o.endpoint_id AND s.msg_id = o.msg_id
     )
     SELECT count(*)::int AS n FROM updated`,
  );

  return async (p) => {
    const n = p.outcomes.length;
    if (n === 0) return;
    const columns = Array.from({ length: 17 }, () => new Array<unknown>(n));
    for (let i = 0; i < n; i++) {
      const o = p.outcomes[i]!;
      const a = o.attempt;
      const values = [
        o.key.appId,
        o.key.msgId,
        o.key.endpointId,
        o.status,
        o.attemptCount,
        o.nextAttemptAt,
        o.disableEndpoint,
        a.id,
        a.url,
        a.response.includes('\u0000') ? a.response.replaceAll('\u0000', '\uFFFD') : a.response,
        a.responseStatusCode,
        jsonOrNull(a.responseHeaders),
        jsonOrNull(a.requestHeaders),
        Math.round(a.responseDurationMs),
        a.status,
        a.triggerType,
        a.timestamp,
      ];
      for (let c = 0; c < 17; c++) columns[c]![i] = values[c];
    }
    await db.query(record, columns);
  };
}
