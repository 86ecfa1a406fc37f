import type { MessageInsertParams } from '../driver.js';
import { Db } from './db.js';
import { jsonOrNull } from './rows.js';

/**
 * Ingest: one call's messages and all their deliveries in ONE statement (one round trip, one
 * commit). The messages go in through a data-modifying CTE fed by column arrays (`unnest`), the
 * deliveries through the main INSERT, fed by (message, endpoint) pair arrays; the deliveries'
 * foreign keys are checked at the end of the statement, when the CTE's messages are there. A
 * statement is atomic by itself: a duplicate `eventId` (23505 → ConflictError) or a missing
 * application (23503 → NotFoundError) anywhere in the call stores nothing of it, so a
 * `/msg/batch` of 1,000 is all or nothing. Statements per call: 1, whatever the fan-out.
 *
 * Deliveries are created only for endpoints that still exist (the JOIN): one deleted between
 * matching and this commit is skipped instead of failing the ingest. A repeated endpoint id is
 * written once (ON CONFLICT DO NOTHING).
 *
 * Group commit: unlike the SQLite driver there is no queue here. Concurrent calls run on
 * different pool connections, each its own transaction, and PostgreSQL groups their WAL flushes
 * by itself: a backend that reaches its commit while another's fsync is in flight finds its
 * record flushed with it (or flushes for the whole group next), so N concurrent commits cost far
 * fewer than N fsyncs. `commit_delay` can widen the groups on a busy server. Concurrency is bounded
 * by the pool size. Sharing one transaction between calls would save round trips, but would need
 * savepoints (one more statement per call) to keep a duplicate in one call from failing the others.
 */
export function messageInsertStatement(db: Db): (p: MessageInsertParams) => Promise<void> {
  const insert = Db.statement(
    'message_insert',
    `WITH inserted AS (
       INSERT INTO messages (app_id, id, event_type, event_id, payload, channels, tags, created_at, payload_expires_at)
       SELECT app_id, id, event_type, event_id, payload, channels::jsonb, tags::jsonb, created_at, payload_expires_at
       FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::timestamptz[], $9::timestamptz[])
         AS t (app_id, id, event_type, event_id, payload, channels, tags, created_at, payload_expires_at)
     )
     INSERT INTO deliveries (app_id, msg_id, endpoint_id, status, attempt_count, next_attempt_at, lease_until, trigger_type, updated_at)
     SELECT e.app_id, t.msg_id, e.id, 1, 0, $13, NULL, 0, $13
     FROM unnest($10::text[], $11::text[], $12::text[]) AS t (app_id, msg_id, endpoint_id)
     JOIN endpoints e ON e.app_id = t.app_id AND e.id = t.endpoint_id
     ON CONFLICT DO NOTHING`,
  );

  return async (p) => {
    const n = p.items.length;
    if (n === 0) return;
    const appIds = new Array<string>(n);
    const ids = new Array<string>(n);
    const eventTypes = new Array<string>(n);
    const eventIds = new Array<string | null>(n);
    const payloads = new Array<string | null>(n);
    const channels = new Array<string | null>(n);
    const tags = new Array<string | null>(n);
    const createdAt = new Array<Date>(n);
    const expiresAt = new Array<Date | null>(n);
    const pairApps: string[] = [];
    const pairMessages: string[] = [];
    const pairEndpoints: string[] = [];
    for (let i = 0; i < n; i++) {
      const { message: m, endpointIds } = p.items[i]!;
      appIds[i] = m.appId;
      ids[i] = m.id;
      eventTypes[i] = m.eventType;
      eventIds[i] = m.eventId;
      payloads[i] = m.payload;
      channels[i] = jsonOrNull(m.channels);
      tags[i] = jsonOrNull(m.tags);
      createdAt[i] = m.timestamp;
      expiresAt[i] = m.payloadExpiresAt;
      for (const endpointId of endpointIds) {
        pairApps.push(m.appId);
        pairMessages.push(m.id);
        pairEndpoints.push(endpointId);
      }
    }
    await db.query(insert, [appIds, ids, eventTypes, eventIds, payloads, channels, tags, createdAt, expiresAt, pairApps, pairMessages, pairEndpoints, p.now]);
  };
}
