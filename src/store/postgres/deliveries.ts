import { idBound, type Id } from '../../domain/ids.js';
import { messageStatusText, type Delivery, type Message, type Page } from '../../domain/types.js';
import type { DeliveryListByEndpointParams, DeliveryStatsParams } from '../driver.js';
import { Db } from './db.js';
import { listPage } from './paging.js';
import { deliveryColumns, deliveryFromRow, messageFromRow, Params, type DeliveryRow, type MessageRow } from './rows.js';

type DeliveryStats = Record<'success' | 'pending' | 'sending' | 'fail' | 'canceled', number>;

/** Reading deliveries. The endpoint's list goes newest message first by default, as Svix's does. */
export function deliveryStatements(db: Db) {
  const byMessage = Db.statement('delivery_list_by_message', `SELECT ${deliveryColumns} FROM deliveries WHERE app_id = $1 AND msg_id = $2 ORDER BY endpoint_id`);
  // Message ids carry their creation instant, so the message-time window is an id range over
  // `deliveries_by_endpoint`.
  const stats = Db.statement(
    'delivery_stats',
    'SELECT status, count(*)::int AS n FROM deliveries WHERE app_id = $1 AND endpoint_id = $2 AND msg_id >= $3 AND msg_id < $4 GROUP BY status',
  );

  return {
    async deliveryListByMessage(p: { appId: Id<'app'>; msgId: Id<'msg'> }): Promise<Delivery[]> {
      return (await db.rows<DeliveryRow>(byMessage, [p.appId, p.msgId])).map(deliveryFromRow);
    },
    deliveryListByEndpoint(p: DeliveryListByEndpointParams): Promise<Page<{ delivery: Delivery; message: Message }>> {
      const params = new Params();
      const where = [`d.app_id = ${params.add(p.appId)}`, `d.endpoint_id = ${params.add(p.endpointId)}`];
      if (p.status != null) where.push(`d.status = ${params.add(p.status)}`);
      return listPage(
        db,
        {
          from: `SELECT d.app_id, d.msg_id, d.endpoint_id, d.status, d.attempt_count, d.next_attempt_at, d.trigger_type, d.updated_at,
                   m.id, m.event_type, m.event_id, m.payload, m.channels, m.tags, m.created_at, m.payload_expires_at
                 FROM deliveries d JOIN messages m ON m.app_id = d.app_id AND m.id = d.msg_id`,
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
    async deliveryStats(p: DeliveryStatsParams): Promise<DeliveryStats> {
      const rows = await db.rows<{ status: number; n: number }>(stats, [
        p.appId,
        p.endpointId,
        p.since == null ? '' : idBound('msg', p.since, 'start'),
        // '~' sorts after every id character in "C" order: no upper bound.
        p.until == null ? '~' : idBound('msg', p.until, 'start'),
      ]);
      const out: DeliveryStats = { success: 0, pending: 0, sending: 0, fail: 0, canceled: 0 };
      for (const r of rows) {
        const name = messageStatusText[r.status];
        if (name !== undefined) out[name] += r.n;
      }
      return out;
    },
  };
}
