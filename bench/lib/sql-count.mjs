import Database from 'better-sqlite3';

/**
 * Preloaded into Herald (`node --import bench/lib/sql-count.mjs dist/main.js`) to count the SQL
 * statements the SQLite driver executes, without touching Herald's sources: every
 * `Statement#run/get/all/iterate` and `Database#exec` call is counted, keyed by its SQL text.
 * better-sqlite3's `db.transaction()` runs its BEGIN/COMMIT through the same prepared-statement
 * methods, so they are counted too. The orchestrator asks over the IPC channel:
 * `{ cmd: 'sql-count', reset }` → `{ total, bySql }`.
 *
 * Cost: one Map update per statement (a few hundred ns), against statements that each cost
 * tens of microseconds or an fsync.
 */
const probe = new Database(':memory:');
const Statement = probe.prepare('SELECT 1').constructor;
probe.close();

let total = 0;
let bySql = new Map();
const note = (sql) => {
  total++;
  bySql.set(sql, (bySql.get(sql) ?? 0) + 1);
};
for (const method of ['run', 'get', 'all', 'iterate']) {
  const original = Statement.prototype[method];
  Statement.prototype[method] = function (...args) {
    note(this.source);
    return original.apply(this, args);
  };
}
const exec = Database.prototype.exec;
Database.prototype.exec = function (sql) {
  note(sql);
  return exec.call(this, sql);
};

if (process.send) {
  process.on('message', (msg) => {
    if (msg?.cmd !== 'sql-count') return;
    const reply = { total, bySql: [...bySql].sort((a, b) => b[1] - a[1]) };
    if (msg.reset) {
      total = 0;
      bySql = new Map();
    }
    process.send({ reply: msg.id, result: reply });
  });
  process.channel?.unref();
}
