import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { pino } from 'pino';
import { buildApp } from './api/app.js';
import { StartupError, ensureAdminToken, loadMasterKey, lockDataDir } from './bootstrap.js';
import { ConfigError, loadConfigFromProcess, type Config } from './config.js';
import { systemClock } from './domain/clock.js';
import { SecretBox } from './domain/secrets.js';
import { Dispatcher } from './dispatch/claim-loop.js';
import { observeAll } from './dispatch/observer.js';
import { MaintenanceRunner, maintenanceServices } from './maintenance/index.js';
import { instrumentStore } from './metrics/instrument-store.js';
import { HeraldMetrics } from './metrics/metrics.js';
import { OperationalDeliveryEvents } from './operational/delivery-events.js';
import { OperationalPublisher } from './operational/publisher.js';
import type { Store } from './store/driver.js';
import { openStore } from './store/open.js';

/**
 * Start: config → store → API and/or dispatcher → graceful stop on SIGTERM/SIGINT.
 * The only place that picks a store driver and reads the process environment.
 */
async function main(): Promise<void> {
  const config = loadConfigFromProcess();
  const logger = pino({ level: config.logLevel, base: { service: 'herald' }, redact: { paths: logRedactPaths, censor: '[redacted]' } });
  const dataDir = resolve(config.dataDir);
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const unlock = config.databaseUrl === null ? lockDataDir(dataDir) : () => {};
  const metrics = new HeraldMetrics({ processMetrics: true });
  const store = instrumentStore(await openStore(config, dataDir, logger), metrics);
  const secretBox = new SecretBox(await loadMasterKey(config, store, dataDir));
  const adminTokenNote = await ensureAdminToken(config, store, dataDir);

  const publisher = new OperationalPublisher({ store, clock: systemClock });
  const operationalEvents = new OperationalDeliveryEvents({ store, publisher, logger: logger.child({ part: 'operational' }) });
  // The dispatcher wakes on the store's own signal (in-process for SQLite, LISTEN/NOTIFY across
  // processes for PostgreSQL), so the API needs no hook into it.
  const dispatcher =
    config.role === 'api'
      ? null
      : new Dispatcher({ store, clock: systemClock, config, secretBox, logger: logger.child({ part: 'dispatch' }), options: { leaseMs: config.deliveryLeaseMs }, observer: observeAll(metrics, operationalEvents) });
  const api = config.role === 'worker' ? null : buildApp({ config, store, clock: systemClock, secretBox, logger: logger.child({ part: 'api' }), metrics });
  // Lease reaper, retention, idempotency-key expiry, auto-disable: where deliveries are made.
  const maintenance = dispatcher && new MaintenanceRunner(maintenanceServices({ store, clock: systemClock, config, logger: logger.child({ part: 'maintenance' }), publisher }), logger.child({ part: 'maintenance' }));

  const url = api ? await api.listen({ host: config.host, port: config.port }) : null;
  await maintenance?.start();
  dispatcher?.start();
  printBanner(url, adminTokenNote, config);

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'stopping: no new work; finishing in-flight deliveries');
    await api?.close();
    await dispatcher?.stop();
    await maintenance?.stop();
    await operationalEvents.settled();
    await store.close();
    unlock();
    logger.info('stopped');
    process.exit(0);
  };
  process.on('SIGTERM', () => void stop('SIGTERM'));
  process.on('SIGINT', () => void stop('SIGINT'));
}

/**
 * Never logged, whatever a log call passes by mistake: credentials, secrets and message bodies
 * (pino's redaction; `test/e2e/logs.test.ts` scans a full run's output for them).
 */
const logRedactPaths = ['authorization', 'cookie', 'token', 'secret', 'secrets', 'payload', 'adminToken', 'masterKey'].flatMap((k) => [k, `*.${k}`]).concat(['req.headers.authorization', 'req.headers.cookie', '*.key']);

function printBanner(url: string | null, adminTokenNote: string, config: Config): void {
  const lines = [
    url ? `Herald listening on ${url}` : 'Herald worker started (HERALD_ROLE=worker: no API)',
    `  ${adminTokenNote}`,
    `  role: ${config.role}; data: ${resolve(config.dataDir)}`,
  ];
  if (url) lines.push(`  console: ${url}/ (sign in with the admin token)`, `  try: curl -H "Authorization: Bearer <token>" ${url}/api/v1/app`);
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

