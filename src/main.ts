import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { buildApp } from './api/app.js';
import { buildMetricsApp } from './api/metrics-app.js';
import { StartupError, ensureAdminToken, loadMasterKey, lockDataDir } from './bootstrap.js';
import { ConfigError, loadConfigFromProcess, type Config } from './config.js';
import { systemClock } from './domain/clock.js';
import { SecretBox } from './domain/secrets.js';
import { startDeliverySide } from './delivery-thread/delivery-side.js';
import { startDeliveryThread } from './delivery-thread/host.js';
import { createLogger } from './logger.js';
import { instrumentStore } from './metrics/instrument-store.js';
import { HeraldMetrics } from './metrics/metrics.js';
import { openStore } from './store/open.js';
import { QueuedSignal, joinSignals } from './store/queued-signal.js';
import { ThreadLock } from './store/sqlite/thread-lock.js';

/**
 * Start: config → store → API and/or the delivery side → graceful stop on SIGTERM/SIGINT.
 * The only place that picks a store driver and reads the process environment.
 *
 * Roles: `all` (the default) runs the API and the delivery side (dispatcher, maintenance,
 * operational events); on SQLite the delivery side runs in a worker thread with its own
 * connection to the file (`src/delivery-thread/`). `worker` runs the delivery side only, `api`
 * only the API (both PostgreSQL only).
 */
async function main(): Promise<void> {
  const config = loadConfigFromProcess();
  const logger = createLogger(config);
  const dataDir = resolve(config.dataDir);
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const unlock = config.databaseUrl === null ? lockDataDir(dataDir) : () => {};
  const metrics = new HeraldMetrics({ processMetrics: true });
  const configWrittenByDelivery = new QueuedSignal();
  const threadLock = ThreadLock.buffer();
  const store = instrumentStore(joinSignals(await openStore(config, dataDir, logger, { threadLock }), { configWritten: configWrittenByDelivery }), metrics);
  const masterKey = await loadMasterKey(config, store, dataDir);
  const secretBox = new SecretBox(masterKey);
  const adminTokenNote = await ensureAdminToken(config, store, dataDir);

  const crash = (err: Error): void => {
    logger.fatal({ err }, 'the delivery thread failed; exiting (a restart sends whatever was in flight again)');
    process.exit(1);
  };
  // The delivery thread is for SQLite, whose synchronous driver holds the event loop for every
  // statement. PostgreSQL's driver is asynchronous, and there the thread measured slower: its
  // smaller, more frequent claims competed with ingest for the database server's share of the
  // 2 cores (bench herald-pg, 2026-11-30, paired: 327 and 346 delivered/s with the thread, 1,067
  // and 595 without). Separate worker processes are PostgreSQL's way to scale delivery.
  const delivery =
    config.role === 'api'
      ? null
      : config.role === 'worker' || config.databaseUrl !== null
        ? await startDeliverySide({ config, store, secretBox, logger, metrics })
        : await startDeliveryThread({ config, dataDir, masterKey, threadLock, store, configWritten: configWrittenByDelivery, metrics, logger }, crash);
  const api = config.role === 'worker' ? null : buildApp({ config, store, clock: systemClock, secretBox, logger: logger.child({ part: 'api' }), metrics });
  const url = api ? await api.listen({ host: config.host, port: config.port }) : null;
  // HERALD_METRICS_PORT: a worker's only listener (`api/metrics-app.ts`).
  const metricsApp = config.metricsPort === null ? null : buildMetricsApp({ config, store, clock: systemClock, secretBox, logger: logger.child({ part: 'metrics' }), metrics });
  const metricsUrl = metricsApp && config.metricsPort !== null ? await metricsApp.listen({ host: config.host, port: config.metricsPort }) : null;
  printBanner(url, metricsUrl, adminTokenNote, config);

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'stopping: no new work; finishing in-flight deliveries');
    await api?.close();
    await metricsApp?.close();
    await delivery?.stop();
    await store.close();
    unlock();
    logger.info('stopped');
    process.exit(0);
  };
  process.on('SIGTERM', () => void stop('SIGTERM'));
  process.on('SIGINT', () => void stop('SIGINT'));
}

function printBanner(url: string | null, metricsUrl: string | null, adminTokenNote: string, config: Config): void {
  const lines = [
    url ? `Herald listening on ${url}` : 'Herald worker started (HERALD_ROLE=worker: no API)',
    `  ${adminTokenNote}`,
    `  role: ${config.role}; data: ${resolve(config.dataDir)}`,
  ];
  if (url) lines.push(`  console: ${url}/ (sign in with the admin token)`, `  try: curl -H "Authorization: Bearer <token>" ${url}/api/v1/app`);
  if (metricsUrl) lines.push(`  metrics: ${metricsUrl}/metrics`);
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

