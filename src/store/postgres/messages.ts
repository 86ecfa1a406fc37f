import { NotFoundError } from '../../domain/errors.js';
import { idBound, type Id } from '../../domain/ids.js';
import type { Message, Page } from '../../domain/types.js';
import type { MessageListParams, MessageWithoutDeliveryParams } from '../driver.js';
import { Db } from './db.js';
import { listPage } from './paging.js';
import { messageColumns, messageFromRow, Params, type MessageRow } from './rows.js';

/**
 * Reading messages (writing them is `message-insert.ts`). Lists go newest first by default, as
 * Svix's do. Time filters compare ids, which carry their creation instant (`idBound`), so they
 * seek in the (app_id, id) primary key instead of scanning: callers mint a message's id at its
 * timestamp. One statement each.
 */
export function messageStatements(db: Db) {
  // An id wins over an eventId that happens to equal it: both probes in one statement.
  const byIdOrEventId = Db.statement(
    'message_get',
    `SELECT ${messageColumns} FROM messages WHERE app_id = $1 AND (id = $2 OR event_id = $2) ORDER BY id = $2 DESC LIMIT 1`,
  );
  // Replay-missing pages through a time range of any width: planned per call, so that a wide
  // range with a small limit walks the primary key in order and stops at the limit. Its generic
  // plan sorted the whole range (5,000 rows assumed) for every page.
  const withoutDelivery = Db.unnamed(
    `SELECT ${messageColumns} FROM messages m
     WHERE m.app_id = $1 AND m.id >= $2 AND m.id < $3 AND m.id > $4
       AND NOT EXISTS (SELECT 1 FROM deliveries d WHERE d.app_id = m.app_id AND d.msg_id = m.id AND d.endpoint_id = $5)
     ORDER BY m.id LIMIT $6`,
  );
  const expunge = Db.statement('message_expunge', 'UPDATE messages SET payload = NULL WHERE app_id = $1 AND id = $2');

  return {
    async messageGet(p: { appId: Id<'app'>; idOrEventId: string }): Promise<Message | null> {
      const [row] = await db.rows<MessageRow>(byIdOrEventId, [p.appId, p.idOrEventId]);
      return row === undefined ? null : messageFromRow(row);
    },
    messageList(p: MessageListParams): Promise<Page<Message>> {
      const params = new Params();
      const where = [`app_id = ${params.add(p.appId)}`];
      if (p.eventTypes != null && p.eventTypes.length > 0) where.push(`event_type = ANY(${params.add(p.eventTypes)}::text[])`);
      // jsonb containment: the array holds the string.
      if (p.channel != null) where.push(`channels @> jsonb_build_array(${params.add(p.channel)}::text)`);
      if (p.tag != null) where.push(`tags @> jsonb_build_array(${params.add(p.tag)}::text)`);
      if (p.before != null) where.push(`id < ${params.add(idBound('msg', p.before, 'start'))}`);
      if (p.after != null) where.push(`id > ${params.add(idBound('msg', p.after, 'end'))}`);
      return listPage(
        db,
        { from: `SELECT ${messageColumns} FROM messages`, where, params, key: 'id', order: p.order ?? 'descending', iterator: p.iterator, limit: p.limit },
        messageFromRow,
        (m) => m.id,
      );
    },
    async messageListWithoutDelivery(p: MessageWithoutDeliveryParams): Promise<Message[]> {
      const rows = await db.rows<MessageRow>(withoutDelivery, [
        p.appId,
        idBound('msg', p.since, 'start'),
        idBound('msg', p.until, 'start'),
        p.afterId ?? '',
        p.endpointId,
        p.limit,
      ]);
      return rows.map(messageFromRow);
    },
    async messageExpungePayload(p: { appId: Id<'app'>; id: Id<'msg'> }): Promise<void> {
      if ((await db.count(expunge, [p.appId, p.id])) === 0) throw new NotFoundError('message not found');
    },
  };
}
