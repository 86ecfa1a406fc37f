import type { Database } from 'better-sqlite3';
import type { Id } from '../../domain/ids.js';
import { MessageStatus, type Endpoint, type TriggerType } from '../../domain/types.js';
import { maxConcurrencyDefault, type ClaimedDelivery, type DeliveryClaimDueParams } from '../driver.js';
import { relaxedSync } from './relaxed-sync.js';
import { ValuesStatement } from './values-batch.js';
import { endpointColumns, endpointFromRow, messageFromRow, type EndpointRow, type MessageRow } from './rows.js';

interface ClaimRow extends MessageRow {
  endpoint_id: string;
  attempt_count: number;
  next_attempt_at: number;
  trigger_type: number;
  app_uid: string | null;
  /** The endpoint's bucket before this claim; null without a rate limit. */
  tokens: number | null;
}

/** Tokens are fractional: a count that should be whole but came out 0.9999999 still buys one. */
const tokenEpsilon = 1e-9;

/** Step 1 on its own: the endpoints that may get something from this claim, with their room and tokens. */
const endpointsDueSql = `
  SELECT e.app_id, e.id AS endpoint_id,
    coalesce(e.max_concurrency, :maxConcurrency) - (
      SELECT count(*) FROM deliveries s INDEXED BY deliveries_in_flight
      WHERE s.app_id = e.app_id AND s.endpoint_id = e.id AND s.status = 3 AND s.lease_until > :now
    ) AS room,
    CASE WHEN e.rate_limit > 0 THEN
      min(e.rate_limit, coalesce(r.tokens + max(0, :clock - r.refilled_at) * e.rate_limit / 1000.0, e.rate_limit))
    END AS tokens
  FROM endpoints e
  LEFT JOIN endpoint_rates r ON r.app_id = e.app_id AND r.endpoint_id = e.id
  WHERE e.disabled = 0 AND e.id NOT IN (SELECT value FROM json_each(:skip)) AND EXISTS (
    SELECT 1 FROM deliveries x INDEXED BY deliveries_due
    WHERE x.app_id = e.app_id AND x.endpoint_id = e.id AND x.status = 1 AND x.next_attempt_at <= :now)`;

/**
 * The claim query, in four steps:
 * 1. `eps`: each enabled endpoint not skipped that has a due delivery (one probe of the partial
 *    index `deliveries_due (app_id, endpoint_id, next_attempt_at) WHERE status = 1`), with its
 *    room: `maxConcurrency` minus its unexpired leases (counted on `deliveries_in_flight`, which
 *    holds only rows being sent), and, with a `rateLimit`, the tokens in its bucket
 *    (`endpoint_rates`, refilled by the process's wall clock since the last claim, at most
 *    `rateLimit`; a missing row is a full bucket). One process writes, and the claim is one
 *    IMMEDIATE transaction, so the counts are exact.
 * 2. `candidates`: for each endpoint with room, its earliest `perEndpointLimit` due deliveries.
 *    The endpoints drive the loop (CROSS JOIN fixes that order) and each probes `deliveries_due`
 *    again, so the cost is a few index probes per endpoint with due work plus the rows taken,
 *    whatever the backlog. (SQLite refuses a correlated LIMIT, so the endpoint's
 *    `maxConcurrency` cannot cap it here as it does on PostgreSQL; the dispatcher passes the
 *    widest lane it knows instead.)
 * 3. `picked`: fairness, within those limits. Rank each delivery within its endpoint, then
 *    within its application by that rank, and take the batch in application-rank order: every
 *    application with due work gets its first delivery into the batch before any gets its second,
 *    and inside an application its endpoints take turns. One tenant's backlog cannot push another
 *    tenant's fresh message out.
 * 4. Join the messages of the picked rows only (the LIMIT sits before the join, so payloads of
 *    rows left out are never read), and the application's uid for the profiles that need it.
 * Then, in the same transaction, the picked rows are leased (one statement for the batch) and
 * each rate-limited endpoint's bucket is charged for what it got.
 *
 * Measured on the 2-core dev VM with 1,000,000 due deliveries on one endpoint of one app and 1,001
 * other endpoints (one with a fresh message): 0.7 to 0.9 ms per claim (p50, limit 100, 10 per
 * endpoint), the fresh message second in the batch. A ROW_NUMBER() over all due rows instead took
 * 700 ms on the same data. The cost grows with the number of enabled endpoints, not with the
 * backlog. Computing each endpoint's room first (it was computed after the candidates, for the
 * endpoints that had some, and joined back to them) skips full endpoints before their rows are
 * read and drops an automatic index per claim: 350 → 270–290 µs for a claim of 3 from one endpoint
 * with 10,000 due, 7.3 → 6.1 ms for a claim of 100 over 1,001 endpoints with due work (2026-11-30).
 * At one endpoint's pace (a claim per 2 to 3 deliveries) the claim was 31 % of the delivery
 * thread's time (bench herald-profile).
 */
