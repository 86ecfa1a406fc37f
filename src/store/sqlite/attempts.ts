import type { Database } from 'better-sqlite3';
import type { Id } from '../../domain/ids.js';
import type { Attempt, Page } from '../../domain/types.js';
import type { AttemptListParams } from '../driver.js';
import { listPage, type StatementCache } from './paging.js';
import { attemptColumns, attemptFromRow, type AttemptRow } from './rows.js';

const prefixed = attemptColumns
  .split(', ')
  .map((c) => `a.${c}`)
  .join(', ');

/**
 * Reading attempts (`record-outcomes.ts` writes them). Lists go newest first by default, as
 * Svix's do, by endpoint (`attempts_by_endpoint`) or by message (`attempts_by_msg`). `before` and
 * `after` compare the attempt's recorded time, which is what the API shows.
 */
export function attemptStatements(db: Database, cache: StatementCache) {
  const byId = db.prepare(`SELECT ${attemptColumns} FROM attempts WHERE app_id = ? AND id = ? AND msg_id = ?`);

  return {
    attemptList(p: AttemptListParams): Page<Attempt> {
      const where = ['a.app_id = ?'];
      const params: unknown[] = [p.appId];
      if (p.endpointId != null) {
        where.push('a.endpoint_id = ?');
        params.push(p.endpointId);
      }
      if (p.msgId != null) {
        where.push('a.msg_id = ?');
        params.push(p.msgId);
      }
      if (p.status != null) {
        where.push('a.status = ?');
        params.push(p.status);
      }
      if (p.eventTypes != null && p.eventTypes.length > 0) {
        where.push(
          'EXISTS (SELECT 1 FROM messages m WHERE m.app_id = a.app_id AND m.id = a.msg_id AND m.event_type IN (SELECT value FROM json_each(?)))',
        );
        params.push(JSON.stringify(p.eventTypes));
      }
      if (p.before != null) {
        where.push('a.created_at < ?');
        params.push(p.before.getTime());
      }
      if (p.after != null) {
        where.push('a.created_at > ?');
        params.push(p.after.getTime());
      }
      return listPage(
        cache,
        { from: `SELECT ${prefixed} FROM attempts a`, where, params, key: 'a.id', order: p.order ?? 'descending', iterator: p.iterator, limit: p.limit },
        attemptFromRow,
        (a) => a.id,
      );
    },
    attemptGet(p: { appId: Id<'app'>; msgId: Id<'msg'>; id: Id<'atmpt'> }): Attempt | null {
      const row = byId.get(p.appId, p.id, p.msgId) as AttemptRow | undefined;
      return row === undefined ? null : attemptFromRow(row);
    },
  };
}
