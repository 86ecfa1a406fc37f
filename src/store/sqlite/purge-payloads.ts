import type { Database } from 'better-sqlite3';
import { idBound } from '../../domain/ids.js';
import { relaxedSync } from './relaxed-sync.js';

/**
 * Retention of payloads by age. The statement reaches the messages through `applications`, so
 * each application's part is a range seek in its (app_id, id) primary key (ids carry their
 * creation time); the caller narrows the range with `from` (what an earlier run already purged),
 * so no run rescans old rows. A message kept longer by its own `payloadRetentionPeriod` is left
 * to `purge-expired-payloads.ts`. Commits are relaxed (`relaxed-sync.ts`): a purge lost to a
 * power cut is redone by the next run.
 */
export function purgePayloadsStatement(db: Database) {
  const byAge = db.prepare(
    `UPDATE messages SET payload = NULL, payload_expires_at = NULL WHERE rowid IN (
       SELECT m.rowid FROM applications a JOIN messages m ON m.app_id = a.id AND m.id >= ? AND m.id < ?
       WHERE m.payload IS NOT NULL AND (m.payload_expires_at IS NULL OR m.payload_expires_at <= ?) LIMIT ?)`,
  );
  const relaxed = relaxedSync(db);
  return {
    messagePurgePayloads: relaxed((p: { from: Date | null; before: Date; now: Date; limit: number }): number => {
      const from = p.from === null ? 'msg_' : idBound('msg', p.from, 'start');
      return byAge.run(from, idBound('msg', p.before, 'start'), p.now.getTime(), p.limit).changes;
    }),
  };
}
