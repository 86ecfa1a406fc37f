import { Db } from './db.js';

/** Retention of payloads by the message's own period, as in the SQLite driver (`messages_payload_expiry`). */
export function purgeExpiredPayloadsStatement(db: Db) {
  const purge = Db.statement(
    'message_purge_expired_payloads',
    `UPDATE messages m SET payload = NULL, payload_expires_at = NULL
     FROM (SELECT x.app_id, x.id FROM applications a JOIN messages x ON x.app_id = a.id AND x.payload_expires_at <= $1
           WHERE x.payload_expires_at IS NOT NULL LIMIT $2) k
     WHERE m.app_id = k.app_id AND m.id = k.id`,
  );
  return {
    messagePurgeExpiredPayloads(p: { now: Date; limit: number }): Promise<number> {
      return db.count(purge, [p.now, p.limit]);
    },
  };
}
