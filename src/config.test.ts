import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ConfigError, configRows, loadConfig, retryScheduleDefault } from './config.js';

function problemsOf(fn: () => unknown): string[] {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as ConfigError).problems;
  }
  throw new Error('expected a ConfigError');
}

describe('loadConfig', () => {
  it('uses the documented defaults when nothing is set', () => {
    const config = loadConfig({});
    expect(config.host).toBe('127.0.0.1');
    expect(config.port).toBe(8070);
    expect(config.dataDir).toBe('./.herald');
    expect(config.databaseUrl).toBeNull();
    expect(config.adminToken).toBeNull();
    expect(config.role).toBe('all');
    expect(config.retrySchedule).toEqual(retryScheduleDefault);
    expect(config.retrySchedule).toEqual([5, 300, 1800, 7200, 18000, 36000, 36000]);
    expect(config.maxPayloadBytes).toBe(1_048_576);
    expect(config.retentionDays).toBe(30);
    expect(Object.isFrozen(config)).toBe(true);
  });

  it('lets the file override defaults and the environment override the file', () => {
    const file = JSON.stringify({ port: 9000, retentionDays: 7, role: 'worker', databaseUrl: 'postgres://db/herald', masterKey: 'ab'.repeat(32) });
    const fromFile = loadConfig({}, file);
    expect(fromFile.port).toBe(9000);
    expect(fromFile.retentionDays).toBe(7);
    expect(fromFile.role).toBe('worker');

    const both = loadConfig({ HERALD_PORT: '9100', HERALD_RETRY_SCHEDULE: '1, 2,3' }, file);
    expect(both.port).toBe(9100);
    expect(both.retentionDays).toBe(7);
    expect(both.retrySchedule).toEqual([1, 2, 3]);
  });

  it('refuses split roles without PostgreSQL, and PostgreSQL without a master key', () => {
    expect(problemsOf(() => loadConfig({ HERALD_ROLE: 'api' }))).toEqual([expect.stringMatching(/^HERALD_ROLE: .*HERALD_DATABASE_URL/)]);
    expect(problemsOf(() => loadConfig({ HERALD_DATABASE_URL: 'postgres://db/herald' }))).toEqual([expect.stringMatching(/^HERALD_MASTER_KEY: required/)]);
    expect(loadConfig({ HERALD_DATABASE_URL: 'postgres://db/herald', HERALD_MASTER_KEY: 'ab'.repeat(32), HERALD_ROLE: 'api' }).role).toBe('api');
  });

  it('names the variable, the bad value and the fix', () => {
    const [problem, ...rest] = problemsOf(() => loadConfig({ HERALD_PORT: 'eighty' }));
    expect(rest).toEqual([]);
    expect(problem).toContain('HERALD_PORT');
    expect(problem).toContain('eighty');
    expect(problem).toContain('an integer from 0 to 65535');
  });

  it('names the file key when the bad value comes from the file', () => {
    const [problem] = problemsOf(() => loadConfig({}, JSON.stringify({ role: 'everything' }), 'my.json'));
    expect(problem).toContain('my.json');
    expect(problem).toContain('"role"');
    expect(problem).toContain('one of api, worker, all');
  });

  it('does not coerce types in the file', () => {
    const [problem] = problemsOf(() => loadConfig({}, JSON.stringify({ port: '8080' })));
    expect(problem).toContain('"port"');
  });

  it('lists every problem at once', () => {
    const problems = problemsOf(() =>
      loadConfig(
        {
          HERALD_PORT: '70000',
          HERALD_ROLE: 'boss',
          HERALD_RETRY_SCHEDULE: '5,soon',
          HERALD_MAX_PAYLOAD_BYTES: '0',
          HERALD_ALLOWED_NETWORKS: '10.0.0.0/8,not-a-cidr',
          HERALD_DATABASE_URL: 'mysql://x',
        },
        JSON.stringify({ colour: 'blue' }),
      ),
    );
    const joined = problems.join('\n');
    for (const name of ['HERALD_PORT', 'HERALD_ROLE', 'HERALD_RETRY_SCHEDULE', 'HERALD_MAX_PAYLOAD_BYTES', 'HERALD_ALLOWED_NETWORKS', 'HERALD_DATABASE_URL', 'colour']) {
      expect(joined).toContain(name);
    }
    expect(problems.length).toBe(7);
    expect(joined).toContain('not-a-cidr');
  });

  it('rejects a config file that is not a JSON object', () => {
    expect(problemsOf(() => loadConfig({}, '[1,2]'))[0]).toContain('not a JSON object');
    expect(problemsOf(() => loadConfig({}, '{port: 1'))[0]).toContain('not a JSON object');
  });

  it('exempts loopback from the private-network block only while bound to loopback', () => {
    expect(loadConfig({}).allowedNetworks).toEqual(['127.0.0.0/8', '::1/128']);
    expect(loadConfig({ HERALD_HOST: 'localhost' }).allowedNetworks).toEqual(['127.0.0.0/8', '::1/128']);
    expect(loadConfig({ HERALD_HOST: '0.0.0.0' }).allowedNetworks).toEqual([]);
    expect(loadConfig({ HERALD_HOST: '192.0.2.10' }).allowedNetworks).toEqual([]);
  });

  it('treats an explicitly empty HERALD_ALLOWED_NETWORKS as "exempt nothing", even on loopback', () => {
    expect(loadConfig({ HERALD_ALLOWED_NETWORKS: '' }).allowedNetworks).toEqual([]);
    expect(loadConfig({ HERALD_HOST: '0.0.0.0', HERALD_ALLOWED_NETWORKS: '10.0.0.0/8, fd00::/8' }).allowedNetworks).toEqual([
      '10.0.0.0/8',
      'fd00::/8',
    ]);
  });
});

