import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, startHerald, waitFor, type HeraldProcess } from '../helpers/server.js';
import { TestDnsServer } from '../helpers/test-dns-server.js';
import { TestReceiver } from '../helpers/test-receiver.js';

/**
 * Proofs that the private-network guard (DESIGN §7) holds against the usual ways around it, on
 * loopback only. 127.0.0.2 plays the public internet (the one exempt address,
 * HERALD_ALLOWED_NETWORKS=127.0.0.2/32) and 127.0.0.1 the internal service an attacker is after;
 * both listen on the same port, so only the address a name resolves to decides which one a
 * request reaches. Names resolve through a DNS server on loopback that the test rebinds at will.
 */
const guardReason = /blocked by the private-network guard/;

/** A receiver on 127.0.0.2 (allowed) and one on 127.0.0.1 (internal), on one port. */
async function receiverPair(): Promise<{ outside: TestReceiver; internal: TestReceiver; port: number }> {
  for (let tries = 0; ; tries++) {
    const outside = await TestReceiver.start({ host: '127.0.0.2' });
    const port = Number(new URL(outside.url).port);
    try {
      return { outside, internal: await TestReceiver.start({ port }), port };
    } catch (err) {
      await outside.close();
      if (tries === 10) throw err;
    }
  }
}

async function newApp(herald: HeraldProcess, name: string): Promise<string> {
  return (await call(herald, 'POST', '/app', { body: { name } })).json.id;
}

async function newEndpoint(herald: HeraldProcess, appId: string, url: string): Promise<string> {
  const res = await call(herald, 'POST', `/app/${appId}/endpoint`, { body: { url, timeoutMs: 1_000 } });
  expect(res.status, `${url}: ${res.text}`).toBe(201);
  return res.json.id;
}

/** Sends one message to the app and waits for `count` attempts; returns them by endpoint id. */
async function attemptsOf(herald: HeraldProcess, appId: string, count: number): Promise<Map<string, any>> {
  const msg = await call(herald, 'POST', `/app/${appId}/msg`, { body: { eventType: 'guard.proof', payload: {} } });
  expect(msg.status, msg.text).toBe(202);
  const attempts: any[] = await waitFor(`${count} attempts`, async () => {
    const data = (await call(herald, 'GET', `/app/${appId}/attempt/msg/${msg.json.id}`)).json.data;
    return data.length >= count ? data : undefined;
  });
  return new Map(attempts.map((a) => [a.endpointId, a]));
}

function expectBlocked(attempt: any, reason: RegExp): void {
  expect(attempt.status).toBe(2);
  expect(attempt.responseStatusCode).toBe(0);
  expect(attempt.response).toMatch(guardReason);
  expect(attempt.response).toMatch(reason);
}

