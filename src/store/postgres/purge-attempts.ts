import { idBound } from '../../domain/ids.js';
import { Db } from './db.js';

/** Retention of attempts: per application a range of the (app_id, id) primary key (attempt ids carry their time). */
export function purgeAttemptsStatement(db: Db) {
  const purge = Db.statement(
    'attempt_purge',
    `DELETE FROM attempts t USING (SELECT x.app_id, x.id FROM applications a JOIN attempts x ON x.app_id = a.id AND x.id < $1 LIMIT $2) k
     WHERE t.app_id = k.app_id AND t.id = k.id`,
  );
  return {
    attemptPurge(p: { before: Date; limit: number }): Promise<number> {
      return db.count(purge, [idBound('atmpt', p.before, 'start'), p.limit]);
    },
  };
}
