import type { Database } from 'better-sqlite3';
import type { Id } from '../../domain/ids.js';
import type { DeliveryQueueStats } from '../driver.js';

interface QueueRow {
  pending: number;
  due: number;
  oldest: number | null;
}

interface InFlightRow {
  app_id: string;
  endpoint_id: string;
  n: number;
}

/**
 * The metrics gauges' view of the queue. The pending side groups `deliveries_due` (one index
 * entry per pending row, `next_attempt_at` inside it) per endpoint before joining the endpoints,
 * so the join runs once per endpoint, not once per delivery; the in-flight side reads
 * `deliveries_in_flight`, which holds only the rows being sent.
 */
export function queueStatsStatement(db: Database) {
  const queue = db.prepare(
    `SELECT coalesce(sum(q.n), 0) AS pending, coalesce(sum(q.due), 0) AS due, min(q.oldest) AS oldest
     FROM (SELECT app_id, endpoint_id, count(*) AS n, sum(next_attempt_at <= ?) AS due, min(next_attempt_at) AS oldest
           FROM deliveries WHERE status = 1 GROUP BY app_id, endpoint_id) q
     JOIN endpoints e ON e.app_id = q.app_id AND e.id = q.endpoint_id
     WHERE e.disabled = 0`,
  );
  const inFlight = db.prepare('SELECT app_id, endpoint_id, count(*) AS n FROM deliveries WHERE status = 3 GROUP BY app_id, endpoint_id');
  return {
    deliveryQueueStats(p: { now: Date }): DeliveryQueueStats {
      const q = queue.get(p.now.getTime()) as QueueRow;
      const flying = inFlight.all() as InFlightRow[];
      return {
        pending: q.pending,
        due: q.due,
        oldestDueAt: q.oldest === null ? null : new Date(q.oldest),
        inFlight: flying.map((r) => ({ appId: r.app_id as Id<'app'>, endpointId: r.endpoint_id as Id<'ep'>, count: r.n })),
      };
    },
  };
}
