import type { Database } from 'better-sqlite3';
import { idBound, type Id } from '../../domain/ids.js';
import { messageStatusText, type Delivery, type Message, type Page } from '../../domain/types.js';
import type { DeliveryListByEndpointParams, DeliveryStatsParams } from '../driver.js';
import { listPage, type StatementCache } from './paging.js';
import { deliveryColumns, deliveryFromRow, messageFromRow, type DeliveryRow, type MessageRow } from './rows.js';

type DeliveryStats = Record<'success' | 'pending' | 'sending' | 'fail' | 'canceled', number>;

/** Reading deliveries. The endpoint's list goes newest message first by default, as Svix's does. */
export function deliveryStatements(db: Database, cache: StatementCache) {
  const byMessage = db.prepare(`SELECT ${deliveryColumns} FROM deliveries WHERE app_id = ? AND msg_id = ? ORDER BY endpoint_id`);
  // Message ids carry their creation instant, so the message-time window is an id range.
  // INDEXED BY here and below: without statistics SQLite prefers the primary key's (app_id,
  // msg_id) order, which reads the deliveries of every endpoint of the app.
  const stats = db.prepare(
    'SELECT status, count(*) AS n FROM deliveries INDEXED BY deliveries_by_endpoint WHERE app_id = ? AND endpoint_id = ? AND msg_id >= ? AND msg_id < ? GROUP BY status',
  );

  return {
    deliveryListByMessage(p: { appId: Id<'app'>; msgId: Id<'msg'> }): Delivery[] {
      return (byMessage.all(p.appId, p.msgId) as DeliveryRow[]).map(deliveryFromRow);
    },
    deliveryListByEndpoint(p: DeliveryListByEndpointParams): Page<{ delivery: Delivery; message: Message }> {
      const where = ['d.app_id = ?', 'd.endpoint_id = ?'];
      const params: unknown[] = [p.appId, p.endpointId];
      if (p.status != null) {
        where.push('d.status = ?');
        params.push(p.status);
      }
      return listPage(
        cache,
        {
          from: `SELECT d.app_id, d.msg_id, d.endpoint_id, d.status, d.attempt_count, d.next_attempt_at, d.trigger_type, d.updated_at,
                   m.id, m.event_type, m.event_id, m.payload, m.channels, m.tags, m.created_at, m.payload_expires_at
                 FROM deliveries d INDEXED BY deliveries_by_endpoint JOIN messages m ON m.app_id = d.app_id AND m.id = d.msg_id`,
          where,
          params,
          key: 'd.msg_id',
          order: p.order ?? 'descending',
          iterator: p.iterator,
          limit: p.limit,
        },
        (r: DeliveryRow & MessageRow) => ({ delivery: deliveryFromRow(r), message: messageFromRow(r) }),
        (item) => item.message.id,
      );
    },
    deliveryStats(p: DeliveryStatsParams): DeliveryStats {
      const rows = stats.all(
        p.appId,
        p.endpointId,
        p.since == null ? '' : idBound('msg', p.since, 'start'),
        // '~' sorts after every id character: no upper bound.
        p.until == null ? '~' : idBound('msg', p.until, 'start'),
      ) as { status: number; n: number }[];
      const out: DeliveryStats = { success: 0, pending: 0, sending: 0, fail: 0, canceled: 0 };
      for (const r of rows) {
        const name = messageStatusText[r.status];
        if (name !== undefined) out[name] += r.n;
      }
      return out;
    },
  };
}
