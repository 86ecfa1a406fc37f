import type { Id } from '../../domain/ids.js';
import { MessageStatus, type Endpoint, type TriggerType } from '../../domain/types.js';
import { maxConcurrencyDefault, type ClaimedDelivery, type DeliveryClaimDueParams } from '../driver.js';
import { Db } from './db.js';
import { endpointColumnList, endpointFromRow, messageFromRow, type EndpointRow, type MessageRow } from './rows.js';

interface ClaimRow extends MessageRow {
  endpoint_id: string;
  attempt_count: number;
  next_attempt_at: Date;
  trigger_type: number;
  app_uid: string | null;
  /** The endpoint's columns, `e_`-prefixed, on the first row of each endpoint only (null on the others). */
  [endpointColumn: `e_${string}`]: unknown;
}

/**
 * The claim: one statement, one round trip, in seven steps.
 * 1. `candidates`: for each enabled endpoint not skipped, its earliest `perEndpointLimit` due
 *    deliveries, and never more than its `maxConcurrency` (more could not be leased anyway, and
 *    the dispatcher's `perEndpointLimit` may exceed the default endpoints' 10). The endpoints drive the loop (a LATERAL subquery per endpoint) and each probes
 *    the partial index `deliveries_due (app_id, endpoint_id, next_attempt_at, msg_id) WHERE
 *    status = 1`, which returns rows already in claim order: the cost is one index probe per
 *    enabled endpoint plus the rows taken, whatever the backlog. Nothing is locked yet.
 * 2. `room`: for each endpoint with candidates, its busy lease slots (`endpoint_slots` rows whose
 *    lease has not ended) as this statement's snapshot sees them; candidates beyond
 *    `maxConcurrency − busy` are dropped, so a full endpoint takes no place in the batch.
 * 3. `ranked`: fairness, as in the SQLite driver. Rank each delivery within its endpoint, then
 *    within its application by that rank, and order by application rank: every application with
 *    due work gets its first delivery in before any gets its second, and inside an application its
 *    endpoints take turns. Kept: the first `2 × limit`.
 * 4. `locked`: lock in that order with `FOR UPDATE SKIP LOCKED` until `limit` rows are held.
 *    Another worker's claim running at the same instant computed the same ranking and holds the
 *    head of it: its rows are skipped (not waited for), so this claim takes the next ones; the
 *    `2 × limit` slack is what lets two simultaneous claims both fill their batches (a third at
 *    the same instant may come back short, never blocked). A row that another worker claimed and
 *    committed in the meantime fails the re-check of `status = 1` and is skipped too, so a
 *    delivery is never leased twice. Locking only here, not in step 1, matters: locking every
 *    candidate would write a lock into up to (enabled endpoints × perEndpointLimit) tuples per
 *    claim and hide them all from the other workers.
 * 5. `charged`: the rate limit. Each rate-limited endpoint's bucket row is upserted: the row
 *    lock makes concurrent claims of one endpoint take turns, and ON CONFLICT DO UPDATE computes
 *    from the row's latest committed version (not this statement's snapshot), so N workers
 *    together spend each token once. Tokens refill by the database server's clock
 *    (`statement_timestamp()`), the one clock all workers share. The bucket is charged for what
 *    the claim asks (`wanted`); a delivery that finds no slot in step 6 wastes its token, which
 *    errs on the slow side.
 * 6. `held` … `slotted`: the concurrency limit. Each delivery within its grant takes a slot
 *    numbered ≤ `maxConcurrency`, and a slot holds one lease at a time, so leases per endpoint
 *    never exceed its slots, across every worker. Free slot rows are locked as the deliveries
 *    are, `FOR UPDATE SKIP LOCKED` with the re-check of the lease: two claims at the same instant
 *    take different slots and neither waits. An endpoint's first claim (and the first after its
 *    `maxConcurrency` grew) inserts its missing slot rows, all of them; another claim doing the
 *    same at that instant waits for it and comes back short for that endpoint, once. Rate rows
 *    are upserted before slot rows, each in key order, so claims never deadlock on each other.
 * 7. `leased`: mark the slotted rows sending until `now + leaseMs`, by their ctids (a TID scan;
 *    joining back on the key let the generic plan hash-join the whole table: about 500 ms on the
 *    backlog below), then join the messages of the leased rows only, the application's uid, and
 *    the endpoint's columns on one row per endpoint only (a batch usually holds several
 *    deliveries per endpoint: each endpoint is sent and parsed once).
 *
 * Statements per claim: 1 (autocommit: the locks, slots, tokens and leases commit together).
 *
 * Measured on the 2-core dev VM (PostgreSQL 15, 128 MB shared_buffers) with 1,000,000 due
 * deliveries on one endpoint of one app and 1,000 endpoints of a second app, one of them with a
 * fresh message, after VACUUM ANALYZE, before steps 2, 5 and 6 existed: limit 100,
 * perEndpointLimit 10: 3.4 ms p50, 5.0 ms p90 per claim, the fresh message second in the batch;
 * limit 200, perEndpointLimit 200: 7.9 ms p50. The limits (steps 2, 5, 6) add one slot-index
 * probe per endpoint with due work and one slot row written per delivery taken: 20 endpoints of
 * maxConcurrency 10 with 1,000 due each, claims of 200 (10 per endpoint), outcomes written between
 * claims: 9.5 to 9.7 ms p50 against 6.8 to 7.0 without them; claims of 20: 2.4 against 1.8 ms.
 * The cost grows with the number of
 * enabled endpoints (1,001 empty index probes: 1.5 ms here), not with the backlog; a deployment
 * with hundreds of thousands of endpoints would want a table of endpoints with due work instead.
 */
