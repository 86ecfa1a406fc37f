import type { Database, Statement } from 'better-sqlite3';
import type { ListOrder, Page } from '../../domain/types.js';

/**
 * Lists have optional filters, so their SQL is assembled per call; each distinct text is prepared
 * once and kept (a handful of shapes per list in practice). Hot paths do not come through here:
 * they prepare their statements when the driver opens.
 */
export class StatementCache {
  private readonly statements = new Map<string, Statement>();
  constructor(private readonly db: Database) {}

  get(sql: string): Statement {
    let s = this.statements.get(sql);
    if (s === undefined) {
      s = this.db.prepare(sql);
      this.statements.set(sql, s);
    }
    return s;
  }
}

export interface ListQuery {
  /** `SELECT … FROM …` without WHERE. */
  from: string;
  where: string[];
  params: unknown[];
  /** The unique column that orders the list and that the iterator names (an id, or a name). */
  key: string;
  order: ListOrder;
  iterator: string | null | undefined;
  limit: number;
}

/**
 * Keyset paging: `limit + 1` rows tell whether more remain; the iterator is the last key
 * returned, and the next page starts strictly after it. Ids are fixed-width, time-sortable
 * strings, so an iterator that is not a valid id still works as a plain string bound.
 * `prevIterator` is always null: going back is re-listing in the other order.
 */
export function listPage<R, T>(cache: StatementCache, q: ListQuery, map: (row: R) => T, keyOf: (item: T) => string): Page<T> {
  const where = [...q.where];
  const params = [...q.params];
  const asc = q.order === 'ascending';
  if (q.iterator !== null && q.iterator !== undefined && q.iterator !== '') {
    where.push(`${q.key} ${asc ? '>' : '<'} ?`);
    params.push(q.iterator);
  }
  const limit = Math.max(1, Math.floor(q.limit));
  const sql = `${q.from}${where.length > 0 ? ` WHERE ${where.join(' AND ')}` : ''} ORDER BY ${q.key} ${asc ? 'ASC' : 'DESC'} LIMIT ?`;
  const rows = cache.get(sql).all(...params, limit + 1) as R[];
  const done = rows.length <= limit;
  const data = (done ? rows : rows.slice(0, limit)).map(map);
  const last = data[data.length - 1];
  return { data, iterator: done || last === undefined ? null : keyOf(last), prevIterator: null, done };
}
