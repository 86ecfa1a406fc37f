import type { Database } from 'better-sqlite3';
import { NotFoundError } from '../../domain/errors.js';
import type { EventType, Page } from '../../domain/types.js';
import type { EventTypeListParams } from '../driver.js';
import { listPage, type StatementCache } from './paging.js';
import { eventTypeColumns, eventTypeFromRow, eventTypeParams, placeholders, type EventTypeRow } from './rows.js';

/** The organisation-wide event-type catalog: listed by name, A to Z by default. */
export function eventTypeStatements(db: Database, cache: StatementCache) {
  const insert = db.prepare(`INSERT INTO event_types (${eventTypeColumns}) VALUES (${placeholders(eventTypeColumns)})`);
  const byName = db.prepare(`SELECT ${eventTypeColumns} FROM event_types WHERE name = ?`);
  const existing = db.prepare('SELECT name FROM event_types WHERE archived = 0 AND name IN (SELECT value FROM json_each(?))').pluck();
  // Parameters in the insert's order, the name moved to the end.
  const update = db.prepare(
    `UPDATE event_types SET description = ?, archived = ?, deprecated = ?, schemas = ?, feature_flag = ?, group_name = ?,
       created_at = ?, updated_at = ? WHERE name = ?`,
  );
  const remove = db.prepare('DELETE FROM event_types WHERE name = ?');

  return {
    eventTypeInsert(eventType: EventType): void {
      insert.run(eventTypeParams(eventType));
    },
    eventTypeGet(p: { name: string }): EventType | null {
      const row = byName.get(p.name) as EventTypeRow | undefined;
      return row === undefined ? null : eventTypeFromRow(row);
    },
    eventTypeList(p: EventTypeListParams): Page<EventType> {
      return listPage(
        cache,
        {
          from: `SELECT ${eventTypeColumns} FROM event_types`,
          where: p.includeArchived ? [] : ['archived = 0'],
          params: [],
          key: 'name',
          order: p.order ?? 'ascending',
          iterator: p.iterator,
          limit: p.limit,
        },
        eventTypeFromRow,
        (e) => e.name,
      );
    },
    eventTypeNamesExisting(p: { names: string[] }): string[] {
      return p.names.length === 0 ? [] : (existing.all(JSON.stringify(p.names)) as string[]);
    },
    eventTypeUpdate(eventType: EventType): void {
      const [name, ...rest] = eventTypeParams(eventType);
      if (update.run(...rest, name).changes === 0) throw new NotFoundError('event type not found');
    },
    eventTypeDelete(p: { name: string }): void {
      if (remove.run(p.name).changes === 0) throw new NotFoundError('event type not found');
    },
  };
}
