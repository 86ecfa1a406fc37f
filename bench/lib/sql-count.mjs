import Database from 'better-sqlite3';
import { BroadcastChannel, isMainThread, threadId } from 'node:worker_threads';

/**
 * Preloaded into Herald (`node --import bench/lib/sql-count.mjs dist/main.js`) to count the SQL
 * statements the SQLite driver executes, without touching Herald's sources: every
 * `Statement#run/get/all/iterate` and `Database#exec` call is counted, keyed by its SQL text.
 * better-sqlite3's `db.transaction()` runs its BEGIN/COMMIT through the same prepared-statement
 * methods, so they are counted too. The orchestrator asks over the IPC channel:
 * `{ cmd: 'sql-count', reset }` → `{ total, bySql }`, the sum over the process's threads.
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

/**
 * Herald's delivery thread (`src/delivery-thread/`) has its own copy of this module (a worker
 * thread runs the process's `--import` preloads too) and its own counts: the threads meet on a
 * BroadcastChannel. Each thread announces itself at start; the main thread, asked over IPC, asks
 * every known thread for its counts (and reset) and adds them to its own.
 */
const channel = new BroadcastChannel('herald-bench-sql-count');
channel.unref();

function takeCounts(reset) {
  const counts = { total, bySql: [...bySql] };
  if (reset) {
    total = 0;
    bySql = new Map();
  }
  return counts;
}

if (!isMainThread) {
  channel.onmessage = ({ data }) => {
    if (data?.cmd === 'collect') channel.postMessage({ cmd: 'counts', threadId, id: data.id, counts: takeCounts(data.reset) });
  };
  channel.postMessage({ cmd: 'hello', threadId });
} else if (process.send) {
  const threads = new Set();
  const waiting = new Map();
  channel.onmessage = ({ data }) => {
    if (data?.cmd === 'hello') threads.add(data.threadId);
    if (data?.cmd === 'counts') waiting.get(data.id)?.(data);
  };
  const collect = (id, reset) =>
    new Promise((resolve) => {
      const replies = [];
      const done = () => {
        waiting.delete(id);
        clearTimeout(timer);
        resolve(replies);
      };
      const timer = setTimeout(done, 2_000);
      if (threads.size === 0) return done();
      waiting.set(id, (reply) => {
        replies.push(reply.counts);
        if (replies.length === threads.size) done();
      });
      channel.postMessage({ cmd: 'collect', id, reset });
    });
  process.on('message', async (msg) => {
    if (msg?.cmd !== 'sql-count') return;
    const own = takeCounts(msg.reset);
    const merged = new Map(own.bySql);
    let sum = own.total;
    for (const counts of await collect(msg.id, msg.reset)) {
      sum += counts.total;
      for (const [sql, n] of counts.bySql) merged.set(sql, (merged.get(sql) ?? 0) + n);
    }
    process.send({ reply: msg.id, result: { total: sum, bySql: [...merged].sort((a, b) => b[1] - a[1]) } });
  });
  process.channel?.unref();
}
