import { isIP } from 'node:net';
import { readFileSync } from 'node:fs';
import { Type, type TSchema } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';

/**
 * Herald's settings: one row per key (file key, environment variable, default, schema, doc line).
 * Precedence: defaults ← `herald.config.json` (path in HERALD_CONFIG) ← HERALD_* environment.
 * `loadConfig` is pure and is the only reader of the environment (main.ts passes process.env).
 * The README's configuration table is checked against these rows by `src/config.test.ts`.
 */
interface Row {
  key: keyof RawConfig;
  env: string;
  default: unknown;
  schema: TSchema;
  kind: 'string' | 'integer' | 'list' | 'boolean';
  doc: string;
  fix: string;
}

const loopbackNetworks = ['127.0.0.0/8', '::1/128'];
export const retryScheduleDefault = [5, 300, 1800, 7200, 18000, 36000, 36000];

const port = Type.Integer({ minimum: 0, maximum: 65535 });
const positive = Type.Integer({ minimum: 1 });

export const configRows: Row[] = [
  { key: 'host', env: 'HERALD_HOST', default: '127.0.0.1', schema: Type.String({ minLength: 1 }), kind: 'string', doc: 'where the API, console and metrics listen', fix: 'an IP address or hostname, e.g. 127.0.0.1' },
  { key: 'port', env: 'HERALD_PORT', default: 8070, schema: port, kind: 'integer', doc: 'TCP port (0 picks a free one)', fix: 'an integer from 0 to 65535' },
  { key: 'dataDir', env: 'HERALD_DATA_DIR', default: './.herald', schema: Type.String({ minLength: 1 }), kind: 'string', doc: 'embedded database and generated keys', fix: 'a writable directory path' },
  { key: 'databaseUrl', env: 'HERALD_DATABASE_URL', default: null, schema: Type.Union([Type.String({ pattern: '^postgres(ql)?://' }), Type.Null()]), kind: 'string', doc: '`postgres://…` switches storage to PostgreSQL', fix: 'a postgres:// URL, or unset for SQLite' },
  { key: 'databasePoolSize', env: 'HERALD_DATABASE_POOL_SIZE', default: 10, schema: Type.Integer({ minimum: 1, maximum: 1000 }), kind: 'integer', doc: 'PostgreSQL connections per process', fix: 'an integer from 1 to 1000' },
  { key: 'databaseStatementTimeoutMs', env: 'HERALD_DATABASE_STATEMENT_TIMEOUT_MS', default: 30_000, schema: Type.Integer({ minimum: 100, maximum: 3_600_000 }), kind: 'integer', doc: 'PostgreSQL statement timeout; a statement past it fails with 503', fix: 'milliseconds from 100 to 3600000' },
  { key: 'deliveryLeaseMs', env: 'HERALD_DELIVERY_LEASE_MS', default: 120_000, schema: Type.Integer({ minimum: 3_000, maximum: 3_600_000 }), kind: 'integer', doc: 'how long a worker holds a delivery it claimed; a killed worker\'s deliveries go out again once their leases end (and caps a request\'s timeout at two thirds of it)', fix: 'milliseconds from 3000 to 3600000' },
  { key: 'adminToken', env: 'HERALD_ADMIN_TOKEN', default: null, schema: Type.Union([Type.String({ minLength: 16 }), Type.Null()]), kind: 'string', doc: 'organisation-wide API token; generated on first start, printed once, written to `<data>/admin-token` (0600) and stored hashed', fix: 'at least 16 characters, or unset to generate one' },
  { key: 'masterKey', env: 'HERALD_MASTER_KEY', default: null, schema: Type.Union([Type.String({ pattern: '^([0-9a-fA-F]{64}|[A-Za-z0-9+/]{43}=)$' }), Type.Null()]), kind: 'string', doc: 'encrypts endpoint secrets at rest; generated into the data dir for SQLite', fix: '32 bytes as 64 hex characters or 44 base64 characters (`openssl rand -hex 32`)' },
  { key: 'role', env: 'HERALD_ROLE', default: 'all', schema: Type.Union([Type.Literal('api'), Type.Literal('worker'), Type.Literal('all')]), kind: 'string', doc: '`api`, `worker` or `all`', fix: 'one of api, worker, all' },
  { key: 'retrySchedule', env: 'HERALD_RETRY_SCHEDULE', default: retryScheduleDefault, schema: Type.Array(Type.Integer({ minimum: 0, maximum: 86400 }), { maxItems: 50 }), kind: 'list', doc: 'default delays in seconds between attempts', fix: 'comma-separated whole seconds (each ≤ 86400), e.g. 5,300,1800' },
  { key: 'allowedNetworks', env: 'HERALD_ALLOWED_NETWORKS', default: null, schema: Type.Union([Type.Array(Type.String()), Type.Null()]), kind: 'list', doc: 'CIDRs exempt from the private-network block; unset: loopback when bound to loopback, else none; empty: none', fix: 'comma-separated CIDRs such as 10.0.0.0/8,::1/128' },
  { key: 'dnsServers', env: 'HERALD_DNS_SERVERS', default: null, schema: Type.Union([Type.Array(Type.String()), Type.Null()]), kind: 'list', doc: 'DNS servers that resolve endpoint hostnames (A and AAAA, asked directly); unset: the system resolver, /etc/hosts included', fix: 'comma-separated addresses with an optional port, e.g. 10.0.0.2,127.0.0.1:5353,[::1]:53' },
  { key: 'maxPayloadBytes', env: 'HERALD_MAX_PAYLOAD_BYTES', default: 1_048_576, schema: positive, kind: 'integer', doc: 'larger request bodies get 413', fix: 'a positive integer number of bytes' },
  { key: 'maxJsonDepth', env: 'HERALD_MAX_JSON_DEPTH', default: 64, schema: Type.Integer({ minimum: 2, maximum: 1000 }), kind: 'integer', doc: 'deepest nesting accepted in a payload', fix: 'an integer from 2 to 1000' },
  { key: 'apiRateLimit', env: 'HERALD_API_RATE_LIMIT', default: 10_000, schema: Type.Integer({ minimum: 0, maximum: 1_000_000 }), kind: 'integer', doc: 'API requests per second per token (a burst of one second\'s worth); more get 429 with `Retry-After`; 0: no limit', fix: 'an integer from 0 to 1000000' },
  { key: 'retentionDays', env: 'HERALD_RETENTION_DAYS', default: 30, schema: positive, kind: 'integer', doc: 'payloads and attempts older than this are purged', fix: 'a positive whole number of days' },
  { key: 'autoDisableAfterDays', env: 'HERALD_AUTO_DISABLE_AFTER_DAYS', default: 5, schema: Type.Integer({ minimum: 0, maximum: 365 }), kind: 'integer', doc: 'an endpoint whose every attempt failed for this many days is disabled (and `endpoint.disabled` sent); 0 never disables', fix: 'a whole number of days from 0 to 365' },
  { key: 'metricsPublic', env: 'HERALD_METRICS_PUBLIC', default: false, schema: Type.Boolean(), kind: 'boolean', doc: '`GET /metrics` without a token (for a scraper on a trusted network); otherwise it takes the admin token', fix: 'true or false' },
  { key: 'metricsPort', env: 'HERALD_METRICS_PORT', default: null, schema: Type.Union([port, Type.Null()]), kind: 'integer', doc: 'also serve `GET /metrics` and `GET /api/v1/health`, nothing else, on this port (0 picks a free one): how `HERALD_ROLE=worker` processes, which serve no API, are scraped', fix: 'an integer from 0 to 65535, or unset' },
  { key: 'publicUrl', env: 'HERALD_PUBLIC_URL', default: null, schema: Type.Union([Type.String({ pattern: '^https?://' }), Type.Null()]), kind: 'string', doc: 'absolute base URL for links Herald hands out (app portal); default: the scheme and `Host` of the request', fix: 'an http(s):// URL' },
  { key: 'logLevel', env: 'HERALD_LOG_LEVEL', default: 'info', schema: Type.Union(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].map((l) => Type.Literal(l))), kind: 'string', doc: 'log verbosity', fix: 'one of fatal, error, warn, info, debug, trace, silent' },
];

