import type { ChildProcess } from 'node:child_process';
import { verify } from '@herald/receiver';
import { afterEach, describe, expect, it } from 'vitest';
import { cliEnv, spawnCli } from '../helpers/cli.js';
import { call, headerRecord, useHerald, waitFor } from '../helpers/server.js';

/**
 * `herald listen` end to end: a real Herald, the real binary, and a local receiver that Herald
 * never reaches directly. Deliveries arrive byte for byte and verify; Herald records the local
 * answer; a killed and restarted CLI, and a restarted Herald, lose no message.
 */
const slow = 120_000;

interface Listening {
  child: ChildProcess;
  ready: { app: string; endpoint: string; endpointUid: string; secret: string; profile: string };
  stderr: () => string;
}

const children: ChildProcess[] = [];
afterEach(() => {
  for (const c of children.splice(0)) if (c.exitCode === null) c.kill('SIGKILL');
});

function listen(env: Record<string, string>, args: string[]): Promise<Listening> {
  const child = spawnCli(['--json', 'listen', ...args], env);
  children.push(child);
  let stdout = '';
  let stderr = '';
  child.stderr!.on('data', (c: Buffer) => (stderr += c.toString('utf8')));
  return new Promise((resolve, reject) => {
    child.stdout!.on('data', (c: Buffer) => {
      stdout += c.toString('utf8');
      const line = stdout.split('\n').find((l) => l.startsWith('{'));
      if (line) resolve({ child, ready: JSON.parse(line), stderr: () => stderr });
    });
    child.once('exit', (code) => reject(new Error(`herald listen exited ${code}: ${stderr}`)));
  });
}

const exited = (child: ChildProcess) => new Promise<number | null>((r) => (child.exitCode !== null ? r(child.exitCode) : child.once('exit', (code) => r(code))));

describe('herald listen', () => {
  const e2e = useHerald();
  const env = () => cliEnv({ HERALD_URL: e2e.herald.url, HERALD_TOKEN: e2e.herald.token });
  const send = async (app: string, payload: object) => (await call(e2e.herald, 'POST', `/app/${app}/msg`, { body: { eventType: 'dev.test', payload } })).json as { id: string };

  it('relays deliveries byte for byte, records the local answer, and loses nothing across a CLI restart', async () => {
    const local = await e2e.receiver();
    local.setResponse({ status: 201, body: 'local says hi' });
    await call(e2e.herald, 'POST', '/app', { body: { name: 'Dev', uid: 'dev' } });
    const env1 = env();
    const first = await listen(env1, ['--app', 'dev', '--forward-to', local.url]);
    expect(first.ready).toMatchObject({ endpointUid: 'herald-listen-default', profile: 'standard', secret: expect.stringMatching(/^whsec_/) });

    const msg = await send('dev', { hello: 'wörld', n: [1, 2, 3] });
    const req = await local.next();
    expect(req.body).toBe('{"hello":"wörld","n":[1,2,3]}');
    expect(req.headers['webhook-id']).toBe(msg.id);
    expect(verify({ secret: first.ready.secret, headers: headerRecord(req), rawBody: req.body }).id).toBe(msg.id);
    const attempt = await waitFor('the relayed attempt', async () => (await call(e2e.herald, 'GET', `/app/dev/attempt/msg/${msg.id}`)).json?.data?.[0]);
    expect(attempt).toMatchObject({ responseStatusCode: 201, response: 'local says hi', url: `herald-relay://${first.ready.endpoint}`, status: 0 });

    // Away: the CLI is killed; messages sent now fail their first attempt and wait.
    first.child.kill('SIGKILL');
    await exited(first.child);
    const away = [await send('dev', { away: 1 }), await send('dev', { away: 2 })];
    await waitFor('failed attempts while away', async () => {
      const list = (await call(e2e.herald, 'GET', `/app/dev/attempt/msg/${away[1]!.id}`)).json?.data ?? [];
      return list.length > 0 && list[0].responseStatusCode === 0 && /no herald listen session/.test(list[0].response);
    });
    // Back: the same relay endpoint, and the waiting deliveries go out at once.
    const second = await listen(env1, ['--app', 'dev', '--forward-to', local.url]);
    expect(second.ready.endpoint).toBe(first.ready.endpoint);
    await waitFor('deliveries made while away', async () => away.every((m) => local.requests.some((r) => r.headers['webhook-id'] === m.id)), 15_000);
    second.child.kill('SIGINT');
    expect(await exited(second.child)).toBe(0);
  }, slow);

  it('reconnects after Herald restarts, and a failing local receiver is a failed attempt', async () => {
    const local = await e2e.receiver();
    await call(e2e.herald, 'POST', '/app', { body: { name: 'Dev2', uid: 'dev2' } });
    const session = await listen(env(), ['--app', 'dev2', '--name', 'laptop', '--forward-to', local.url, '--profile', 'dbt-cloud']);
    expect(session.ready).toMatchObject({ endpointUid: 'herald-listen-laptop', profile: 'dbt-cloud' });
    await e2e.herald.kill('SIGTERM');
    await e2e.herald.restart();
    await waitFor('the CLI to reconnect', async () => /reconnected/.test(session.stderr()), 30_000);
    const msg = await send('dev2', { job_id: '7' });
    const req = await local.next();
    expect(verify({ profile: 'dbt-cloud', secret: session.ready.secret, headers: headerRecord(req), rawBody: req.body }).payload).toMatchObject({ data: { job_id: '7' } });
    // A resend while the first attempt's outcome is still unwritten leaves that delivery alone: wait for it.
    await waitFor('the first attempt', async () => (await call(e2e.herald, 'GET', `/app/dev2/attempt/msg/${msg.id}`)).json?.data?.[0]);
    local.setResponse({ status: 500, body: 'boom' });
    await call(e2e.herald, 'POST', `/app/dev2/msg/${msg.id}/endpoint/${session.ready.endpoint}/resend`, { body: {} });
    const failedAttempt = await waitFor('the failed attempt', async () => (await call(e2e.herald, 'GET', `/app/dev2/attempt/msg/${msg.id}`)).json?.data?.find((a: { responseStatusCode: number }) => a.responseStatusCode === 500));
    expect(failedAttempt.response).toBe('boom');
  }, slow);

  it('without --app creates a personal app; an unreachable Herald and a bad token fail clearly', async () => {
    const local = await e2e.receiver();
    const personal = await listen(env(), ['--forward-to', local.url]);
    expect(personal.stderr()).toMatch(/using your personal app app_\w{27} \(uid herald-listen-/);
    expect(personal.ready.app).toMatch(/^app_/);
    const badToken = spawnCli(['listen', '--app', 'dev', '--forward-to', local.url], cliEnv({ HERALD_URL: e2e.herald.url, HERALD_TOKEN: 'nope' }));
    children.push(badToken);
    expect(await exited(badToken)).toBe(4);
    const badFlag = spawnCli(['listen', '--forward-to', 'ftp://x'], env());
    children.push(badFlag);
    expect(await exited(badFlag)).toBe(2);
  }, slow);
});