const endpointSelect = endpointColumnList.map((c) => `e.${c} AS e_${c}`).join(', ');

/** Tokens are fractional: a count that should be whole but came out 0.9999999 still buys one. */
const tokenEpsilon = '1e-9';

const claimSql = `
WITH candidates AS (
  SELECT d.app_id, d.msg_id, d.endpoint_id, d.next_attempt_at,
    row_number() OVER (PARTITION BY d.app_id, d.endpoint_id ORDER BY d.next_attempt_at, d.msg_id) AS endpoint_rank
  FROM endpoints e
  CROSS JOIN LATERAL (
    SELECT x.app_id, x.msg_id, x.endpoint_id, x.next_attempt_at FROM deliveries x
    WHERE x.app_id = e.app_id AND x.endpoint_id = e.id AND x.status = 1 AND x.next_attempt_at <= $1
    ORDER BY x.next_attempt_at, x.msg_id
    LIMIT least($2::int, coalesce(e.max_concurrency, $6::int))
  ) d
  WHERE NOT e.disabled AND e.id <> ALL ($3::text[])
), room AS (
  SELECT e.app_id, e.id AS endpoint_id, coalesce(e.max_concurrency, $6::int) AS max_concurrency, e.rate_limit, b.busy
  FROM candidates c
  JOIN endpoints e ON e.app_id = c.app_id AND e.id = c.endpoint_id
  CROSS JOIN LATERAL (
    SELECT count(*)::int AS busy FROM endpoint_slots s
    WHERE s.app_id = c.app_id AND s.endpoint_id = c.endpoint_id AND s.lease_until > $1
  ) b
  WHERE c.endpoint_rank = 1
), ranked AS (
  SELECT c.app_id, c.msg_id, c.endpoint_id, c.next_attempt_at,
    row_number() OVER (PARTITION BY c.app_id ORDER BY c.endpoint_rank, c.next_attempt_at, c.endpoint_id) AS app_rank
  FROM candidates c
  JOIN room r ON r.app_id = c.app_id AND r.endpoint_id = c.endpoint_id
  WHERE c.endpoint_rank <= r.max_concurrency - r.busy
  ORDER BY app_rank, c.next_attempt_at, c.app_id, c.endpoint_id
  LIMIT 2 * $4::int
), locked AS (
  SELECT d.ctid AS row_id, d.app_id, d.msg_id, d.endpoint_id, r.app_rank, r.next_attempt_at
  FROM ranked r
  JOIN deliveries d ON d.app_id = r.app_id AND d.msg_id = r.msg_id AND d.endpoint_id = r.endpoint_id
  WHERE d.status = 1 AND d.next_attempt_at <= $1
  ORDER BY r.app_rank, r.next_attempt_at, r.app_id, r.endpoint_id
  LIMIT $4
  FOR UPDATE OF d SKIP LOCKED
), wanted AS (
  SELECT l.app_id, l.endpoint_id, count(*)::int AS n, min(r.rate_limit) AS rate, min(r.max_concurrency) AS max_concurrency
  FROM locked l
  JOIN room r ON r.app_id = l.app_id AND r.endpoint_id = l.endpoint_id
  GROUP BY l.app_id, l.endpoint_id
), charged AS (
  INSERT INTO endpoint_rates AS b (app_id, endpoint_id, tokens, refilled_at, granted)
  SELECT w.app_id, w.endpoint_id, w.rate - least(w.n, w.rate), statement_timestamp(), least(w.n, w.rate)
  FROM wanted w
  WHERE w.rate > 0
  ORDER BY w.app_id, w.endpoint_id
  ON CONFLICT (app_id, endpoint_id) DO UPDATE SET (tokens, granted, refilled_at) = (
    SELECT g.available - g.granted, g.granted, g.at FROM (
      SELECT a.available, least(w.n, floor(a.available + ${tokenEpsilon}))::int AS granted, a.at
      FROM wanted w
      CROSS JOIN LATERAL (
        SELECT least(w.rate, b.tokens + greatest(0, extract(epoch FROM excluded.refilled_at - b.refilled_at)) * w.rate) AS available,
          greatest(b.refilled_at, excluded.refilled_at) AS at
      ) a
      WHERE w.app_id = b.app_id AND w.endpoint_id = b.endpoint_id
    ) g
  )
  RETURNING b.app_id, b.endpoint_id, b.granted
), numbered AS (
  SELECT l.app_id, l.endpoint_id, l.msg_id,
    row_number() OVER (PARTITION BY l.app_id, l.endpoint_id ORDER BY l.next_attempt_at, l.msg_id) AS nth
  FROM locked l
), held AS (
  -- Free slots that exist, locked like the deliveries: a slot another claim holds is skipped,
  -- one it took and committed since this snapshot fails the re-check of its lease.
  SELECT w.app_id, w.endpoint_id, f.slot
  FROM wanted w
  CROSS JOIN LATERAL (
    SELECT s.slot FROM endpoint_slots s
    WHERE s.app_id = w.app_id AND s.endpoint_id = w.endpoint_id AND s.slot <= w.max_concurrency
      AND (s.lease_until IS NULL OR s.lease_until <= $1)
    ORDER BY s.slot
    LIMIT w.n
    FOR UPDATE SKIP LOCKED
  ) f
), missing AS (
  -- Slot numbers without a row yet (a new endpoint, a raised maxConcurrency), looked for only
  -- when the free rows fall short: all of them are created at once, the ones needed taken, so
  -- the slots exist for every claim after this one.
  SELECT w.app_id, w.endpoint_id, g.slot
  FROM (
    SELECT w.app_id, w.endpoint_id, w.max_concurrency FROM wanted w
    WHERE w.n > (SELECT count(*) FROM held h WHERE h.app_id = w.app_id AND h.endpoint_id = w.endpoint_id)
  ) w
  CROSS JOIN LATERAL generate_series(1, w.max_concurrency) AS g (slot)
  WHERE NOT EXISTS (SELECT 1 FROM endpoint_slots s WHERE s.app_id = w.app_id AND s.endpoint_id = w.endpoint_id AND s.slot = g.slot)
), offered AS (
  SELECT x.app_id, x.endpoint_id, x.slot, x.is_new,
    row_number() OVER (PARTITION BY x.app_id, x.endpoint_id ORDER BY x.is_new, x.slot) AS nth
  FROM (SELECT app_id, endpoint_id, slot, false AS is_new FROM held UNION ALL SELECT app_id, endpoint_id, slot, true FROM missing) x
), paired AS (
  SELECT n.app_id, n.endpoint_id, n.msg_id, o.slot, o.is_new
  FROM numbered n
  JOIN offered o ON o.app_id = n.app_id AND o.endpoint_id = n.endpoint_id AND o.nth = n.nth
  LEFT JOIN charged c ON c.app_id = n.app_id AND c.endpoint_id = n.endpoint_id
  WHERE c.granted IS NULL OR n.nth <= c.granted
), taken_held AS (
  UPDATE endpoint_slots s SET msg_id = p.msg_id, lease_until = $5
  FROM paired p
  WHERE NOT p.is_new AND s.app_id = p.app_id AND s.endpoint_id = p.endpoint_id AND s.slot = p.slot
  RETURNING s.app_id, s.endpoint_id, s.msg_id
), taken_new AS (
  -- A row this statement inserts is its own; a claim inserting the same slot at the same instant
  -- waits for this one's commit and then inserts nothing (DO NOTHING), so it comes back short.
  INSERT INTO endpoint_slots (app_id, endpoint_id, slot, msg_id, lease_until)
  SELECT m.app_id, m.endpoint_id, m.slot, p.msg_id, CASE WHEN p.msg_id IS NOT NULL THEN $5::timestamptz END
  FROM missing m
  LEFT JOIN paired p ON p.is_new AND p.app_id = m.app_id AND p.endpoint_id = m.endpoint_id AND p.slot = m.slot
  ORDER BY m.app_id, m.endpoint_id, m.slot
  ON CONFLICT DO NOTHING
  RETURNING app_id, endpoint_id, msg_id
), slotted AS (
  SELECT * FROM taken_held UNION ALL SELECT * FROM taken_new WHERE msg_id IS NOT NULL
), leased AS (
  UPDATE deliveries d SET status = 3, lease_until = $5, updated_at = $1
  WHERE d.ctid = ANY (ARRAY(
    SELECT l.row_id FROM locked l JOIN slotted s ON s.app_id = l.app_id AND s.endpoint_id = l.endpoint_id AND s.msg_id = l.msg_id
  ))
  RETURNING d.app_id, d.msg_id, d.endpoint_id, d.attempt_count, d.next_attempt_at, d.trigger_type
)
SELECT l.app_id, l.msg_id AS id, l.endpoint_id, l.attempt_count, l.next_attempt_at, l.trigger_type,
  m.event_type, m.event_id, m.payload, m.channels, m.tags, m.created_at, m.payload_expires_at, a.uid AS app_uid,
  ${endpointSelect}
FROM (
  SELECT leased.*, locked.app_rank, row_number() OVER (PARTITION BY leased.app_id, leased.endpoint_id) AS nth
  FROM leased JOIN locked ON locked.app_id = leased.app_id AND locked.msg_id = leased.msg_id AND locked.endpoint_id = leased.endpoint_id
) l
JOIN messages m ON m.app_id = l.app_id AND m.id = l.msg_id
JOIN applications a ON a.id = l.app_id
LEFT JOIN endpoints e ON l.nth = 1 AND e.app_id = l.app_id AND e.id = l.endpoint_id
ORDER BY l.app_rank, l.next_attempt_at, l.app_id, l.endpoint_id`;

