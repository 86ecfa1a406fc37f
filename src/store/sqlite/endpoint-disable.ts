import type { Database } from 'better-sqlite3';
import type { Id } from '../../domain/ids.js';

/** Disables an enabled endpoint; a disabled or missing one is left alone (false). */
export function endpointDisableStatement(db: Database) {
  const disable = db.prepare('UPDATE endpoints SET disabled = 1, updated_at = ? WHERE app_id = ? AND id = ? AND disabled = 0');
  return {
    endpointDisable(p: { appId: Id<'app'>; id: Id<'ep'>; now: Date }): boolean {
      return disable.run(p.now.getTime(), p.appId, p.id).changes > 0;
    },
  };
}
