import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { blockedLiteralReason, isBlockedLiteral, literalHost, NetworkGuard } from './network-guard.js';
import { Sender } from './sender.js';

const none: string[] = [];

describe('NetworkGuard.blockReason', () => {
  const guard = new NetworkGuard(none);

  it.each([
    ['127.0.0.1', 'loopback'],
    ['127.255.0.9', 'loopback'],
    ['10.1.2.3', 'RFC 1918'],
    ['172.16.0.1', 'RFC 1918'],
    ['172.31.255.255', 'RFC 1918'],
    ['192.168.1.1', 'RFC 1918'],
    ['169.254.169.254', 'link-local'],
    ['100.64.0.1', 'carrier-grade NAT'],
    ['100.127.255.254', 'carrier-grade NAT'],
    ['0.0.0.0', 'unspecified'],
    ['224.0.0.1', 'multicast'],
    ['255.255.255.255', 'broadcast'],
    ['::1', 'loopback'],
    ['::', 'unspecified'],
    ['fe80::1', 'link-local'],
    ['fc00::1', 'unique-local'],
    ['fd12:3456::1', 'unique-local'],
    ['ff02::1', 'multicast'],
    ['::ffff:127.0.0.1', 'loopback'],
    ['::ffff:7f00:1', 'loopback'],
    ['::ffff:169.254.169.254', 'link-local'],
    ['::ffff:10.0.0.1', 'RFC 1918'],
    ['64:ff9b::8.8.8.8', 'NAT64'],
    ['64:ff9b::7f00:1', 'NAT64'],
    ['::127.0.0.1', 'IPv4-compatible'],
  ])('blocks %s (%s)', (address, label) => {
    const reason = guard.blockReason(address);
    expect(reason).toContain('blocked');
    expect(reason).toContain(label);
    expect(reason).toContain('HERALD_ALLOWED_NETWORKS');
  });

  it.each(['8.8.8.8', '1.1.1.1', '172.32.0.1', '100.128.0.1', '2606:4700::1111', '::ffff:8.8.8.8', 'example.com'])('allows %s', (address) => {
    expect(guard.blockReason(address)).toBeNull();
  });

  it('says when a blocked IPv4 address came IPv4-mapped', () => {
    expect(guard.blockReason('::ffff:127.0.0.1')).toContain('(IPv4-mapped)');
  });

  it('exempts exactly the allowed networks, IPv4-mapped forms included', () => {
    const allowing = new NetworkGuard(['127.0.0.0/8', '::1/128', '10.1.0.0/16', '192.168.5.5']);
    for (const ok of ['127.0.0.1', '::1', '::ffff:127.0.0.1', '10.1.200.3', '192.168.5.5']) expect(allowing.blockReason(ok)).toBeNull();
    for (const bad of ['10.2.0.1', '192.168.5.6', '169.254.169.254', 'fe80::1']) expect(allowing.blockReason(bad)).not.toBeNull();
  });
});

describe('blockedLiteralReason / isBlockedLiteral', () => {
  it.each([
    'http://127.0.0.1/hook',
    'http://2130706433/',
    'http://0x7f.1/',
    'http://0177.0.0.1/',
    'http://127.1/',
    'https://[::1]:8443/x',
    'http://[::ffff:127.0.0.1]/',
    'http://[64:ff9b::a00:1]/',
    'http://169.254.169.254/latest/meta-data/',
    'http://[fe80::1]/',
    'http://0/',
  ])('blocks %s', (url) => {
    expect(isBlockedLiteral(url, none)).toBe(true);
    expect(blockedLiteralReason(url, none)).toMatch(/^blocked/);
  });

  it('normalises numeric IPv4 forms with the URL parser', () => {
    expect(literalHost('http://2130706433/')).toBe('127.0.0.1');
    expect(literalHost('http://0x7f.1/')).toBe('127.0.0.1');
    expect(literalHost('http://[::ffff:127.0.0.1]/')).toBe('::ffff:7f00:1');
    expect(literalHost('http://example.com/')).toBeNull();
    expect(literalHost('not a url')).toBeNull();
  });

  it('leaves hostnames and public addresses to connect time', () => {
    for (const url of ['https://example.com/hook', 'http://localhost:3000/', 'https://8.8.8.8/', 'http://[2606:4700::1111]/']) {
      expect(isBlockedLiteral(url, none)).toBe(false);
    }
  });

  it('honours allowed networks', () => {
    expect(isBlockedLiteral('http://127.0.0.1:9000/', ['127.0.0.0/8'])).toBe(false);
    expect(isBlockedLiteral('http://2130706433/', ['127.0.0.0/8'])).toBe(false);
    expect(isBlockedLiteral('http://10.0.0.1/', ['127.0.0.0/8'])).toBe(true);
  });
});

describe('the guard at connect time', () => {
  let server: Server;
  let port: number;
  let hits = 0;

  beforeAll(async () => {
    server = createServer((_req, res) => {
      hits++;
      res.end('ok');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  it('refuses a hostname that resolves to loopback, as a status-0 result naming the block', async () => {
    const sender = new Sender({ allowedNetworks: none });
    try {
      const before = hits;
      const result = await sender.send({ url: `http://localhost:${port}/hook`, body: '{}', headers: {}, timeoutMs: 5_000 });
      expect(result).toMatchObject({ statusCode: 0, failure: 'blocked', responseHeaders: null });
      expect(result.response).toMatch(/^localhost: blocked by the private-network guard: (127\.0\.0\.1|::1)/);
      expect(hits).toBe(before);
    } finally {
      await sender.close();
    }
  });

  it('refuses a literal loopback address before opening a socket', async () => {
    const sender = new Sender({ allowedNetworks: none });
    try {
      for (const url of [`http://127.0.0.1:${port}/`, `http://2130706433:${port}/`, `http://[::ffff:127.0.0.1]:${port}/`]) {
        const result = await sender.send({ url, body: '{}', headers: {}, timeoutMs: 5_000 });
        expect(result.statusCode).toBe(0);
        expect(result.failure).toBe('blocked');
        expect(result.response).toContain('loopback');
      }
      expect(hits).toBe(0);
    } finally {
      await sender.close();
    }
  });

  it('connects when loopback is allowed', async () => {
    const sender = new Sender({ allowedNetworks: ['127.0.0.0/8', '::1/128'] });
    try {
      const result = await sender.send({ url: `http://localhost:${port}/`, body: '{}', headers: {}, timeoutMs: 5_000 });
      expect(result).toMatchObject({ statusCode: 200, response: 'ok', failure: null });
    } finally {
      await sender.close();
    }
  });
});