/** Claims due deliveries and leases them (status Sending until `now + leaseMs`). */
export function claimDueStatement(db: Db): (p: DeliveryClaimDueParams) => Promise<ClaimedDelivery[]> {
  const claim = Db.statement('delivery_claim_due', claimSql);

  return async (p) => {
    if (p.limit <= 0 || p.perEndpointLimit <= 0) return [];
    const leaseUntil = new Date(p.now.getTime() + p.leaseMs);
    const rows = await db.rows<ClaimRow>(claim, [p.now, p.perEndpointLimit, p.skipEndpointIds, p.limit, leaseUntil, p.maxConcurrencyDefault ?? maxConcurrencyDefault]);
    // One row per endpoint carries its columns (not necessarily the endpoint's first in batch order).
    const endpoints = new Map<string, Endpoint>();
    for (const r of rows) if (r.e_id != null) endpoints.set(`${r.app_id} ${r.endpoint_id}`, endpointFromRow(endpointRow(r)));
    const claimed: ClaimedDelivery[] = [];
    for (const r of rows) {
      const endpoint = endpoints.get(`${r.app_id} ${r.endpoint_id}`);
      // Missing only if the endpoint vanished between the lease and the read, which its cascade
      // delete (blocked on this claim's row locks) cannot do: skip rather than send blind.
      if (endpoint === undefined) continue;
      claimed.push({
        delivery: {
          appId: r.app_id as Id<'app'>,
          msgId: r.id as Id<'msg'>,
          endpointId: r.endpoint_id as Id<'ep'>,
          status: MessageStatus.Sending,
          attemptCount: r.attempt_count,
          nextAttemptAt: r.next_attempt_at,
          triggerType: r.trigger_type as TriggerType,
          updatedAt: p.now,
        },
        message: messageFromRow(r),
        endpoint,
        appUid: r.app_uid,
      });
    }
    return claimed;
  };
}

function endpointRow(r: ClaimRow): EndpointRow {
  const row: Record<string, unknown> = {};
  for (const c of endpointColumnList) row[c] = r[`e_${c}`];
  return row as unknown as EndpointRow;
}
