import type { Id } from '../../domain/ids.js';
import type { DeliveryQueueStats } from '../driver.js';
import { Db } from './db.js';

interface QueueRow {
  pending: number;
  due: number;
  oldest: Date | null;
}

interface InFlightRow {
  app_id: string;
  endpoint_id: string;
  n: number;
}

/**
 * The metrics gauges' view of the queue, as in the SQLite driver: `deliveries_due` grouped per
 * endpoint before the join with the endpoints, and `deliveries_sending` for what is in flight.
 * Two statements: the gauges need no snapshot across them.
 */
export function queueStatsStatement(db: Db) {
  const queue = Db.statement(
    'delivery_queue_stats',
    `SELECT coalesce(sum(q.n), 0)::float8 AS pending, coalesce(sum(q.due), 0)::float8 AS due, min(q.oldest) AS oldest
     FROM (SELECT app_id, endpoint_id, count(*) AS n, count(*) FILTER (WHERE next_attempt_at <= $1) AS due, min(next_attempt_at) AS oldest
           FROM deliveries WHERE status = 1 GROUP BY app_id, endpoint_id) q
     JOIN endpoints e ON e.app_id = q.app_id AND e.id = q.endpoint_id
     WHERE NOT e.disabled`,
  );
  const inFlight = Db.statement(
    'delivery_in_flight_stats',
    'SELECT app_id, endpoint_id, count(*)::int AS n FROM deliveries WHERE status = 3 GROUP BY app_id, endpoint_id',
  );
  return {
    async deliveryQueueStats(p: { now: Date }): Promise<DeliveryQueueStats> {
      const [q] = await db.rows<QueueRow>(queue, [p.now]);
      const flying = await db.rows<InFlightRow>(inFlight, []);
      return {
        pending: q!.pending,
        due: q!.due,
        oldestDueAt: q!.oldest,
        inFlight: flying.map((r) => ({ appId: r.app_id as Id<'app'>, endpointId: r.endpoint_id as Id<'ep'>, count: r.n })),
      };
    },
  };
}
