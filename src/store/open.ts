import { join } from 'node:path';
import type { Logger } from 'pino';
import type { Config } from '../config.js';
import type { Store } from './driver.js';
import { openPostgresStore } from './postgres/index.js';
import { openSqliteStore } from './sqlite/index.js';

/**
 * Opens the store the configuration names (PostgreSQL with `HERALD_DATABASE_URL`, else the
 * embedded SQLite database in the data dir), applying its migrations. Shared by `main.ts` and
 * `migrate.ts`. The process's first connection owns delivery (`SqliteStoreOptions.ownsDelivery`);
 * the delivery thread's, opened after it, does not. Both share `threadLock` (`sqlite/thread-lock.ts`).
 */
export async function openStore(config: Config, dataDir: string, logger: Logger, options: { ownsDelivery?: boolean; threadLock?: SharedArrayBuffer } = {}): Promise<Store> {
  if (config.databaseUrl !== null) {
    return openPostgresStore({
      connectionString: config.databaseUrl,
      poolSize: config.databasePoolSize,
      statementTimeoutMs: config.databaseStatementTimeoutMs,
      applicationName: `herald-${config.role}`,
      // The pool replaces a dropped connection on next use and the LISTEN connection reconnects
      // by itself; statements that fail meanwhile answer 503 (API) or are retried (dispatcher).
      onConnectionError: (err) => logger.warn({ err: err.message }, 'database connection lost; it is replaced on next use'),
    });
  }
  return openSqliteStore({ path: join(dataDir, 'herald.db'), ownsDelivery: options.ownsDelivery ?? true, threadLock: options.threadLock });
}

