import type { Id } from '../../domain/ids.js';
import type { FailingEndpoint } from '../driver.js';
import { Db } from './db.js';

interface FailingRow {
  app_id: string;
  id: string;
  fail_since: Date;
}

/**
 * Auto-disable's question, as in the SQLite driver: per enabled endpoint, its newest success (a
 * backward probe of `attempts_by_endpoint` over the current failure streak) and the first failure
 * after it and after the endpoint's last edit.
 */
export function failingEndpointsStatement(db: Db) {
  const failing = Db.statement(
    'endpoint_list_failing',
    `SELECT app_id, id, fail_since FROM (
       SELECT e.app_id, e.id,
         (SELECT a.created_at FROM attempts a
          WHERE a.app_id = e.app_id AND a.endpoint_id = e.id AND a.status = 2 AND a.created_at >= e.updated_at
            AND a.id > coalesce((SELECT s.id FROM attempts s WHERE s.app_id = e.app_id AND s.endpoint_id = e.id AND s.status = 0
                                 ORDER BY s.id DESC LIMIT 1), '')
          ORDER BY a.id LIMIT 1) AS fail_since
       FROM endpoints e WHERE NOT e.disabled
     ) f WHERE fail_since <= $1 ORDER BY app_id, id LIMIT $2`,
  );
  return {
    async endpointListFailing(p: { failingSince: Date; limit: number }): Promise<FailingEndpoint[]> {
      const rows = await db.rows<FailingRow>(failing, [p.failingSince, p.limit]);
      return rows.map((r) => ({ appId: r.app_id as Id<'app'>, endpointId: r.id as Id<'ep'>, failSince: r.fail_since }));
    },
  };
}
