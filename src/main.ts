import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pino } from 'pino';
import { buildApp } from './api/app.js';
import { ConfigError, loadConfigFromProcess, type Config } from './config.js';
import { systemClock } from './domain/clock.js';
import { SecretBox } from './domain/secrets.js';
import { adminTokenHashSetting, adminTokenPrefix, generateToken, hashToken } from './domain/tokens.js';
import { Dispatcher } from './dispatch/claim-loop.js';
import type { Store } from './store/driver.js';
import { openSqliteStore } from './store/sqlite/index.js';
import { randomBytes } from 'node:crypto';

/**
 * Start: config → store → API and/or dispatcher → graceful stop on SIGTERM/SIGINT.
 * The only place that picks a store driver and reads the process environment.
 */
async function main(): Promise<void> {
  const config = loadConfigFromProcess();
  const logger = pino({ level: config.logLevel, base: { service: 'herald' } });
  const dataDir = resolve(config.dataDir);
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const store = await openStore(config, dataDir);
  const secretBox = new SecretBox(masterKey(config, dataDir));
  const adminTokenNote = await ensureAdminToken(config, store, dataDir);

  const dispatcher = config.role === 'api' ? null : new Dispatcher({ store, clock: systemClock, config, secretBox, logger: logger.child({ part: 'dispatch' }) });
  const api =
    config.role === 'worker'
      ? null
      : buildApp({ config, store, clock: systemClock, secretBox, logger: logger.child({ part: 'api' }), onDeliveriesQueued: () => dispatcher?.notify() });

  let url: string | null = null;
  if (api) {
    const address = await api.listen({ host: config.host, port: config.port });
    url = address;
  }
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
    logger.info('stopped');
    process.exit(0);
  };
  process.on('SIGTERM', () => void stop('SIGTERM'));
  process.on('SIGINT', () => void stop('SIGINT'));
}

async function openStore(config: Config, dataDir: string): Promise<Store> {
  if (config.databaseUrl !== null) {
    throw new ConfigError(['HERALD_DATABASE_URL: the PostgreSQL store is not available in this version; unset it to use the embedded SQLite store']);
  }
  return openSqliteStore({ path: join(dataDir, 'herald.db'), ownsDelivery: config.role !== 'api' });
}

/** The key that encrypts endpoint secrets: from the config, or generated once into the data dir. */
function masterKey(config: Config, dataDir: string): Buffer {
  if (config.masterKey !== null) return Buffer.from(config.masterKey, config.masterKey.length === 64 ? 'hex' : 'base64');
  const path = join(dataDir, 'master.key');
  if (!existsSync(path)) writeFileSync(path, randomBytes(32).toString('hex') + '\n', { mode: 0o600, flag: 'wx' });
  return Buffer.from(readFileSync(path, 'utf8').trim(), 'hex');
}

/**
 * The admin token is stored hashed. Given in the environment, its hash replaces the stored one;
 * otherwise one is generated on first start, printed once and written to `<data>/admin-token`.
 */
async function ensureAdminToken(config: Config, store: Store, dataDir: string): Promise<string> {
  if (config.adminToken !== null) {
    await store.settingPut({ key: adminTokenHashSetting, value: hashToken(config.adminToken) });
    return 'admin token: the value of HERALD_ADMIN_TOKEN';
  }
  const path = join(dataDir, 'admin-token');
  if ((await store.settingGet({ key: adminTokenHashSetting })) !== null) {
    return existsSync(path) ? `admin token: in ${path}` : 'admin token: as printed on first start (set HERALD_ADMIN_TOKEN to replace it)';
  }
  const token = generateToken(adminTokenPrefix);
  writeFileSync(path, token + '\n', { mode: 0o600 });
  await store.settingPut({ key: adminTokenHashSetting, value: hashToken(token) });
  return `admin token (shown once, also saved to ${path}): ${token}`;
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
  if (err instanceof ConfigError) {
    process.stderr.write(`${err.message}\n`);
    process.exit(2);
  }
  process.stderr.write(`Herald failed to start: ${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
});

