import { createServer } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { resettingReceiver, tricklingReceiver } from '../../test/helpers/hostile-receivers.js';
import { TestDnsServer } from '../../test/helpers/test-dns-server.js';
import { TestReceiver } from '../../test/helpers/test-receiver.js';
import { responseMaxBytesDefault, Sender, userAgent } from './sender.js';

const loopback = ['127.0.0.0/8', '::1/128'];

describe('Sender', () => {
  let receiver: TestReceiver;
  let sender: Sender;

  beforeAll(async () => {
    receiver = await TestReceiver.start();
    sender = new Sender({ allowedNetworks: loopback });
  });
  afterAll(async () => {
    await sender.close();
    await receiver.close();
  });
  afterEach(() => receiver.setResponse({ status: 200 }));

  it('POSTs the body and headers as given and records a 2xx', async () => {
    receiver.setResponse({ status: 204, headers: { 'x-receiver': 'yes' } });
    const body = '{"a": 1,  "b":"é"}';
    const result = await sender.send({ url: `${receiver.url}?q=1`, body, headers: { 'content-type': 'application/json', 'x-custom': 'v', 'user-agent': userAgent }, timeoutMs: 5_000 });
    const req = await receiver.next();
    expect(req).toMatchObject({ method: 'POST', url: '/webhook?q=1', body });
    expect(req.headers['x-custom']).toBe('v');
    expect(req.headers['content-type']).toBe('application/json');
    expect(req.headers['user-agent']).toMatch(/^Herald\/\d+\.\d+\.\d+/);
    expect(result.statusCode).toBe(204);
    expect(result.failure).toBeNull();
    expect(result.responseHeaders?.['x-receiver']).toBe('yes');
    expect(result.durationMs).toBeGreaterThanOrEqual(0);
  });

  it('records a 500 with its body', async () => {
    receiver.setResponse({ status: 500, body: 'boom' });
    const result = await sender.send({ url: receiver.url, body: '{}', headers: {}, timeoutMs: 5_000 });
    expect(result).toMatchObject({ statusCode: 500, response: 'boom', failure: null });
  });

  it('keeps only the first 16 KiB of a large response', async () => {
    const big = 'x'.repeat(5 * 1024 * 1024);
    receiver.setResponse({ status: 200, body: big });
    const result = await sender.send({ url: receiver.url, body: '{}', headers: {}, timeoutMs: 5_000 });
    expect(result.statusCode).toBe(200);
    expect(result.response).toHaveLength(responseMaxBytesDefault);
    // The connection whose body was cut short is dropped; the next request still works.
    receiver.setResponse({ status: 200, body: 'small' });
    expect((await sender.send({ url: receiver.url, body: '{}', headers: {}, timeoutMs: 5_000 })).response).toBe('small');
  });

  it('times out a receiver that does not answer', async () => {
    receiver.setResponse({ status: 200, delayMs: 10_000 });
    const result = await sender.send({ url: receiver.url, body: '{}', headers: {}, timeoutMs: 200 });
    expect(result).toMatchObject({ statusCode: 0, failure: 'timeout', responseHeaders: null });
    expect(result.response).toContain('within 200 ms');
    expect(result.durationMs).toBeGreaterThanOrEqual(150);
    expect(result.durationMs).toBeLessThan(2_000);
  });

  it('does not follow redirects', async () => {
    receiver.setResponse({ status: 302, headers: { location: `${receiver.url}/elsewhere` } });
    const before = receiver.requests.length;
    const result = await sender.send({ url: receiver.url, body: '{}', headers: {}, timeoutMs: 5_000 });
    expect(result.statusCode).toBe(302);
    expect(result.responseHeaders?.location).toContain('/elsewhere');
    await new Promise((r) => setTimeout(r, 50));
    expect(receiver.requests.length).toBe(before + 1);
  });

  it('reports a refused connection', async () => {
    const probe = createServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    const { port } = probe.address() as { port: number };
    await new Promise<void>((resolve) => probe.close(() => resolve()));
    const result = await sender.send({ url: `http://127.0.0.1:${port}/`, body: '{}', headers: {}, timeoutMs: 5_000 });
    expect(result).toMatchObject({ statusCode: 0, failure: 'refused' });
    expect(result.response).toContain('ECONNREFUSED');
  });

  it('reports a DNS failure', async () => {
    const dns = await TestDnsServer.start();
    const resolving = new Sender({ allowedNetworks: loopback, dnsServers: [dns.address] });
    try {
      const result = await resolving.send({ url: 'http://does-not-exist.test/', body: '{}', headers: {}, timeoutMs: 5_000 });
      expect(result).toMatchObject({ statusCode: 0, failure: 'dns', response: 'DNS lookup failed for does-not-exist.test (ENOTFOUND)' });
    } finally {
      await resolving.close();
      await dns.close();
    }
  });

  it('fails a 200 whose body is cut off by a reset, or still trickling at the timeout', async () => {
    const resetting = await resettingReceiver();
    const trickling = await tricklingReceiver('body');
    try {
      const reset = await sender.send({ url: resetting.url, body: '{}', headers: {}, timeoutMs: 5_000 });
      expect(reset).toMatchObject({ statusCode: 0, failure: 'reset', responseHeaders: { 'content-length': '1000' } });
      expect(reset.response).toMatch(/answered 200 but closed the connection before its body was complete \(ECONNRESET\); body so far: partial$/);
      const slow = await sender.send({ url: trickling.url, body: '{}', headers: {}, timeoutMs: 300 });
      expect(slow).toMatchObject({ statusCode: 0, failure: 'timeout' });
      expect(slow.response).toMatch(/answered 200 but its body did not complete within 300 ms$/);
    } finally {
      await resetting.close();
      await trickling.close();
    }
  });

  it('reports a TLS failure', async () => {
    // A plain-HTTP server spoken to over https: the handshake fails.
    const result = await sender.send({ url: receiver.url.replace('http:', 'https:'), body: '{}', headers: {}, timeoutMs: 5_000 });
    expect(result).toMatchObject({ statusCode: 0, failure: 'tls' });
  });

  it('rejects non-http URLs without sending', async () => {
    const result = await sender.send({ url: 'ftp://example.com/', body: '{}', headers: {}, timeoutMs: 5_000 });
    expect(result).toMatchObject({ statusCode: 0, failure: 'invalid-url' });
  });

  it('reports an abort through the caller signal', async () => {
    receiver.setResponse({ status: 200, delayMs: 10_000 });
    const controller = new AbortController();
    const pending = sender.send({ url: receiver.url, body: '{}', headers: {}, timeoutMs: 5_000, signal: controller.signal });
    await receiver.until(() => receiver.inFlight > 0);
    controller.abort();
    expect(await pending).toMatchObject({ statusCode: 0, failure: 'aborted' });
  });
});
