import { Db } from './db.js';

/** Organisation-wide key/value settings (e.g. the admin token's hash). */
export function settingStatements(db: Db) {
  const get = Db.statement('setting_get', 'SELECT value FROM settings WHERE key = $1');
  const put = Db.statement('setting_put', 'INSERT INTO settings (key, value) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET value = excluded.value');
  return {
    async settingGet(p: { key: string }): Promise<string | null> {
      const [row] = await db.rows<{ value: string }>(get, [p.key]);
      return row?.value ?? null;
    },
    async settingPut(p: { key: string; value: string }): Promise<void> {
      await db.query(put, [p.key, p.value]);
    },
  };
}
