import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  hangingReceiver,
  hugeReceiver,
  resettingReceiver,
  rssOf,
  selfSignedReceiver,
  tricklingReceiver,
  type HostileReceiver,
} from '../helpers/hostile-receivers.js';
import { call, startHerald, waitFor, type HeraldProcess } from '../helpers/server.js';
import { TestDnsServer } from '../helpers/test-dns-server.js';
import { TestReceiver } from '../helpers/test-receiver.js';

/**
 * Receivers that hang, reset, trickle, flood, present a bad certificate, do not resolve or
 * redirect: each one costs Herald one failed attempt with a reason that names what happened, and
 * nothing more (no retries here: HERALD_RETRY_SCHEDULE is empty). Endpoints set `timeoutMs` to
 * Herald's minimum (1 s) or 2 s so that nobody waits the default 15 s. Everything is on loopback;
 * names resolve through a DNS server on loopback (HERALD_DNS_SERVERS).
 */
describe('hostile receivers', () => {
  let herald: HeraldProcess;
  let dns: TestDnsServer;
  const receivers: { close(): Promise<void> }[] = [];

  beforeAll(async () => {
    dns = await TestDnsServer.start();
    herald = await startHerald({ env: { HERALD_RETRY_SCHEDULE: '', HERALD_DNS_SERVERS: dns.address } });
  });
  afterAll(async () => {
    await Promise.all(receivers.map((r) => r.close()));
    await herald?.stop();
    await dns?.close();
  });

  async function hostile(start: Promise<HostileReceiver>): Promise<HostileReceiver> {
    const receiver = await start;
    receivers.push(receiver);
    return receiver;
  }

  /** An app with one endpoint, one message, and its one attempt as the API lists it (Herald's extra fields included). */
  async function attemptAt(url: string, timeoutMs = 1_000): Promise<any> {
    const appId = (await call(herald, 'POST', '/app', { body: { name: `Hostile ${url}` } })).json.id;
    const ep = await call(herald, 'POST', `/app/${appId}/endpoint`, { body: { url, timeoutMs } });
    expect(ep.status, ep.text).toBe(201);
    const msg = await call(herald, 'POST', `/app/${appId}/msg`, { body: { eventType: 'hostile.test', payload: { to: url } } });
    expect(msg.status, msg.text).toBe(202);
    return waitFor(`the attempt to ${url}`, async () => (await call(herald, 'GET', `/app/${appId}/attempt/msg/${msg.json.id}`)).json.data[0], 20_000);
  }

  function expectFailed(attempt: any, response: RegExp): void {
    expect(attempt.status, attempt.response).toBe(2);
    expect(attempt.responseStatusCode).toBe(0);
    expect(attempt.response).toMatch(response);
  }

  it('gives up on a receiver that never answers at the endpoint timeout, and closes the connection', async () => {
    const receiver = await hostile(hangingReceiver());
    const attempt = await attemptAt(receiver.url, 1_000);
    expectFailed(attempt, /^timed out: no response from 127\.0\.0\.1:\d+ within 1000 ms$/);
    expect(attempt.responseDurationMs).toBeGreaterThanOrEqual(900);
    // One request, and every connection closed. (undici 7 opens, and at once closes, one empty
    // replacement connection after an aborted request: nodejs/undici#5845, harmless here.)
    await waitFor('the hanging connection to close', async () => receiver.open === 0);
    expect(receiver.requests).toBe(1);
  });

  it('fails an answer whose connection is reset mid-body, keeping the status and the bytes that came', async () => {
    const receiver = await hostile(resettingReceiver());
    const attempt = await attemptAt(receiver.url);
    expectFailed(attempt, /^127\.0\.0\.1:\d+ answered 200 but closed the connection before its body was complete \(ECONNRESET\); body so far: partial$/);
    expect(attempt.responseHeaders['content-length']).toBe('1000');
  });

  it('times out a receiver that trickles its status line one byte a second', async () => {
    const receiver = await hostile(tricklingReceiver('head'));
    const attempt = await attemptAt(receiver.url, 2_000);
    expectFailed(attempt, /^timed out: no response from 127\.0\.0\.1:\d+ within 2000 ms$/);
    await waitFor('the trickling connection to close', async () => receiver.open === 0);
    expect(receiver.bytesWritten).toBeLessThan(10);
  });

  it('times out a 200 whose body trickles one byte a second, naming the status it had sent', async () => {
    const receiver = await hostile(tricklingReceiver('body'));
    const attempt = await attemptAt(receiver.url, 2_000);
    expectFailed(attempt, /^timed out: 127\.0\.0\.1:\d+ answered 200 but its body did not complete within 2000 ms; body so far: x{1,5}$/);
    await waitFor('the trickling connection to close', async () => receiver.open === 0);
  });

  it('keeps the first 16 KiB of a 100 MB answer, stops reading there, and its memory stays flat', async () => {
    const receiver = await hostile(hugeReceiver());
    const before = rssOf(herald.pid);
    for (let i = 0; i < 3; i++) {
      const attempt = await attemptAt(receiver.url, 10_000);
      expect(attempt.status, attempt.response).toBe(0);
      expect(attempt.responseStatusCode).toBe(200);
      expect(attempt.response).toBe('y'.repeat(16 * 1024));
    }
    await waitFor('the flooding connections to close', async () => receiver.open === 0);
    const grownMb = (rssOf(herald.pid) - before) / 2 ** 20;
    // Reading all 300 MB would take seconds (and buffered, 300 MB of memory); the socket buffers
    // let a few MB through per connection before Herald hangs up. Measured on the 2-core dev VM:
    // 1.8 MB handed to the kernel per request, RSS +0.2 MB over the three.
    expect(receiver.requests).toBe(3);
    expect(receiver.bytesWritten / receiver.requests).toBeLessThan(32 * 2 ** 20);
    expect(grownMb).toBeLessThan(64);
  });

  it('refuses a self-signed certificate, with the TLS reason and no request sent', async () => {
    const receiver = await hostile(selfSignedReceiver());
    const attempt = await attemptAt(receiver.url);
    expectFailed(attempt, /^TLS error with 127\.0\.0\.1:\d+: self[- ]signed certificate.*\(DEPTH_ZERO_SELF_SIGNED_CERT\)$/);
    expect(receiver.requests).toBe(0);
  });

  it('records a name that does not resolve as a DNS failure naming the host', async () => {
    const attempt = await attemptAt('http://no-such-receiver.test:9/hook');
    expectFailed(attempt, /^DNS lookup failed for no-such-receiver\.test \(ENOTFOUND\)$/);
    expect(dns.queries('no-such-receiver.test')).toBeGreaterThanOrEqual(1);
  });

  it('does not follow a redirect: the 307 is recorded as a failure, Location and all', async () => {
    const receiver = await TestReceiver.start();
    receivers.push(receiver);
    receiver.setResponse({ status: 307, headers: { location: `${receiver.url}/moved` } });
    const attempt = await attemptAt(receiver.url);
    expect(attempt.status).toBe(2);
    expect(attempt.responseStatusCode).toBe(307);
    expect(attempt.responseHeaders.location).toBe(`${receiver.url}/moved`);
    // A follower would have sent the second request before the attempt could be recorded.
    expect(receiver.requests.map((r) => r.url)).toEqual(['/webhook']);
  });
});
