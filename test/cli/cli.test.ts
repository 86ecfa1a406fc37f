import { mkdtempSync, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cliEnv, runCli } from '../helpers/cli.js';
import { call, useHerald, waitFor } from '../helpers/server.js';

// Each command is a process start (about a second on a loaded 2-core machine).
const slow = 120_000;

/** The real `herald` binary against a real Herald: tables, --json, exit codes, errors. */
describe('herald CLI', () => {
  const e2e = useHerald();
  const env = () => cliEnv({ HERALD_URL: e2e.herald.url, HERALD_TOKEN: e2e.herald.token });
  const cli = async (args: string[], input?: string) => runCli(args, { env: env(), input });
  const json = async (args: string[], input?: string) => {
    const res = await cli(['--json', ...args], input);
    expect(res.code, res.stderr).toBe(0);
    return JSON.parse(res.stdout);
  };

  it('apps: create and list as a table and as JSON', async () => {
    const created = await cli(['app', 'create', 'Acme Corp', '--uid', 'acme']);
    expect(created.code, created.stderr).toBe(0);
    expect(created.stdout).toMatch(/^ID\s+app_\w{27}\nUID\s+acme\nNAME\s+Acme Corp\nCREATED\s+\d{4}-/);
    const table = await cli(['apps', 'list']);
    expect(table.stdout.split('\n')[0]).toMatch(/^ID\s+UID\s+NAME\s+CREATED$/);
    expect(table.stdout).toMatch(/app_\w{27}\s+acme\s+Acme Corp/);
    const page = await json(['app', 'list']);
    expect(page).toMatchObject({ done: true, data: [{ uid: 'acme', name: 'Acme Corp' }] });
    expect((await json(['app', 'get', 'acme'])).uid).toBe('acme');
  }, slow);

  it('event types: catalog install per profile with progress, and list', async () => {
    const imported = await cli(['event-type', 'import', 'paradym']);
    expect(imported.code, imported.stderr).toBe(0);
    expect(imported.stdout).toBe('paradym: created 6, updated 0, unchanged 0, skipped 0\n');
    expect(imported.stderr).toMatch(/✓ installing the paradym catalog \(\d+\.\d s\)/);
    expect(await json(['event-type', 'import', 'paradym'])).toMatchObject({ profile: 'paradym', created: [] });
    const list = await cli(['event-types', 'list']);
    expect(list.stdout).toMatch(/^NAME\s+DESCRIPTION\s+DEPRECATED\s+ARCHIVED\n/);
    expect(list.stdout).toMatch(/workflowExecution\.completed\s+Event dispatched when a workflow finishes .*\s+false\s+false\n/);
  }, slow);

  it('endpoints, messages (argument, file, stdin) and attempts', async () => {
    const receiver = await e2e.receiver();
    await json(['app', 'create', 'Flow', '--uid', 'flow']);
    const ep = await json(['endpoint', 'create', 'flow', receiver.url, '--uid', 'main', '--description', 'main hook']);
    expect(ep).toMatchObject({ uid: 'main', url: receiver.url, profile: 'standard' });
    expect((await cli(['endpoints', 'list', 'flow'])).stdout).toMatch(new RegExp(`^ID\\s+UID\\s+URL\\s+PROFILE\\s+DISABLED\\s+FILTER TYPES\\n${ep.id}\\s+main\\s+http://127`));
    expect((await cli(['endpoint', 'secret', 'flow', 'main'])).stdout).toMatch(/^whsec_[A-Za-z0-9+/=]+\n$/);

    const byArg = await json(['message', 'send', 'flow', 'order.paid', '{"n":1}']);
    const file = join(mkdtempSync(join(tmpdir(), 'herald-cli-')), 'payload.json');
    writeFileSync(file, '{"n":2}');
    const byFile = await json(['message', 'send', 'flow', 'order.paid', '--file', file, '--event-id', 'evt-2']);
    const byStdin = await json(['messages', 'send', 'flow', 'order.paid', '-'], '{"n":3}');
    expect([byArg.payload, byFile.payload, byStdin.payload]).toEqual([{ n: 1 }, { n: 2 }, { n: 3 }]);
    expect(byFile.eventId).toBe('evt-2');
    await waitFor('three deliveries', async () => receiver.requests.length >= 3);

    const messages = await cli(['message', 'list', 'flow']);
    expect(messages.stdout).toMatch(/^ID\s+EVENT TYPE\s+EVENT ID\s+TIMESTAMP\n/);
    expect(messages.stdout.trim().split('\n')).toHaveLength(4);
    await waitFor('three recorded attempts', async () => (await call(e2e.herald, 'GET', '/app/flow/attempt/endpoint/main')).json?.data?.length === 3);
    const attempts = await cli(['attempts', 'list', 'flow', '--msg', byArg.id]);
    expect(attempts.stdout).toMatch(new RegExp(`^ID\\s+MESSAGE\\s+ENDPOINT\\s+STATUS\\s+HTTP\\s+MS\\s+TRIGGER\\s+TIMESTAMP\\natmpt_\\w{27}\\s+${byArg.id}\\s+${ep.id}\\s+success\\s+200\\s+\\d+\\s+scheduled`));
    expect((await json(['attempt', 'list', 'flow', '--endpoint', 'main'])).data).toHaveLength(3);

    // resend, recover (every endpoint, with a progress bar) and replay.
    expect((await cli(['resend', 'flow', byArg.id, 'main'])).stdout).toBe(`resend of ${byArg.id} to main queued\n`);
    await waitFor('the resend', async () => receiver.requests.length >= 4);
    const recovered = await cli(['recover', 'flow', '--since', '1h']);
    expect(recovered.code, recovered.stderr).toBe(0);
    expect(recovered.stdout).toMatch(/^recover: 0 message\(s\) queued again for 1 endpoint\(s\) since \d{4}-/);
    expect(recovered.stderr).toMatch(/\[#{20}\] 1\/1 endpoints \(recover\)/);
    expect(await json(['replay', 'flow', 'main', '--since', '2h'])).toMatchObject({ messagesSent: 0, tasks: [{ endpoint: 'main', task: { status: 'finished' } }] });
  }, slow);

  it('refuses bad flags and arguments with exit code 2', async () => {
    const unknown = await cli(['app', 'list', '--bogus']);
    expect([unknown.code, unknown.stderr]).toEqual([2, expect.stringMatching(/unknown option '--bogus'/)]);
    expect((await cli(['endpoint', 'create', 'flow'])).code).toBe(2);
    const neither = await cli(['attempt', 'list', 'flow']);
    expect([neither.code, neither.stderr]).toEqual([2, 'herald: give exactly one of --msg <message> or --endpoint <endpoint>\n']);
    const badJson = await cli(['message', 'send', 'flow', 'x', '{nope']);
    expect([badJson.code, badJson.stderr]).toEqual([2, expect.stringMatching(/^herald: the payload is not valid JSON/)]);
    expect((await cli(['recover', 'flow', '--since', 'last tuesday'])).code).toBe(2);
    expect((await cli([])).code).toBe(2);
    expect((await cli(['--help'])).code).toBe(0);
  }, slow);

  it('maps API answers to exit codes: 4 unauthorised, 5 not found, 6 refused input', async () => {
    const badToken = await runCli(['app', 'list'], { env: cliEnv({ HERALD_URL: e2e.herald.url, HERALD_TOKEN: 'nope' }) });
    expect([badToken.code, badToken.stderr]).toEqual([4, expect.stringMatching(/^herald: GET \/app: 401 \w+: invalid token\n$/)]);
    const missing = await cli(['app', 'get', 'no-such-app']);
    expect([missing.code, missing.stderr]).toEqual([5, expect.stringMatching(/404 not_found: application no-such-app not found/)]);
    const invalid = await cli(['endpoint', 'create', 'acme', 'ftp://example.com/x']);
    expect([invalid.code, invalid.stderr]).toEqual([6, expect.stringMatching(/422 body\.url: endpoint URLs must use http: or https:/)]);
  });

  it('says clearly when Herald cannot be reached (exit 3)', async () => {
    const server = createServer();
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    const closed = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    await new Promise((r) => server.close(r));
    const res = await runCli(['--url', closed, 'app', 'list'], { env: cliEnv() });
    expect(res.code).toBe(3);
    expect(res.stderr).toBe(`herald: cannot reach Herald at ${closed} (ECONNREFUSED). Is it running (herald start)? Set --url, HERALD_URL or herald login.\n`);
  });

  it('login checks the token and saves url and token (0600) for later commands', async () => {
    const loginEnv = cliEnv();
    const wrong = await runCli(['login', '--url', e2e.herald.url, '--token', 'wrong'], { env: loginEnv });
    expect(wrong.code).toBe(4);
    const ok = await runCli(['login', '--url', e2e.herald.url, '--token', e2e.herald.token], { env: loginEnv });
    expect(ok.code, ok.stderr).toBe(0);
    expect(ok.stdout).toBe(`logged in to ${e2e.herald.url}; saved to ${loginEnv.HERALD_CLI_CONFIG}\n`);
    expect(statSync(loginEnv.HERALD_CLI_CONFIG!).mode & 0o777).toBe(0o600);
    const after = await runCli(['--json', 'app', 'get', 'acme'], { env: loginEnv });
    expect(JSON.parse(after.stdout).uid).toBe('acme');
  }, slow);
});

describe('herald migrate', () => {
  it('applies the migrations to a data dir and exits 0', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'herald-migrate-'));
    writeFileSync(join(dataDir, 'none.json'), '{}');
    const res = await runCli(['migrate'], { env: cliEnv({ HERALD_DATA_DIR: dataDir, HERALD_CONFIG: join(dataDir, 'none.json') }) });
    expect(res.code, res.stderr).toBe(0);
    expect(res.stdout).toMatch(new RegExp(`^Herald SQLite store in ${dataDir} is at schema version \\d+\\n$`));
  });
});
