import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { signalConfigWrites } from '../config-writes.js';
import type { Store } from '../driver.js';
import { QueuedSignal, signalQueuedDeliveries } from '../queued-signal.js';
import { applicationStatements } from './applications.js';
import { attemptStatements } from './attempts.js';
import { claimDueStatement } from './claim-due.js';
import { deliveryStatements } from './deliveries.js';
import { endpointDisableStatement } from './endpoint-disable.js';
import { endpointStatements } from './endpoints.js';
import { translateError } from './errors.js';
import { eventTypeStatements } from './event-types.js';
import { failingEndpointsStatement } from './failing-endpoints.js';
import { idempotencyStatements } from './idempotency.js';
import { MessageInsertQueue } from './message-insert.js';
import { messageStatements } from './messages.js';
import { migrate } from './migrate.js';
import { StatementCache } from './paging.js';
import { portalTokenStatements } from './portal-tokens.js';
import { purgeAttemptsStatement } from './purge-attempts.js';
import { purgeExpiredPayloadsStatement } from './purge-expired-payloads.js';
import { purgeIdempotencyStatement } from './purge-idempotency.js';
import { purgePayloadsStatement } from './purge-payloads.js';
import { queueStatsStatement } from './queue-stats.js';
import { reapLeaseStatements } from './reap-leases.js';
import { recordOutcomesStatement } from './record-outcomes.js';
import { requeueStatements } from './requeue.js';
import { settingStatements } from './settings.js';
import { taskStatements } from './tasks.js';
import { ThreadLock } from './thread-lock.js';

export interface SqliteStoreOptions {
  /** The database file (created with its directory when missing), or `:memory:` for a throwaway store. */
  path: string;
  /** How long a write waits for another connection's lock before failing (`UnavailableError`). */
  busyTimeoutMs?: number;
  /**
   * This process runs the only dispatcher for the file (DESIGN §6: with SQLite one process owns
   * delivery), so every delivery still marked sending at open was claimed by a process that is
   * gone: return them all to the queue at once instead of waiting out their leases (up to 2 min
   * after a `kill -9`). Likewise no request can still hold an `Idempotency-Key`, so keys left
   * in progress are dropped and a client's retry runs at once instead of getting 409 for a minute.
   * Tools that open the file beside a running server leave this off.
   */
  ownsDelivery?: boolean;
  /**
   * The process's `ThreadLock` buffer, given to every connection its threads open on this file;
   * without it the store has a lock of its own (`thread-lock.ts`).
   */
  threadLock?: SharedArrayBuffer;
}

/**
 * One process owns the file and writes through one connection (DESIGN §6); the busy timeout only
 * matters when something else (a backup, the CLI, a second connection in a test) holds the lock,
 * and while it waits the event loop is blocked, hence short.
 */
export const sqliteBusyTimeoutMsDefault = 5_000;
/**
 * Page cache, 32 MiB (SQLite's default is 2 MiB): the right-hand pages of the growing indexes and
 * the queue's partial indexes stay in memory. With 1,000,000 pending deliveries the whole process
 * measured 131 MB RSS.
 */
const cacheSizeKib = 32 * 1024;

/**
 * The embedded store. Every statement is prepared here, once; every method runs synchronously
 * (better-sqlite3) and its failure reaches the caller as a rejected promise carrying a domain
 * error (`errors.ts`). Ingest is group-committed (`message-insert.ts`).
 */
export async function openSqliteStore(options: SqliteStoreOptions): Promise<Store> {
  const inMemory = options.path === ':memory:';
  if (!inMemory) mkdirSync(dirname(options.path), { recursive: true });
  const db = new Database(options.path, { timeout: options.busyTimeoutMs ?? sqliteBusyTimeoutMsDefault });
  const lock = new ThreadLock(options.threadLock);
  let statements: ReturnType<typeof prepareStatements>;
  try {
    // WAL: readers never block the writer, and a commit is one sequential append plus one fsync.
    const mode = db.pragma('journal_mode = WAL', { simple: true });
    if (!inMemory && mode !== 'wal') {
      throw new Error(`SQLite refused WAL mode for ${options.path} (got ${String(mode)}); put the data directory on a local disk`);
    }
    // FULL: a commit is on disk when it returns, which is what a 202 promises (DESIGN §4).
    db.pragma('synchronous = FULL');
    db.pragma('foreign_keys = ON');
    db.pragma(`cache_size = -${cacheSizeKib}`);
    db.pragma('temp_store = MEMORY');
    migrate(db);
    if (options.ownsDelivery) {
      db.prepare('UPDATE deliveries SET status = 1, lease_until = NULL WHERE status = 3').run();
      db.prepare("DELETE FROM idempotency_keys WHERE state = 'in-progress'").run();
    }
    statements = prepareStatements(db, lock);
  } catch (err) {
    db.close();
    throw translateError(err);
  }
  const { queue, version, ops } = statements;

  let closed = false;
  // One process owns delivery, so the wake-up signal never leaves it.
  const signal = new QueuedSignal();
  const store: Omit<Store, 'onConfigWritten'> = {
    kind: 'sqlite',
    ...promised(ops, lock),
    messageInsert: (p) => queue.insert(p),
    schemaVersion: () => run(() => version.get() as number),
    close: async () => {
      if (closed) return;
      closed = true;
      queue.close();
      db.close();
    },
    onDeliveriesQueued: (listener) => signal.listen(listener),
  };
  return signalConfigWrites(signalQueuedDeliveries(store, () => signal.emit()));
}

function prepareStatements(db: Database.Database, lock: ThreadLock) {
  const cache = new StatementCache(db);
  return {
    queue: new MessageInsertQueue(db, lock),
    version: db.prepare('SELECT coalesce(max(version), 0) FROM herald_migrations').pluck(),
    ops: {
      ...settingStatements(db),
      ...applicationStatements(db, cache),
      ...eventTypeStatements(db, cache),
      ...endpointStatements(db, cache),
      ...messageStatements(db, cache),
      deliveryClaimDue: claimDueStatement(db),
      deliveryRecordOutcomes: recordOutcomesStatement(db),
      ...reapLeaseStatements(db),
      ...requeueStatements(db),
      ...deliveryStatements(db, cache),
      ...attemptStatements(db, cache),
      ...portalTokenStatements(db),
      ...idempotencyStatements(db),
      ...taskStatements(db),
      ...queueStatsStatement(db),
      ...failingEndpointsStatement(db),
      ...endpointDisableStatement(db),
      ...purgePayloadsStatement(db),
      ...purgeExpiredPayloadsStatement(db),
      ...purgeAttemptsStatement(db),
      ...purgeIdempotencyStatement(db),
    },
  };
}

type Promised<T> = { [K in keyof T]: T[K] extends (arg: infer A) => infer R ? (arg: A) => Promise<R> : never };

/** The Store's async face over synchronous statements. */
function promised<T extends Record<string, (arg: never) => unknown>>(ops: T, lock: ThreadLock): Promised<T> {
  const out: Record<string, (arg: never) => Promise<unknown>> = {};
  for (const [name, op] of Object.entries(ops)) out[name] = (arg) => run(() => lock.hold(() => op(arg)));
  return out as Promised<T>;
}

function run<R>(op: () => R): Promise<R> {
  try {
    return Promise.resolve(op());
  } catch (err) {
    return Promise.reject(translateError(err));
  }
}