describe('network guard proofs, with only 127.0.0.2 exempt', () => {
  let herald: HeraldProcess;
  let dns: TestDnsServer;
  let pair: Awaited<ReturnType<typeof receiverPair>>;

  beforeAll(async () => {
    dns = await TestDnsServer.start();
    pair = await receiverPair();
    herald = await startHerald({ env: { HERALD_ALLOWED_NETWORKS: '127.0.0.2/32', HERALD_DNS_SERVERS: dns.address, HERALD_RETRY_SCHEDULE: '' } });
  });
  afterAll(async () => {
    await herald?.stop();
    await pair?.outside.close();
    await pair?.internal.close();
    await dns?.close();
  });

  it('blocks a name that rebinds to loopback after it was accepted and delivered to', async () => {
    dns.set('rebind.test', (n) => (n === 1 ? ['127.0.0.2'] : ['127.0.0.1']));
    // `connection: close` makes the next delivery open a new connection, and so resolve again.
    pair.outside.setResponse({ status: 200, headers: { connection: 'close' } });
    const appId = await newApp(herald, 'Rebinding');
    const ep = await newEndpoint(herald, appId, `http://rebind.test:${pair.port}/webhook`);

    expect((await attemptsOf(herald, appId, 1)).get(ep)).toMatchObject({ status: 0, responseStatusCode: 200 });
    expect(pair.outside.requests).toHaveLength(1);

    const second = (await attemptsOf(herald, appId, 1)).get(ep);
    expectBlocked(second, /^rebind\.test: blocked by the private-network guard: 127\.0\.0\.1 is in 127\.0\.0\.0\/8, loopback; exempt it with HERALD_ALLOWED_NETWORKS$/);
    expect(dns.queries('rebind.test')).toBe(2);
    expect(pair.outside.requests).toHaveLength(1);
    expect(pair.internal.requests).toEqual([]);
  });

  it('blocks a name whose answer mixes the allowed address with a blocked one', async () => {
    dns.set('mixed.test', ['127.0.0.2', '127.0.0.1']);
    const before = pair.outside.requests.length;
    const appId = await newApp(herald, 'Mixed answer');
    const ep = await newEndpoint(herald, appId, `http://mixed.test:${pair.port}/webhook`);
    expectBlocked((await attemptsOf(herald, appId, 1)).get(ep), /^mixed\.test: .* 127\.0\.0\.1 is in 127\.0\.0\.0\/8, loopback/);
    expect(pair.outside.requests).toHaveLength(before);
    expect(pair.internal.requests).toEqual([]);
  });

  it('blocks names resolving to metadata, IPv4-mapped, NAT64, loopback and unspecified addresses, each attempt naming why', async () => {
    const cases: [string, string, RegExp][] = [
      ['metadata.test', '169.254.169.254', /169\.254\.169\.254 is in 169\.254\.0\.0\/16, link-local \(incl\. cloud metadata/],
      ['mapped.test', '::ffff:127.0.0.1', /::ffff:127\.0\.0\.1 \(IPv4-mapped\) carries 127\.0\.0\.1, which is in 127\.0\.0\.0\/8, loopback/],
      ['mapped-metadata.test', '::ffff:a9fe:a9fe', /\(IPv4-mapped\) carries 169\.254\.169\.254, which is in 169\.254\.0\.0\/16/],
      ['nat64.test', '64:ff9b::7f00:1', /64:ff9b::7f00:1 \(NAT64\) carries 127\.0\.0\.1, which is in 127\.0\.0\.0\/8, loopback/],
      ['local-nat64.test', '64:ff9b:1::7f00:1', /is in 64:ff9b:1::\/48, local-use NAT64/],
      ['ec2-metadata-v6.test', 'fd00:ec2::254', /fd00:ec2::254 is in fc00::\/7, unique-local/],
      ['loopback6.test', '::1', /::1 is in ::1\/128, loopback/],
      ['unspecified.test', '0.0.0.0', /0\.0\.0\.0 is in 0\.0\.0\.0\/8, unspecified/],
    ];
    const appId = await newApp(herald, 'Resolved forms');
    const endpoints = new Map<string, string>();
    for (const [name, address] of cases) {
      dns.set(name, [address]);
      endpoints.set(name, await newEndpoint(herald, appId, `http://${name}:${pair.port}/webhook`));
    }
    const attempts = await attemptsOf(herald, appId, cases.length);
    for (const [name, , reason] of cases) {
      const attempt = attempts.get(endpoints.get(name)!);
      expect(attempt.response, name).toMatch(new RegExp(`^${name.replace(/\./g, '\\.')}: `));
      expectBlocked(attempt, reason);
    }
    expect(pair.internal.requests).toEqual([]);
  });

  it('refuses decimal, octal, hex and short IPv4 forms and IPv6 embeddings of blocked addresses when the endpoint is written', async () => {
    const appId = await newApp(herald, 'Literal forms');
    const urls = [
      `http://2130706433:${pair.port}/`, // 127.0.0.1 as one decimal number
      `http://017700000001:${pair.port}/`, // ... one octal number
      `http://0x7f000001:${pair.port}/`, // ... one hex number
      `http://0177.0.0.1:${pair.port}/`, // octal first byte
      `http://0x7f.0.0.1:${pair.port}/`, // hex first byte
      `http://127.1:${pair.port}/`, // short form
      `http://0x7f.1:${pair.port}/`,
      'http://2852039166/latest/meta-data/', // 169.254.169.254 in decimal
      'http://0251.0376.0251.0376/latest/meta-data/', // ... in octal
      'http://169.254.169.254/latest/meta-data/',
      `http://[::ffff:127.0.0.1]:${pair.port}/`,
      `http://[::ffff:7f00:1]:${pair.port}/`,
      `http://[64:ff9b::127.0.0.1]:${pair.port}/`,
      'http://[64:ff9b::a9fe:a9fe]/', // NAT64 of the metadata address
      'http://[fd00:ec2::254]/',
      'http://[fe80::a9fe:a9fe]/',
      'http://[::]/',
      'http://0/',
    ];
    for (const url of urls) {
      const res = await call(herald, 'POST', `/app/${appId}/endpoint`, { body: { url } });
      expect(res.status, url).toBe(422);
      expect(res.json.detail[0], url).toMatchObject({ loc: ['body', 'url'], type: 'value_error.url.blocked' });
      expect(res.json.detail[0].msg, url).toMatch(guardReason);
    }
    expect((await call(herald, 'GET', `/app/${appId}/endpoint`)).json.data).toEqual([]);
  });
});

describe('network guard proofs: literal URLs accepted under a looser configuration', () => {
  const token = `e2e_guard_${Date.now()}_token`;
  const dataDir = mkdtempSync(join(tmpdir(), 'herald-guard-'));
  let herald: HeraldProcess | undefined;
  let internal: TestReceiver;

  beforeAll(async () => {
    internal = await TestReceiver.start();
  });
  afterAll(async () => {
    await herald?.stop();
    await internal?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('still blocks them at connect time once loopback is no longer exempt', async () => {
    const port = new URL(internal.url).port;
    const forms = ['127.0.0.1', '2130706433', '0177.0.0.1', '0x7f.0.0.1', '127.1', '[::ffff:127.0.0.1]', '[::ffff:7f00:1]', '[64:ff9b::7f00:1]'];
    // Written while loopback (and NAT64 of it) was exempt, so the API accepted them.
    herald = await startHerald({ dataDir, env: { HERALD_ADMIN_TOKEN: token, HERALD_ALLOWED_NETWORKS: '127.0.0.0/8,64:ff9b::/96' } });
    const appId = await newApp(herald, 'Looser once');
    for (const host of forms) await newEndpoint(herald, appId, `http://${host}:${port}/webhook`);
    await herald.stop();

    herald = await startHerald({ dataDir, env: { HERALD_ADMIN_TOKEN: token, HERALD_ALLOWED_NETWORKS: '127.0.0.2/32', HERALD_RETRY_SCHEDULE: '' } });
    const attempts = await attemptsOf(herald, appId, forms.length);
    expect(attempts.size).toBe(forms.length);
    for (const attempt of attempts.values()) expectBlocked(attempt, /carries 127\.0\.0\.1, which is in 127\.0\.0\.0\/8, loopback|127\.0\.0\.1 is in 127\.0\.0\.0\/8, loopback/);
    expect(internal.requests).toEqual([]);
  });
});
