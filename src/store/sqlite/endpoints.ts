import type { Database } from 'better-sqlite3';
import { NotFoundError } from '../../domain/errors.js';
import type { Id } from '../../domain/ids.js';
import type { Endpoint, ListParams, Page } from '../../domain/types.js';
import { listPage, type StatementCache } from './paging.js';
import { endpointColumns, endpointFromRow, endpointParams, placeholders, type EndpointRow } from './rows.js';

/** Endpoints of one application: listed by id, oldest first by default. */
export function endpointStatements(db: Database, cache: StatementCache) {
  const insert = db.prepare(`INSERT INTO endpoints (${endpointColumns}) VALUES (${placeholders(endpointColumns)})`);
  const byId = db.prepare(`SELECT ${endpointColumns} FROM endpoints WHERE app_id = ? AND id = ?`);
  const byUid = db.prepare(`SELECT ${endpointColumns} FROM endpoints WHERE app_id = ? AND uid = ?`);
  const all = db.prepare(`SELECT ${endpointColumns} FROM endpoints WHERE app_id = ? ORDER BY id`);
  // Parameters in the insert's order, the key (app_id, id) moved to the end.
  const update = db.prepare(
    `UPDATE endpoints SET uid = ?, url = ?, description = ?, version = ?, disabled = ?, filter_types = ?, channels = ?,
       rate_limit = ?, metadata = ?, headers = ?, secrets = ?, profile = ?, profile_options = ?, payload_filter = ?,
       timeout_ms = ?, retry_schedule = ?, max_concurrency = ?, created_at = ?, updated_at = ?
     WHERE app_id = ? AND id = ?`,
  );
  // Its deliveries and attempts go with it by ON DELETE CASCADE.
  const remove = db.prepare('DELETE FROM endpoints WHERE app_id = ? AND id = ?');

  return {
    endpointInsert(endpoint: Endpoint): void {
      insert.run(endpointParams(endpoint));
    },
    endpointGet(p: { appId: Id<'app'>; idOrUid: string }): Endpoint | null {
      const row = (byId.get(p.appId, p.idOrUid) ?? byUid.get(p.appId, p.idOrUid)) as EndpointRow | undefined;
      return row === undefined ? null : endpointFromRow(row);
    },
    endpointList(p: ListParams & { appId: Id<'app'> }): Page<Endpoint> {
      return listPage(
        cache,
        {
          from: `SELECT ${endpointColumns} FROM endpoints`,
          where: ['app_id = ?'],
          params: [p.appId],
          key: 'id',
          order: p.order ?? 'ascending',
          iterator: p.iterator,
          limit: p.limit,
        },
        endpointFromRow,
        (e) => e.id,
      );
    },
    endpointListAll(p: { appId: Id<'app'> }): Endpoint[] {
      return (all.all(p.appId) as EndpointRow[]).map(endpointFromRow);
    },
    endpointUpdate(endpoint: Endpoint): void {
      const [appId, id, ...rest] = endpointParams(endpoint);
      if (update.run(...rest, appId, id).changes === 0) throw new NotFoundError('endpoint not found');
    },
    endpointDelete(p: { appId: Id<'app'>; id: Id<'ep'> }): void {
      if (remove.run(p.appId, p.id).changes === 0) throw new NotFoundError('endpoint not found');
    },
  };
}
