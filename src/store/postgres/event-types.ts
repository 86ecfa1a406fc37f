import { NotFoundError } from '../../domain/errors.js';
import type { EventType, Page } from '../../domain/types.js';
import type { EventTypeListParams } from '../driver.js';
import { Db } from './db.js';
import { listPage } from './paging.js';
import { eventTypeColumns, eventTypeFromRow, eventTypeParams, Params, placeholders, type EventTypeRow } from './rows.js';

/** The organisation-wide event-type catalog: listed by name, A to Z by default. One statement each. */
export function eventTypeStatements(db: Db) {
  const insert = Db.statement('event_type_insert', `INSERT INTO event_types (${eventTypeColumns}) VALUES (${placeholders(eventTypeColumns)})`);
  const byName = Db.statement('event_type_get', `SELECT ${eventTypeColumns} FROM event_types WHERE name = $1`);
  const existing = Db.statement('event_type_names_existing', 'SELECT name FROM event_types WHERE NOT archived AND name = ANY($1::text[]) ORDER BY name');
  // Parameters in `eventTypeParams` order: the name first.
  const update = Db.statement(
    'event_type_update',
    `UPDATE event_types SET description = $2, archived = $3, deprecated = $4, schemas = $5, feature_flag = $6, group_name = $7,
       created_at = $8, updated_at = $9 WHERE name = $1`,
  );
  const remove = Db.statement('event_type_delete', 'DELETE FROM event_types WHERE name = $1');

  return {
    async eventTypeInsert(eventType: EventType): Promise<void> {
      await db.query(insert, eventTypeParams(eventType));
    },
    async eventTypeGet(p: { name: string }): Promise<EventType | null> {
      const [row] = await db.rows<EventTypeRow>(byName, [p.name]);
      return row === undefined ? null : eventTypeFromRow(row);
    },
    eventTypeList(p: EventTypeListParams): Promise<Page<EventType>> {
      return listPage(
        db,
        {
          from: `SELECT ${eventTypeColumns} FROM event_types`,
          where: p.includeArchived ? [] : ['NOT archived'],
          params: new Params(),
          key: 'name',
          order: p.order ?? 'ascending',
          iterator: p.iterator,
          limit: p.limit,
        },
        eventTypeFromRow,
        (e) => e.name,
      );
    },
    async eventTypeNamesExisting(p: { names: string[] }): Promise<string[]> {
      if (p.names.length === 0) return [];
      return (await db.rows<{ name: string }>(existing, [p.names])).map((r) => r.name);
    },
    async eventTypeUpdate(eventType: EventType): Promise<void> {
      if ((await db.count(update, eventTypeParams(eventType))) === 0) throw new NotFoundError('event type not found');
    },
    async eventTypeDelete(p: { name: string }): Promise<void> {
      if ((await db.count(remove, [p.name])) === 0) throw new NotFoundError('event type not found');
    },
  };
}
