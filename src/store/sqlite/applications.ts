import type { Database } from 'better-sqlite3';
import { NotFoundError } from '../../domain/errors.js';
import type { Id } from '../../domain/ids.js';
import type { Application, ListParams, Page } from '../../domain/types.js';
import { listPage, type StatementCache } from './paging.js';
import { applicationColumns, applicationFromRow, applicationParams, placeholders, type ApplicationRow } from './rows.js';

/** Applications: listed by id, oldest first by default (Svix's default order for apps). */
export function applicationStatements(db: Database, cache: StatementCache) {
  const insert = db.prepare(`INSERT INTO applications (${applicationColumns}) VALUES (${placeholders(applicationColumns)})`);
  const byId = db.prepare(`SELECT ${applicationColumns} FROM applications WHERE id = ?`);
  const byUid = db.prepare(`SELECT ${applicationColumns} FROM applications WHERE uid = ?`);
  // Parameters in `applicationParams` order, the key moved to the end.
  const update = db.prepare('UPDATE applications SET uid = ?, name = ?, rate_limit = ?, metadata = ?, created_at = ?, updated_at = ? WHERE id = ?');
  // Endpoints, messages (and through them deliveries and attempts) and portal tokens go with it
  // by ON DELETE CASCADE.
  const remove = db.prepare('DELETE FROM applications WHERE id = ?');

  return {
    applicationInsert(app: Application): void {
      insert.run(applicationParams(app));
    },
    /** An id wins over a uid that happens to equal it. */
    applicationGet(p: { idOrUid: string }): Application | null {
      const row = (byId.get(p.idOrUid) ?? byUid.get(p.idOrUid)) as ApplicationRow | undefined;
      return row === undefined ? null : applicationFromRow(row);
    },
    applicationList(p: ListParams): Page<Application> {
      return listPage(
        cache,
        { from: `SELECT ${applicationColumns} FROM applications`, where: [], params: [], key: 'id', order: p.order ?? 'ascending', iterator: p.iterator, limit: p.limit },
        applicationFromRow,
        (a) => a.id,
      );
    },
    applicationUpdate(app: Application): void {
      const [id, ...rest] = applicationParams(app);
      if (update.run(...rest, id).changes === 0) throw new NotFoundError('application not found');
    },
    applicationDelete(p: { id: Id<'app'> }): void {
      if (remove.run(p.id).changes === 0) throw new NotFoundError('application not found');
    },
  };
}
