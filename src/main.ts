import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pino, type Logger } from 'pino';
import { buildApp } from './api/app.js';
import { StartupError, ensureAdminToken, loadMasterKey, lockDataDir } from './bootstrap.js';
import { ConfigError, loadConfigFromProcess, type Config } from './config.js';
import { systemClock } from './domain/clock.js';
import { SecretBox } from './domain/secrets.js';
import { Dispatcher } from './dispatch/claim-loop.js';
import type { Store } from './store/driver.js';
import { openPostgresStore } from './store/postgres/index.js';
import { openSqliteStore } from './store/sqlite/index.js';

/**
 * Start: config → store → API and/or dispatcher → graceful stop on SIGTERM/SIGINT.
 * The only place that picks a store driver and reads the process environment.
 */
async function main(): Promise<void> {
  const config = loadConfigFromProcess();
  const logger = pino({ level: config.logLevel, base: { service: 'herald' } });
  const dataDir = resolve(config.dataDir);
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const unlock = config.databaseUrl === null ? lockDataDir(dataDir) : () => {};
  const store = await openStore(config, dataDir, logger);
  const secretBox = new SecretBox(await loadMasterKey(config, store, dataDir));
  const adminTokenNote = await ensureAdminToken(config, store, dataDir);

  // The dispatcher wakes on the store's own signal (in-process for SQLite, LISTEN/NOTIFY across
  // processes for PostgreSQL), so the API needs no hook into it.
  const dispatcher =
    config.role === 'api'
      ? null
      : new Dispatcher({ store, clock: systemClock, config, secretBox, logger: logger.child({ part: 'dispatch' }), options: { leaseMs: config.deliveryLeaseMs } });
  const api = config.role === 'worker' ? null : buildApp({ config, store, clock: systemClock, secretBox, logger: logger.child({ part: 'api' }) });

  const url = api ? await api.listen({ host: config.host, port: config.port }) : null;
  dispatcher?.start();
  printBanner(url, adminTokenNote, config);

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'stopping: no new work; finishing in-flight deliveries');
    await api?.close();
    await dispatcher?.stop();
    await store.close();
    unlock();
    logger.info('stopped');
    process.exit(0);
  };
  process.on('SIGTERM', () => void stop('SIGTERM'));
  process.on('SIGINT', () => void stop('SIGINT'));
}

async function openStore(config: Config, dataDir: string, logger: Logger): Promise<Store> {
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
  return openSqliteStore({ path: join(dataDir, 'herald.db'), ownsDelivery: true });
}

function printBanner(url: string | null, adminTokenNote: string, config: Config): void {
  const lines = [
    url ? `Herald listening on ${url}` : 'Herald worker started (HERALD_ROLE=worker: no API)',
    `  ${adminTokenNote}`,
    `  role: ${config.role}; data: ${resolve(config.dataDir)}`,
  ];
  if (url) lines.push(`  try: curl -H "Authorization: Bearer <token>" ${url}/api/v1/app`);
  process.stdout.write(lines.join('\n') + '\n');
}

main().catch((err: unknown) => {
  if (err instanceof ConfigError || err instanceof StartupError) {
    process.stderr.write(`${err.message}\n`);
    process.exit(2);
  }
  process.stderr.write(`Herald failed to start: ${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
});

