import type { Id } from '../../domain/ids.js';
import { Db } from './db.js';

/** Disables an enabled endpoint; a disabled or missing one is left alone (false). */
export function endpointDisableStatement(db: Db) {
  const disable = Db.statement('endpoint_disable', 'UPDATE endpoints SET disabled = true, updated_at = $3 WHERE app_id = $1 AND id = $2 AND NOT disabled');
  return {
    async endpointDisable(p: { appId: Id<'app'>; id: Id<'ep'>; now: Date }): Promise<boolean> {
      return (await db.count(disable, [p.appId, p.id, p.now])) > 0;
    },
  };
}
