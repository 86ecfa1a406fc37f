import type { Database } from 'better-sqlite3';
import type { Id } from '../../domain/ids.js';
import type { FailingEndpoint } from '../driver.js';

interface FailingRow {
  app_id: string;
  id: string;
  fail_since: number;
}

/**
 * Auto-disable's question: which enabled endpoints have failed, without a success, since at least
 * `failingSince`. Per endpoint, two probes of `attempts_by_endpoint` (attempt ids sort by time):
 * its newest success, walking back over the current failure streak only, and the first failure
 * after it and after the endpoint's last edit. Run once in a while by `src/maintenance/`.
 */
export function failingEndpointsStatement(db: Database) {
  const failing = db.prepare(
    `SELECT app_id, id, fail_since FROM (
       SELECT e.app_id, e.id,
         (SELECT a.created_at FROM attempts a
          WHERE a.app_id = e.app_id AND a.endpoint_id = e.id AND a.status = 2 AND a.created_at >= e.updated_at
            AND a.id > coalesce((SELECT s.id FROM attempts s WHERE s.app_id = e.app_id AND s.endpoint_id = e.id AND s.status = 0
                                 ORDER BY s.id DESC LIMIT 1), '')
          ORDER BY a.id LIMIT 1) AS fail_since
       FROM endpoints e WHERE e.disabled = 0
     ) WHERE fail_since <= ? ORDER BY app_id, id LIMIT ?`,
  );
  return {
    endpointListFailing(p: { failingSince: Date; limit: number }): FailingEndpoint[] {
      const rows = failing.all(p.failingSince.getTime(), p.limit) as FailingRow[];
      return rows.map((r) => ({ appId: r.app_id as Id<'app'>, endpointId: r.id as Id<'ep'>, failSince: new Date(r.fail_since) }));
    },
  };
}
