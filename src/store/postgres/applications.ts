import { NotFoundError } from '../../domain/errors.js';
import type { Id } from '../../domain/ids.js';
import type { Application, ListParams, Page } from '../../domain/types.js';
import { Db } from './db.js';
import { listPage } from './paging.js';
import { applicationColumns, applicationFromRow, applicationParams, Params, placeholders, type ApplicationRow } from './rows.js';

/** Applications: listed by id, oldest first by default (Svix's default order for apps). One statement each. */
export function applicationStatements(db: Db) {
  const insert = Db.statement('application_insert', `INSERT INTO applications (${applicationColumns}) VALUES (${placeholders(applicationColumns)})`);
  // An id wins over a uid that happens to equal it: both probes in one statement, the id first.
  const byIdOrUid = Db.statement(
    'application_get',
    `SELECT ${applicationColumns} FROM applications WHERE id = $1 OR uid = $1 ORDER BY id = $1 DESC LIMIT 1`,
  );
  // Parameters in `applicationParams` order: the key first.
  const update = Db.statement(
    'application_update',
    'UPDATE applications SET uid = $2, name = $3, rate_limit = $4, metadata = $5, created_at = $6, updated_at = $7 WHERE id = $1',
  );
  // Endpoints, messages (and through them deliveries and attempts) and portal tokens go with it
  // by ON DELETE CASCADE.
  const remove = Db.statement('application_delete', 'DELETE FROM applications WHERE id = $1');

  return {
    async applicationInsert(app: Application): Promise<void> {
      await db.query(insert, applicationParams(app));
    },
    async applicationGet(p: { idOrUid: string }): Promise<Application | null> {
      const [row] = await db.rows<ApplicationRow>(byIdOrUid, [p.idOrUid]);
      return row === undefined ? null : applicationFromRow(row);
    },
    applicationList(p: ListParams): Promise<Page<Application>> {
      return listPage(
        db,
        { from: `SELECT ${applicationColumns} FROM applications`, where: [], params: new Params(), key: 'id', order: p.order ?? 'ascending', iterator: p.iterator, limit: p.limit },
        applicationFromRow,
        (a) => a.id,
      );
    },
    async applicationUpdate(app: Application): Promise<void> {
      if ((await db.count(update, applicationParams(app))) === 0) throw new NotFoundError('application not found');
    },
    async applicationDelete(p: { id: Id<'app'> }): Promise<void> {
      if ((await db.count(remove, [p.id])) === 0) throw new NotFoundError('application not found');
    },
  };
}