interface RawConfig {
  host: string;
  port: number;
  dataDir: string;
  databaseUrl: string | null;
  databasePoolSize: number;
  databaseStatementTimeoutMs: number;
  deliveryLeaseMs: number;
  adminToken: string | null;
  masterKey: string | null;
  role: 'api' | 'worker' | 'all';
  retrySchedule: number[];
  allowedNetworks: string[] | null;
  dnsServers: string[] | null;
  maxPayloadBytes: number;
  maxJsonDepth: number;
  apiRateLimit: number;
  retentionDays: number;
  autoDisableAfterDays: number;
  metricsPublic: boolean;
  metricsPort: number | null;
  publicUrl: string | null;
  logLevel: string;
}

export interface Config extends Readonly<Omit<RawConfig, 'allowedNetworks'>> {
  /** Resolved: never null. */
  readonly allowedNetworks: readonly string[];
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Herald's configuration is invalid:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}


function fromEnv(row: Row, text: string): unknown {
  if (row.kind === 'integer') return /^-?\d+$/.test(text.trim()) ? Number(text.trim()) : text;
  if (row.kind === 'boolean') return text.trim() === 'true' ? true : text.trim() === 'false' ? false : text;
  if (row.kind === 'list') {
    const items = text.split(',').map((s) => s.trim()).filter((s) => s !== '');
    return row.key === 'retrySchedule' ? items.map((s) => (/^\d+$/.test(s) ? Number(s) : s)) : items;
  }
  return text;
}

/** `HERALD_DNS_SERVERS` entries: an IP address, `a.b.c.d:port` or `[v6]:port`. */
function dnsServerProblem(server: string): string | null {
  const m = /^\[([^\]]+)\]:(\d+)$/.exec(server) ?? /^([^:]+):(\d+)$/.exec(server) ?? [server, server, '53'];
  const [, address = '', port = ''] = m;
  return isIP(address) && Number(port) >= 1 && Number(port) <= 65535 ? null : `"${server}" is not a DNS server address`;
}

