import type { Database } from 'better-sqlite3';
import type { Id } from '../../domain/ids.js';
import type { PortalToken } from '../../domain/types.js';

/** App-portal tokens, stored by hash; they go with their application (ON DELETE CASCADE). */
export function portalTokenStatements(db: Database) {
  const insert = db.prepare('INSERT INTO portal_tokens (token_hash, app_id, expires_at, read_only) VALUES (?, ?, ?, ?)');
  const get = db.prepare('SELECT token_hash, app_id, expires_at, read_only FROM portal_tokens WHERE token_hash = ? AND expires_at > ?');
  return {
    portalTokenInsert(token: PortalToken): void {
      insert.run(token.tokenHash, token.appId, token.expiresAt.getTime(), token.readOnly ? 1 : 0);
    },
    /** null once expired. */
    portalTokenGet(p: { tokenHash: string; now: Date }): PortalToken | null {
      const row = get.get(p.tokenHash, p.now.getTime()) as { token_hash: string; app_id: string; expires_at: number; read_only: number } | undefined;
      if (row === undefined) return null;
      return { tokenHash: row.token_hash, appId: row.app_id as Id<'app'>, expiresAt: new Date(row.expires_at), readOnly: row.read_only === 1 };
    },
  };
}
