import { NotFoundError } from '../../domain/errors.js';
import type { Id } from '../../domain/ids.js';
import type { Endpoint, ListParams, Page } from '../../domain/types.js';
import { Db } from './db.js';
import { listPage } from './paging.js';
import { endpointColumnList, endpointColumns, endpointFromRow, endpointParams, Params, placeholders, type EndpointRow } from './rows.js';

/** Endpoints of one application: listed by id, oldest first by default. One statement each. */
export function endpointStatements(db: Db) {
  const insert = Db.statement('endpoint_insert', `INSERT INTO endpoints (${endpointColumns}) VALUES (${placeholders(endpointColumns)})`);
  // An id wins over a uid that happens to equal it.
  const byIdOrUid = Db.statement(
    'endpoint_get',
    `SELECT ${endpointColumns} FROM endpoints WHERE app_id = $1 AND (id = $2 OR uid = $2) ORDER BY id = $2 DESC LIMIT 1`,
  );
  const all = Db.statement('endpoint_list_all', `SELECT ${endpointColumns} FROM endpoints WHERE app_id = $1 ORDER BY id`);
  // Parameters in `endpointParams` order: the key (app_id, id) first.
  const update = Db.statement(
    'endpoint_update',
    `UPDATE endpoints SET ${endpointColumnList
      .slice(2)
      .map((c, i) => `${c} = $${i + 3}`)
      .join(', ')} WHERE app_id = $1 AND id = $2`,
  );
  // Its deliveries and attempts go with it by ON DELETE CASCADE.
  const remove = Db.statement('endpoint_delete', 'DELETE FROM endpoints WHERE app_id = $1 AND id = $2');

  return {
    async endpointInsert(endpoint: Endpoint): Promise<void> {
      await db.query(insert, endpointParams(endpoint));
    },
    async endpointGet(p: { appId: Id<'app'>; idOrUid: string }): Promise<Endpoint | null> {
      const [row] = await db.rows<EndpointRow>(byIdOrUid, [p.appId, p.idOrUid]);
      return row === undefined ? null : endpointFromRow(row);
    },
    endpointList(p: ListParams & { appId: Id<'app'> }): Promise<Page<Endpoint>> {
      const params = new Params();
      return listPage(
        db,
        {
          from: `SELECT ${endpointColumns} FROM endpoints`,
          where: [`app_id = ${params.add(p.appId)}`],
          params,
          key: 'id',
          order: p.order ?? 'ascending',
          iterator: p.iterator,
          limit: p.limit,
        },
        endpointFromRow,
        (e) => e.id,
      );
    },
    async endpointListAll(p: { appId: Id<'app'> }): Promise<Endpoint[]> {
      return (await db.rows<EndpointRow>(all, [p.appId])).map(endpointFromRow);
    },
    async endpointUpdate(endpoint: Endpoint): Promise<void> {
      if ((await db.count(update, endpointParams(endpoint))) === 0) throw new NotFoundError('endpoint not found');
    },
    async endpointDelete(p: { appId: Id<'app'>; id: Id<'ep'> }): Promise<void> {
      if ((await db.count(remove, [p.appId, p.id])) === 0) throw new NotFoundError('endpoint not found');
    },
  };
}
