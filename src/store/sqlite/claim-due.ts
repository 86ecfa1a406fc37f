import type { Database } from 'better-sqlite3';
import type { Id } from '../../domain/ids.js';
import { MessageStatus, type Endpoint, type TriggerType } from '../../domain/types.js';
import type { ClaimedDelivery, DeliveryClaimDueParams } from '../driver.js';
import { relaxedSync } from './relaxed-sync.js';
import { endpointColumns, endpointFromRow, messageFromRow, type EndpointRow, type MessageRow } from './rows.js';

interface ClaimRow extends MessageRow {
  endpoint_id: string;
  attempt_count: number;
  next_attempt_at: number;
  trigger_type: number;
  app_uid: string | null;
}

/**
 * The claim query, in three steps:
 * 1. `candidates`: for each enabled endpoint not skipped, its earliest `perEndpointLimit` due
 *    deliveries. The endpoints drive the loop (CROSS JOIN fixes that order) and each probes the
 *    partial index `deliveries_due (app_id, endpoint_id, next_attempt_at) WHERE status = 1`, so the
 *    cost is one index probe per enabled endpoint plus the rows taken, whatever the backlog.
 * 2. `picked`: fairness. Rank each delivery within its endpoint, then within its application by
 *    that rank, and take the batch in application-rank order: every application with due work gets
 *    its first delivery into the batch before any gets its second, and inside an application its
 *    endpoints take turns. One tenant's backlog cannot push another tenant's fresh message out.
 * 3. Join the messages of the picked rows only (the LIMIT sits before the join, so payloads of
 *    rows left out are never read), and the application's uid for the profiles that need it.
 *
 * Measured on the 2-core dev VM with 1,000,000 due deliveries on one endpoint of one app and 1,001
 * other endpoints (one with a fresh message): 0.7 to 0.9 ms per claim (p50, limit 100, 10 per
 * endpoint), the fresh message second in the batch. A ROW_NUMBER() over all due rows instead took
 * 700 ms on the same data. The cost grows with the number of enabled endpoints (about 1,000
 * probes here), not with the backlog.
 */
const claimSql = `
WITH candidates AS (
  SELECT d.app_id, d.msg_id, d.endpoint_id, d.next_attempt_at, d.attempt_count, d.trigger_type,
    row_number() OVER (PARTITION BY d.app_id, d.endpoint_id ORDER BY d.next_attempt_at, d.msg_id) AS endpoint_rank
  FROM endpoints e
  CROSS JOIN deliveries d ON d.app_id = e.app_id AND d.endpoint_id = e.id AND d.msg_id IN (
    SELECT x.msg_id FROM deliveries x INDEXED BY deliveries_due
    WHERE x.app_id = e.app_id AND x.endpoint_id = e.id AND x.status = 1 AND x.next_attempt_at <= :now
    ORDER BY x.next_attempt_at, x.msg_id LIMIT :perEndpoint)
  WHERE e.disabled = 0 AND e.id NOT IN (SELECT value FROM json_each(:skip))
), picked AS (
  SELECT *, row_number() OVER (PARTITION BY app_id ORDER BY endpoint_rank, next_attempt_at, endpoint_id) AS app_rank
  FROM candidates
  ORDER BY app_rank, next_attempt_at, app_id
  LIMIT :limit
)
SELECT p.app_id, p.msg_id AS id, p.endpoint_id, p.attempt_count, p.next_attempt_at, p.trigger_type,
  m.event_type, m.event_id, m.payload, m.channels, m.tags, m.created_at, m.payload_expires_at, a.uid AS app_uid
FROM picked p
JOIN messages m ON m.app_id = p.app_id AND m.id = p.msg_id
JOIN applications a ON a.id = p.app_id
ORDER BY p.app_rank, p.next_attempt_at, p.app_id`;

/** Claims due deliveries and leases them (status Sending until `now + leaseMs`). */
export function claimDueStatement(db: Database): (p: DeliveryClaimDueParams) => ClaimedDelivery[] {
  const select = db.prepare(claimSql);
  const endpointById = db.prepare(`SELECT ${endpointColumns} FROM endpoints WHERE app_id = ? AND id = ?`);
  const lease = db.prepare('UPDATE deliveries SET status = 3, lease_until = ?, updated_at = ? WHERE app_id = ? AND msg_id = ? AND endpoint_id = ?');

  const claim = db.transaction((p: DeliveryClaimDueParams): ClaimedDelivery[] => {
    const now = p.now.getTime();
    const rows = select.all({
      now,
      perEndpoint: p.perEndpointLimit,
      skip: JSON.stringify(p.skipEndpointIds),
      limit: p.limit,
    }) as ClaimRow[];
    const leaseUntil = now + p.leaseMs;
    // A batch usually holds several deliveries per endpoint: read and parse each endpoint once.
    const endpoints = new Map<string, Endpoint>();
    const claimed = new Array<ClaimedDelivery>(rows.length);
    for (let i = 0; i < rows.length; i++) {
      const r = rows[i]!;
      lease.run(leaseUntil, now, r.app_id, r.id, r.endpoint_id);
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
    return claimed;
  });

  const relaxed = relaxedSync(db);
  return relaxed((p: DeliveryClaimDueParams) => (p.limit <= 0 || p.perEndpointLimit <= 0 ? [] : claim.immediate(p)));
}
