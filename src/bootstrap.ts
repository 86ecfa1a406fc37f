import { createHmac, randomBytes } from 'node:crypto';
import { closeSync, existsSync, openSync, readFileSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import type { Config } from './config.js';
import { adminTokenHashSetting, adminTokenPrefix, generateToken, hashToken } from './domain/tokens.js';
import type { Store } from './store/driver.js';

/**
 * What `main.ts` sets up before serving: the data-dir lock, the master key and the admin token.
 * Each refuses to start with a message that says what to do, rather than run in a state that
 * would lose or mis-sign messages.
 */
export class StartupError extends Error {}

/**
 * With SQLite one process owns the data dir (DESIGN §6). A second Herald on the same dir would
 * release the first one's in-flight deliveries at open and send them twice, so it is refused.
 * The lock file holds the owner's pid; a lock left by a killed process (pid gone) is taken over.
 */
export function lockDataDir(dataDir: string): () => void {
  const path = join(dataDir, 'herald.lock');
  for (let tries = 0; tries < 2; tries++) {
    try {
      const fd = openSync(path, 'wx', 0o600);
      writeSync(fd, String(process.pid));
      closeSync(fd);
      return () => rmSync(path, { force: true });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const pid = Number(readFileSync(path, 'utf8').trim());
      if (Number.isInteger(pid) && pid > 0 && pid !== process.pid && processAlive(pid)) {
        throw new StartupError(`another Herald (pid ${pid}) is using ${dataDir}; stop it, or give this one its own HERALD_DATA_DIR`);
      }
      rmSync(path, { force: true });
    }
  }
  throw new StartupError(`cannot lock ${path}; remove it if no Herald is running`);
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

const masterKeyCheckSetting = 'master_key_check';

/**
 * The key that seals endpoint secrets: from HERALD_MASTER_KEY, or `<data>/master.key`, generated
 * only for a new database. A fingerprint (HMAC of a constant) is stored on first start; starting
 * with another key is refused, because every secret would be unreadable and every delivery would
 * fail unsent.
 */
export async function loadMasterKey(config: Config, store: Store, dataDir: string): Promise<Buffer> {
  const path = join(dataDir, 'master.key');
  const stored = await store.settingGet({ key: masterKeyCheckSetting });
  let key: Buffer;
  if (config.masterKey !== null) key = Buffer.from(config.masterKey, config.masterKey.length === 64 ? 'hex' : 'base64');
  else if (existsSync(path)) key = Buffer.from(readFileSync(path, 'utf8').trim(), 'hex');
  else if (stored !== null) {
    throw new StartupError(`${path} is missing but this database's endpoint secrets were sealed with it; restore the file or set HERALD_MASTER_KEY to the original key`);
  } else {
    key = randomBytes(32);
    writeFileSync(path, key.toString('hex') + '\n', { mode: 0o600, flag: 'wx' });
  }
  if (key.length !== 32) throw new StartupError(`${config.masterKey !== null ? 'HERALD_MASTER_KEY' : path} must hold 32 bytes (64 hex characters)`);
  const fingerprint = createHmac('sha256', key).update('herald master key check').digest('hex');
  if (stored === null) await store.settingPut({ key: masterKeyCheckSetting, value: fingerprint });
  else if (stored !== fingerprint) {
    throw new StartupError(
      `the master key (${config.masterKey !== null ? 'HERALD_MASTER_KEY' : path}) is not the one this database's endpoint secrets were sealed with; use the original key`,
    );
  }
  return key;
}

/**
 * The admin token is stored hashed. Given in the environment, its hash replaces the stored one;
 * otherwise one is generated on first start, printed once and written to `<data>/admin-token`.
 * Returns the line to print about it.
 */
export async function ensureAdminToken(config: Config, store: Store, dataDir: string): Promise<string> {
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
