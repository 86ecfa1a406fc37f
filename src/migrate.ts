import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { pino } from 'pino';
import { StartupError, lockDataDir } from './bootstrap.js';
import { ConfigError, loadConfigFromProcess } from './config.js';
import { openStore } from './store/open.js';

/**
 * `herald migrate` (or `node dist/migrate.js`): applies the store's migrations and exits, for
 * deployments that migrate before rolling out new processes. Herald also migrates at start, so
 * this is never required. With SQLite it refuses to run beside a Herald that holds the data dir.
 */
async function migrateOnly(): Promise<void> {
  const config = loadConfigFromProcess();
  const logger = pino({ level: config.logLevel, base: { service: 'herald-migrate' } });
  const dataDir = resolve(config.dataDir);
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const unlock = config.databaseUrl === null ? lockDataDir(dataDir) : () => {};
  try {
    const store = await openStore(config, dataDir, logger);
    const version = await store.schemaVersion();
    await store.close();
    process.stdout.write(`Herald ${config.databaseUrl === null ? `SQLite store in ${dataDir}` : 'PostgreSQL store'} is at schema version ${version}\n`);
  } finally {
    unlock();
  }
}

migrateOnly().catch((err: unknown) => {
  if (err instanceof ConfigError || err instanceof StartupError) {
    process.stderr.write(`${err.message}\n`);
    process.exit(2);
  }
  process.stderr.write(`migration failed: ${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
});
