import type pg from 'pg';
import type { ListOrder, Page } from '../../domain/types.js';
import type { Db } from './db.js';
import type { Params } from './rows.js';

export interface ListQuery {
  /** `SELECT … FROM …` without WHERE. */
  from: string;
  /** Conditions whose parameters are already in `params`. */
  where: string[];
  params: Params;
  /** The unique `COLLATE "C"` column that orders the list and that the iterator names. */
  key: string;
  order: ListOrder;
  iterator: string | null | undefined;
  limit: number;
}

/**
 * Keyset paging, as in the SQLite driver: `limit + 1` rows tell whether more remain; the iterator
 * is the last key returned, and the next page starts strictly after it. Keys are "C"-collated, so
 * an iterator that is not a valid id still works as a plain byte-order bound. `prevIterator` is
 * always null: going back is re-listing in the other order. Each distinct SQL text is a named
 * statement (`Db.named`), planned once per connection.
 */
export async function listPage<R extends pg.QueryResultRow, T>(db: Db, q: ListQuery, map: (row: R) => T, keyOf: (item: T) => string): Promise<Page<T>> {
  const where = [...q.where];
  const asc = q.order === 'ascending';
  if (q.iterator !== null && q.iterator !== undefined && q.iterator !== '') {
    where.push(`${q.key} ${asc ? '>' : '<'} ${q.params.add(q.iterator)}`);
  }
  const limit = Math.max(1, Math.floor(q.limit));
  const sql = `${q.from}${where.length > 0 ? ` WHERE ${where.join(' AND ')}` : ''} ORDER BY ${q.key} ${asc ? 'ASC' : 'DESC'} LIMIT ${q.params.add(limit + 1)}`;
  const rows = await db.rows<R>(db.named(sql), q.params.values);
  const done = rows.length <= limit;
  const data = (done ? rows : rows.slice(0, limit)).map(map);
  const last = data[data.length - 1];
  return { data, iterator: done || last === undefined ? null : keyOf(last), prevIterator: null, done };
}
