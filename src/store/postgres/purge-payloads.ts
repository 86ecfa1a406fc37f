import { idBound } from '../../domain/ids.js';
import { Db } from './db.js';

/**
 * Retention of payloads by age, as in the SQLite driver: through `applications`, so each
 * application's part is a range seek in the (app_id, id) primary key.
 */
export function purgePayloadsStatement(db: Db) {
  const byAge = Db.statement(
    'message_purge_payloads',
    `UPDATE messages m SET payload = NULL, payload_expires_at = NULL
     FROM (SELECT x.app_id, x.id FROM applications a JOIN messages x ON x.app_id = a.id AND x.id >= $1 AND x.id < $2
           WHERE x.payload IS NOT NULL AND (x.payload_expires_at IS NULL OR x.payload_expires_at <= $3) LIMIT $4) k
     WHERE m.app_id = k.app_id AND m.id = k.id`,
  );
  return {
    messagePurgePayloads(p: { from: Date | null; before: Date; now: Date; limit: number }): Promise<number> {
      const from = p.from === null ? 'msg_' : idBound('msg', p.from, 'start');
      return db.count(byAge, [from, idBound('msg', p.before, 'start'), p.now, p.limit]);
    },
  };
}
