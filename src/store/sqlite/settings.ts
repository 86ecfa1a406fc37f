import type { Database } from 'better-sqlite3';

/** Organisation-wide key/value settings (e.g. the admin token's hash). */
export function settingStatements(db: Database) {
  const get = db.prepare('SELECT value FROM settings WHERE key = ?').pluck();
  const put = db.prepare('INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value');
  return {
    settingGet(p: { key: string }): string | null {
      return (get.get(p.key) as string | undefined) ?? null;
    },
    settingPut(p: { key: string; value: string }): void {
      put.run(p.key, p.value);
    },
  };
}