function cidrProblem(cidr: string): string | null {
  const [address, bits, extra] = cidr.split('/');
  const family = isIP(address ?? '');
  const max = family === 6 ? 128 : 32;
  if (!family || extra !== undefined || (bits !== undefined && !(/^\d+$/.test(bits) && Number(bits) <= max))) {
    return `"${cidr}" is not a CIDR`;
  }
  return null;
}

/** Rules that join two keys: PostgreSQL is what lets processes split roles and share secrets. */
function crossFieldProblems(c: RawConfig): string[] {
  const problems: string[] = [];
  if (c.databaseUrl === null && c.role !== 'all') {
    problems.push(`HERALD_ROLE: "${c.role}" needs the PostgreSQL store (HERALD_DATABASE_URL); with the embedded SQLite store one process does both, so use "all"`);
  }
  if (c.databaseUrl !== null && c.masterKey === null) {
    problems.push('HERALD_MASTER_KEY: required with HERALD_DATABASE_URL, since every process must seal secrets with the same key; generate one with `openssl rand -hex 32`');
  }
  return problems;
}

const loopbackHosts = new Set(['127.0.0.1', 'localhost', '::1']);

/**
 * Builds the configuration from the environment and the optional config file's text. Throws a
 * `ConfigError` naming every bad key, the value given and what would fix it.
 */
export function loadConfig(env: NodeJS.ProcessEnv, fileText: string | null = null, fileName = 'herald.config.json'): Config {
  const problems: string[] = [];
  let file: Record<string, unknown> = {};
  if (fileText !== null) {
    try {
      const parsed: unknown = JSON.parse(fileText);
      if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new Error('not an object');
      file = parsed as Record<string, unknown>;
    } catch (err) {
      problems.push(`${fileName}: not a JSON object (${(err as Error).message}); fix the file or unset HERALD_CONFIG`);
    }
  }
  const known = new Set(configRows.map((r) => r.key as string));
  for (const key of Object.keys(file)) {
    if (!known.has(key)) problems.push(`${fileName}: unknown key "${key}"; known keys: ${[...known].join(', ')}`);
  }
  const raw: Record<string, unknown> = {};
  for (const row of configRows) {
    const envText = env[row.env];
    const [value, source] =
      envText !== undefined ? [fromEnv(row, envText), row.env] : row.key in file ? [file[row.key], `${fileName} "${row.key}"`] : [row.default, 'default'];
    if (!Value.Check(row.schema, value)) {
      problems.push(`${source}: ${JSON.stringify(value)} is not valid; expected ${row.fix}`);
      continue;
    }
    const itemProblem = row.key === 'allowedNetworks' ? cidrProblem : row.key === 'dnsServers' ? dnsServerProblem : null;
    if (itemProblem && Array.isArray(value)) {
      for (const item of value as string[]) {
        const problem = itemProblem(item);
        if (problem) problems.push(`${source}: ${problem}; expected ${row.fix}`);
      }
    }
    raw[row.key] = value;
  }
  if (problems.length === 0) problems.push(...crossFieldProblems(raw as unknown as RawConfig));
  if (problems.length > 0) throw new ConfigError(problems);
  const config = raw as unknown as RawConfig;
  const allowedNetworks = config.allowedNetworks ?? (loopbackHosts.has(config.host) || config.host.startsWith('127.') ? loopbackNetworks : []);
  const publicUrl = config.publicUrl?.replace(/\/+$/, '') ?? null;
  return Object.freeze({ ...config, allowedNetworks, publicUrl });
}

/** Reads `HERALD_CONFIG` (or `./herald.config.json` when present) and the environment. */
export function loadConfigFromProcess(env: NodeJS.ProcessEnv = process.env): Config {
  const explicit = env.HERALD_CONFIG;
  const path = explicit ?? 'herald.config.json';
  let text: string | null = null;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    if (explicit !== undefined) throw new ConfigError([`HERALD_CONFIG: cannot read ${path} (${(err as NodeJS.ErrnoException).code}); fix the path or unset it`]);
  }
  return loadConfig(env, text, path);
}
