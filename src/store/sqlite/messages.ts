import type { Database } from 'better-sqlite3';
import { NotFoundError } from '../../domain/errors.js';
import { idBound, type Id } from '../../domain/ids.js';
import type { Message, Page } from '../../domain/types.js';
import type { MessageListParams, MessageWithoutDeliveryParams } from '../driver.js';
import { listPage, type StatementCache } from './paging.js';
import { messageColumns, messageFromRow, type MessageRow } from './rows.js';

/**
 * Reading messages (writing them is `message-insert.ts`). Lists go newest first by default, as
 * Svix's do. Time filters compare ids, which carry their creation instant (`idBound`), so they
 * seek in the (app_id, id) primary key instead of scanning: callers mint a message's id at its
 * timestamp.
 */
export function messageStatements(db: Database, cache: StatementCache) {
  const byId = db.prepare(`SELECT ${messageColumns} FROM messages WHERE app_id = ? AND id = ?`);
  const byEventId = db.prepare(`SELECT ${messageColumns} FROM messages WHERE app_id = ? AND event_id = ?`);
  const withoutDelivery = db.prepare(
    `SELECT ${messageColumns} FROM messages m
     WHERE m.app_id = ? AND m.id >= ? AND m.id < ? AND m.id > ?
       AND NOT EXISTS (SELECT 1 FROM deliveries d WHERE d.app_id = m.app_id AND d.msg_id = m.id AND d.endpoint_id = ?)
     ORDER BY m.id LIMIT ?`,
  );
  const expunge = db.prepare('UPDATE messages SET payload = NULL WHERE app_id = ? AND id = ?');

  return {
    /** An id wins over an eventId that happens to equal it. */
    messageGet(p: { appId: Id<'app'>; idOrEventId: string }): Message | null {
      const row = (byId.get(p.appId, p.idOrEventId) ?? byEventId.get(p.appId, p.idOrEventId)) as MessageRow | undefined;
      return row === undefined ? null : messageFromRow(row);
    },
    messageList(p: MessageListParams): Page<Message> {
      const where = ['app_id = ?'];
      const params: unknown[] = [p.appId];
      if (p.eventTypes != null && p.eventTypes.length > 0) {
        where.push('event_type IN (SELECT value FROM json_each(?))');
        params.push(JSON.stringify(p.eventTypes));
      }
      if (p.channel != null) {
        where.push('EXISTS (SELECT 1 FROM json_each(channels) WHERE value = ?)');
        params.push(p.channel);
      }
      if (p.tag != null) {
        where.push('EXISTS (SELECT 1 FROM json_each(tags) WHERE value = ?)');
        params.push(p.tag);
      }
      if (p.before != null) {
        where.push('id < ?');
        params.push(idBound('msg', p.before, 'start'));
      }
      if (p.after != null) {
        where.push('id > ?');
        params.push(idBound('msg', p.after, 'end'));
      }
      return listPage(
        cache,
        { from: `SELECT ${messageColumns} FROM messages`, where, params, key: 'id', order: p.order ?? 'descending', iterator: p.iterator, limit: p.limit },
        messageFromRow,
        (m) => m.id,
      );
    },
    messageListWithoutDelivery(p: MessageWithoutDeliveryParams): Message[] {
      const rows = withoutDelivery.all(
        p.appId,
        idBound('msg', p.since, 'start'),
        idBound('msg', p.until, 'start'),
        p.afterId ?? '',
        p.endpointId,
        p.limit,
      ) as MessageRow[];
      return rows.map(messageFromRow);
    },
    messageExpungePayload(p: { appId: Id<'app'>; id: Id<'msg'> }): void {
      if (expunge.run(p.appId, p.id).changes === 0) throw new NotFoundError('message not found');
    },
  };
}
