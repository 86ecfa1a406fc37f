import type { Id } from '../../domain/ids.js';
import type { Attempt, Page } from '../../domain/types.js';
import type { AttemptListParams } from '../driver.js';
import { Db } from './db.js';
import { listPage } from './paging.js';
import { attemptColumns, attemptFromRow, Params, type AttemptRow } from './rows.js';

const prefixed = attemptColumns
  .split(', ')
  .map((c) => `a.${c}`)
  .join(', ');

/**
 * Reading attempts (`record-outcomes.ts` writes them). Lists go newest first by default, as
 * Svix's do, by endpoint (`attempts_by_endpoint`) or by message (`attempts_by_msg`). `before` and
 * `after` compare the attempt's recorded time, which is what the API shows.
 */
export function attemptStatements(db: Db) {
  const byId = Db.statement('attempt_get', `SELECT ${attemptColumns} FROM attempts WHERE app_id = $1 AND id = $2 AND msg_id = $3`);

  return {
    attemptList(p: AttemptListParams): Promise<Page<Attempt>> {
      const params = new Params();
      const where = [`a.app_id = ${params.add(p.appId)}`];
      if (p.endpointId != null) where.push(`a.endpoint_id = ${params.add(p.endpointId)}`);
      if (p.msgId != null) where.push(`a.msg_id = ${params.add(p.msgId)}`);
      if (p.status != null) where.push(`a.status = ${params.add(p.status)}`);
      if (p.eventTypes != null && p.eventTypes.length > 0) {
        where.push(
          `EXISTS (SELECT 1 FROM messages m WHERE m.app_id = a.app_id AND m.id = a.msg_id AND m.event_type = ANY(${params.add(p.eventTypes)}::text[]))`,
        );
      }
      if (p.before != null) where.push(`a.created_at < ${params.add(p.before)}`);
      if (p.after != null) where.push(`a.created_at > ${params.add(p.after)}`);
      return listPage(
        db,
        { from: `SELECT ${prefixed} FROM attempts a`, where, params, key: 'a.id', order: p.order ?? 'descending', iterator: p.iterator, limit: p.limit },
        attemptFromRow,
        (a) => a.id,
      );
    },
    async attemptGet(p: { appId: Id<'app'>; msgId: Id<'msg'>; id: Id<'atmpt'> }): Promise<Attempt | null> {
      const [row] = await db.rows<AttemptRow>(byId, [p.appId, p.id, p.msgId]);
      return row === undefined ? null : attemptFromRow(row);
    },
  };
}