const claimSql = `
WITH eps AS MATERIALIZED (${endpointsDueSql}
), candidates AS MATERIALIZED (
  SELECT d.app_id, d.msg_id, d.endpoint_id, d.next_attempt_at, d.attempt_count, d.trigger_type, p.room, p.tokens,
    row_number() OVER (PARTITION BY d.app_id, d.endpoint_id ORDER BY d.next_attempt_at, d.msg_id) AS endpoint_rank
  FROM eps p
  CROSS JOIN deliveries d ON d.app_id = p.app_id AND d.endpoint_id = p.endpoint_id AND d.msg_id IN (
    SELECT x.msg_id FROM deliveries x INDEXED BY deliveries_due
    WHERE x.app_id = p.app_id AND x.endpoint_id = p.endpoint_id AND x.status = 1 AND x.next_attempt_at <= :now
    ORDER BY x.next_attempt_at, x.msg_id LIMIT :perEndpoint)
  WHERE p.room > 0
), picked AS (
  SELECT c.*, row_number() OVER (PARTITION BY c.app_id ORDER BY c.endpoint_rank, c.next_attempt_at, c.endpoint_id) AS app_rank
  FROM candidates c
  WHERE c.endpoint_rank <= c.room AND (c.tokens IS NULL OR c.endpoint_rank <= CAST(c.tokens + ${tokenEpsilon} AS INTEGER))
  ORDER BY app_rank, c.next_attempt_at, c.app_id
  LIMIT :limit
)
SELECT p.app_id, p.msg_id AS id, p.endpoint_id, p.attempt_count, p.next_attempt_at, p.trigger_type, p.tokens,
  m.event_type, m.event_id, m.payload, m.channels, m.tags, m.created_at, m.payload_expires_at, a.uid AS app_uid
FROM picked p
JOIN messages m ON m.app_id = p.app_id AND m.id = p.msg_id
JOIN applications a ON a.id = p.app_id
ORDER BY p.app_rank, p.next_attempt_at, p.app_id`;

/**
 * The claim when a single endpoint without a rate limit may get something (one busy endpoint
 * whose lane freed places: the common case under load): its earliest due deliveries, by the
 * index, in the order the general query would pick them. No window function and no temporary
 * b-tree: each of those costs SQLite an ephemeral table, and the general query's five came to a
 * fixed 270–290 µs per claim, even one that found nothing, against 60–80 µs for this one and
 * 10 µs for step 1 alone (the 2-core dev VM, 2026-11-30).
 */
const oneEndpointSql = `
SELECT d.app_id, d.msg_id AS id, d.endpoint_id, d.attempt_count, d.next_attempt_at, d.trigger_type, NULL AS tokens,
  m.event_type, m.event_id, m.payload, m.channels, m.tags, m.created_at, m.payload_expires_at, a.uid AS app_uid
FROM deliveries d INDEXED BY deliveries_due
JOIN messages m ON m.app_id = d.app_id AND m.id = d.msg_id
JOIN applications a ON a.id = d.app_id
WHERE d.app_id = :appId AND d.endpoint_id = :endpointId AND d.status = 1 AND d.next_attempt_at <= :now
ORDER BY d.next_attempt_at, d.msg_id
LIMIT :limit`;

interface DueEndpoint {
  app_id: string;
  endpoint_id: string;
  room: number;
  tokens: number | null;
}

