import { randomBytes } from 'node:crypto';
import { createPostgresTestDatabase, type PostgresTestDatabase } from './open-test-store.js';
import { startHerald, type HeraldProcess } from './server.js';

export interface HeraldCluster {
  database: PostgresTestDatabase;
  apis: HeraldProcess[];
  workers: HeraldProcess[];
  /** The admin token every process accepts. */
  token: string;
  /** Stops every process (SIGTERM, then SIGKILL after 10 s); the database stays. */
  stopProcesses(): Promise<void>;
  /** Stops every process and drops the database. */
  stop(): Promise<void>;
}

export interface HeraldClusterOptions {
  apis: number;
  workers: number;
  /** More HERALD_* settings for every process. */
  env?: Record<string, string>;
  /** Connect through this URL instead of the database's own (a `TcpProxy` in front of it). */
  databaseUrl?: (database: PostgresTestDatabase) => string;
}

/**
 * Herald scaled out as DESIGN §6 describes it: `HERALD_ROLE=api` and `HERALD_ROLE=worker`
 * processes (real `node dist/main.js` children) sharing one fresh PostgreSQL database, one master
 * key and one admin token. They start at once, so they also race on the migrations.
 */
export async function startHeraldCluster(options: HeraldClusterOptions): Promise<HeraldCluster> {
  const database = await createPostgresTestDatabase();
  const token = `e2e_${randomBytes(18).toString('base64url')}`;
  const masterKey = randomBytes(32).toString('hex');
  const env = (role: 'api' | 'worker'): Record<string, string> => ({
    HERALD_DATABASE_URL: options.databaseUrl?.(database) ?? database.url,
    HERALD_DATABASE_POOL_SIZE: '4',
    HERALD_MASTER_KEY: masterKey,
    HERALD_ADMIN_TOKEN: token,
    HERALD_LOG_LEVEL: 'warn',
    ...options.env,
    HERALD_ROLE: role,
  });
  const started = await Promise.allSettled([
    ...Array.from({ length: options.apis }, () => startHerald({ env: env('api') })),
    ...Array.from({ length: options.workers }, () => startHerald({ env: env('worker') })),
  ]);
  const processes = started.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
  const stopProcesses = async () => {
    await Promise.all(processes.map((p) => p.stop()));
  };
  const stop = async () => {
    await stopProcesses();
    await database.drop();
  };
  const failed = started.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) {
    await stop();
    throw failed.reason;
  }
  return { database, apis: processes.slice(0, options.apis), workers: processes.slice(options.apis), token, stopProcesses, stop };
}