describe('delivery and API limits', () => {
  it('takes DNS servers as addresses with optional ports, and names a bad one', () => {
    expect(loadConfig({}).dnsServers).toBeNull();
    expect(loadConfig({ HERALD_DNS_SERVERS: '10.0.0.2, 127.0.0.1:5353,[::1]:53,::1' }).dnsServers).toEqual(['10.0.0.2', '127.0.0.1:5353', '[::1]:53', '::1']);
    const [problem, ...rest] = problemsOf(() => loadConfig({ HERALD_DNS_SERVERS: '10.0.0.2,dns.example:53,127.0.0.1:99999' }));
    expect(problem).toContain('"dns.example:53" is not a DNS server address');
    expect(rest[0]).toContain('"127.0.0.1:99999"');
  });

  it('limits each API token to 10000 requests per second unless told otherwise; 0 turns it off', () => {
    expect(loadConfig({}).apiRateLimit).toBe(10_000);
    expect(loadConfig({ HERALD_API_RATE_LIMIT: '0' }).apiRateLimit).toBe(0);
    expect(problemsOf(() => loadConfig({ HERALD_API_RATE_LIMIT: '-1' }))[0]).toContain('HERALD_API_RATE_LIMIT');
  });
});

describe('README configuration table', () => {
  const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
  const section = readme.slice(readme.indexOf('## Configuration'));
  const tableRows = section
    .split('\n')
    .filter((line) => line.startsWith('| `HERALD_'))
    .map((line) => line.split('|').map((cell) => cell.trim()));
  const documented = new Map(tableRows.map((cells) => [cells[1]!.replace(/`/g, ''), cells]));

  it('lists every configuration variable with its default', () => {
    for (const row of configRows) {
      const cells = documented.get(row.env);
      expect(cells, `README is missing ${row.env}`).toBeDefined();
      const shown = row.default === null ? 'unset' : Array.isArray(row.default) ? row.default.join(',') : String(row.default);
      expect(cells![2], `README default of ${row.env}`).toContain(shown);
    }
  });

  it('lists no variable that Herald does not read', () => {
    const known = new Set(configRows.map((r) => r.env));
    for (const name of documented.keys()) expect(known.has(name), `${name} is not in configRows`).toBe(true);
  });
});
