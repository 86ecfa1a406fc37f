import pg from 'pg';
import { signalConfigWrites } from '../config-writes.js';
import type { Store } from '../driver.js';
import { signalQueuedDeliveries } from '../queued-signal.js';
import { applicationStatements } from './applications.js';
import { attemptStatements } from './attempts.js';
import { claimDueStatement } from './claim-due.js';
import { Db } from './db.js';
import { deliveryStatements } from './deliveries.js';
import { endpointDisableStatement } from './endpoint-disable.js';
import { endpointStatements } from './endpoints.js';
import { translateError } from './errors.js';
import { eventTypeStatements } from './event-types.js';
import { failingEndpointsStatement } from './failing-endpoints.js';
import { idempotencyStatements } from './idempotency.js';
import { messageInsertStatement } from './message-insert.js';
import { messageStatements } from './messages.js';
import { migrate } from './migrate.js';
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
import { PostgresWakeUps } from './wake-ups.js';

export interface PostgresStoreOptions {
  /** `postgres://user:password@host:port/database?…` (HERALD_DATABASE_URL). */
  connectionString: string;
  /**
   * The schema holding Herald's tables, created at open when missing; default: the connection's
   * own search_path (normally `public`). Lower-case letters, digits and `_`.
   */
  schema?: string;
  /** Connections in this process's pool. */
  poolSize?: number;
  /** A statement running longer is cancelled by the server and fails with UnavailableError. */
  statementTimeoutMs?: number;
  /** How the connections show in `pg_stat_activity` (default `herald`), e.g. `herald-worker`. */
  applicationName?: string;
  /**
   * Told about errors of idle pooled connections (the server restarted, an administrator ended
   * the backend). The pool drops such a connection by itself and the next statement opens a new
   * one, so these need no handling; without a listener they are ignored.
   */
  onConnectionError?: (err: Error) => void;
}

/**
 * pg's own default. Every store operation is one short statement, so a connection is held for
 * one round trip at a time; the server's max_connections (100 by default) is shared by every API
 * and worker process, so 10 each leaves room for about nine of them.
 */
export const postgresPoolSizeDefault = 10;
/**
 * Operations are single statements that take milliseconds; one that runs 30 s is stuck behind a
 * lock or a sick server, and the API client has given up long before. Known limit: deleting an
 * application with millions of messages is one cascading statement and can exceed it.
 */
export const postgresStatementTimeoutMsDefault = 30_000;
/** How long a statement waits for a pooled connection (or a new one) before UnavailableError. */
const connectTimeoutMs = 5_000;
const schemaPattern = /^[a-z_][a-z0-9_]{0,62}$/;

/**
 * The PostgreSQL store (DESIGN §6): for more than one process or machine. Every operation is a
 * single statement in autocommit mode (composite ones are data-modifying CTEs), so it is atomic
 * without BEGIN/COMMIT round trips and no connection is held across an `await`; hot statements are
 * named, so each pooled connection parses and plans them once. Failures reach the caller as
 * domain errors (`errors.ts`). Migrations run at open under an advisory lock (`migrate.ts`).
 *
 * Statements per delivered message (fan-out 1), amortised: ingest 1 per call (so 1 per message
 * for single-message calls, 1/1,000 through `/msg/batch`), claim 1 per batch, outcomes 1 per
 * batch, plus the coalesced NOTIFY (at most 2 per burst of ingests, `wake-ups.ts`).
 *
 * The search path, statement timeout and `jit=off` are startup parameters of each connection,
 * not SET statements, so opening a connection costs no extra round trip. JIT is off because every
 * statement here is short: with PostgreSQL 15's default (JIT above an estimated cost of 100,000)
 * the claim's generic plan over a 1,000,000-delivery backlog crossed that estimate, and each run
 * spent about 450 ms compiling, against 2.3 ms to run without JIT (dev VM). Known limits: the
 * connection string's own `options` parameter replaces these (pg lets the URL win); PgBouncer in
 * transaction mode rejects startup parameters it does not know and, before 1.21, named
 * statements: point Herald at PostgreSQL or at a session-mode pooler.
 *
 * Unlike the SQLite driver there is no `ownsDelivery`: any number of workers share the queue, so a
 * delivery left sending by a killed worker waits for its lease to expire (the reaper returns it).
 * Endpoint limits hold across workers through lease slots and shared rate buckets (`claim-due.ts`);
 * wake-ups go through LISTEN/NOTIFY (`wake-ups.ts`), on one more connection per listening process.
 */
export async function openPostgresStore(options: PostgresStoreOptions): Promise<Store> {
  const schema = options.schema ?? null;
  if (schema !== null && !schemaPattern.test(schema)) {
    throw new Error(`PostgreSQL schema name "${schema}": use lower-case letters, digits and _ (at most 63), starting with a letter or _`);
  }
  const pool = new pg.Pool({
    connectionString: options.connectionString,
    max: options.poolSize ?? postgresPoolSizeDefault,
    statement_timeout: options.statementTimeoutMs ?? postgresStatementTimeoutMsDefault,
    connectionTimeoutMillis: connectTimeoutMs,
    application_name: options.applicationName ?? 'herald',
    keepAlive: true,
    options: schema === null ? '-c jit=off' : `-c jit=off -c search_path=${schema}`,
  });
  pool.on('error', (err) => options.onConnectionError?.(err));
  const db = new Db(pool);

  try {
    const client = await pool.connect();
    let broken: Error | undefined;
    try {
      await migrate(client, schema);
    } catch (err) {
      broken = err as Error;
      throw err;
    } finally {
      client.release(broken);
    }
  } catch (err) {
    await pool.end().catch(() => {
      // Nothing to close beyond what failed.
    });
    throw translateError(err);
  }

  const version = Db.statement('schema_version', 'SELECT coalesce(max(version), 0) AS v FROM herald_migrations');
  const wakeUps = new PostgresWakeUps(db, {
    connectionString: options.connectionString,
    applicationName: options.applicationName ?? 'herald',
    schema,
    onConnectionError: options.onConnectionError,
  });
  const store: Omit<Store, 'onConfigWritten'> = {
    kind: 'postgres',
    schemaVersion: async () => (await db.rows<{ v: number }>(version, []))[0]!.v,
    close: async () => {
      wakeUps.close();
      await db.end();
    },
    onDeliveriesQueued: (listener) => wakeUps.listen(listener),
    ...settingStatements(db),
    ...applicationStatements(db),
    ...eventTypeStatements(db),
    ...endpointStatements(db),
    messageInsert: messageInsertStatement(db),
    ...messageStatements(db),
    deliveryClaimDue: claimDueStatement(db),
    deliveryRecordOutcomes: recordOutcomesStatement(db),
    ...reapLeaseStatements(db),
    ...requeueStatements(db),
    ...deliveryStatements(db),
    ...attemptStatements(db),
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
  };
  return signalConfigWrites(signalQueuedDeliveries(store, () => wakeUps.queued()));
}