/** Claims due deliveries and leases them (status Sending until `now + leaseMs`). */
export function claimDueStatement(db: Database): (p: DeliveryClaimDueParams) => ClaimedDelivery[] {
  const endpointsDue = db.prepare(endpointsDueSql);
  const select = db.prepare(claimSql);
  const oneEndpoint = db.prepare(oneEndpointSql);
  const endpointById = db.prepare(`SELECT ${endpointColumns} FROM endpoints WHERE app_id = ? AND id = ?`);
  // One statement leases the whole batch (it was one per delivery: 1.0 of the drain's 4.61
  // statements per delivery, bench quick pass of 2026-11-23 20:48).
  const lease = new ValuesStatement(
    db,
    3,
    (values) => `UPDATE deliveries SET status = 3, lease_until = ?, updated_at = ? WHERE (app_id, msg_id, endpoint_id) IN (VALUES ${values})`,
  );
  // A wall clock set back makes the refill wait (max(0, …) above) rather than mint tokens.
  const charge = db.prepare(
    `INSERT INTO endpoint_rates (app_id, endpoint_id, tokens, refilled_at) VALUES (?, ?, ?, ?)
     ON CONFLICT (app_id, endpoint_id) DO UPDATE SET tokens = excluded.tokens, refilled_at = max(refilled_at, excluded.refilled_at)`,
  );

  const claim = db.transaction((p: DeliveryClaimDueParams): ClaimedDelivery[] => {
    const now = p.now.getTime();
    const clock = Date.now();
    const params = { now, clock, maxConcurrency: p.maxConcurrencyDefault ?? maxConcurrencyDefault, skip: JSON.stringify(p.skipEndpointIds) };
    const open = (endpointsDue.all(params) as DueEndpoint[]).filter((e) => e.room > 0 && (e.tokens === null || e.tokens + tokenEpsilon >= 1));
    if (open.length === 0) return [];
    const only = open.length === 1 && open[0]!.tokens === null ? open[0]! : null;
    const rows = (
      only
        ? oneEndpoint.all({ appId: only.app_id, endpointId: only.endpoint_id, now, limit: Math.min(p.limit, p.perEndpointLimit, only.room) })
        : select.all({ ...params, perEndpoint: p.perEndpointLimit, limit: p.limit })
    ) as ClaimRow[];
    const leaseUntil = now + p.leaseMs;
    const spent = new Map<string, { appId: string; tokens: number }>();
    // A batch usually holds several deliveries per endpoint: read and parse each endpoint once.
    const endpoints = new Map<string, Endpoint>();
    const claimed = new Array<ClaimedDelivery>(rows.length);
    lease.run(
      rows.map((r) => [r.app_id, r.id, r.endpoint_id]),
      [leaseUntil, now],
    );
    for (let i = 0; i < rows.length; i++) {
      const r = rows[i]!;
      if (r.tokens !== null) {
        const bucket = spent.get(r.endpoint_id) ?? { appId: r.app_id, tokens: r.tokens };
        bucket.tokens -= 1;
        spent.set(r.endpoint_id, bucket);
      }
      let endpoint = endpoints.get(r.endpoint_id);
      if (endpoint === undefined) {
        endpoint = endpointFromRow(endpointById.get(r.app_id, r.endpoint_id) as EndpointRow);
        endpoints.set(r.endpoint_id, endpoint);
      }
      claimed[i] = {
        delivery: {
          appId: r.app_id as Id<'app'>,
          msgId: r.id as Id<'msg'>,
          endpointId: r.endpoint_id as Id<'ep'>,
          status: MessageStatus.Sending,
          attemptCount: r.attempt_count,
          nextAttemptAt: new Date(r.next_attempt_at),
          triggerType: r.trigger_type as TriggerType,
          updatedAt: p.now,
        },
        message: messageFromRow(r),
        endpoint,
        appUid: r.app_uid,
      };
    }
    for (const [endpointId, bucket] of spent) charge.run(bucket.appId, endpointId, Math.max(0, bucket.tokens), clock);
    return claimed;
  });

  const relaxed = relaxedSync(db);
  return relaxed((p: DeliveryClaimDueParams) => (p.limit <= 0 || p.perEndpointLimit <= 0 ? [] : claim.immediate(p)));
}
