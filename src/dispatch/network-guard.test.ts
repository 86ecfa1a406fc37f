import type { LookupAddress, LookupOptions } from 'node:dns';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BlockedAddressError, NetworkGuard } from './network-guard.js';
import { Sender } from './sender.js';

const none: string[] = [];

describe('NetworkGuard', () => {
  it('judges literal addresses with its allowed networks (the ranges are tested in src/domain/network.test.ts)', () => {
    const allowing = new NetworkGuard(['127.0.0.0/8']);
    expect(allowing.blockReason('127.0.0.1')).toBeNull();
    expect(allowing.blockReason('::ffff:127.0.0.1')).toBeNull();
    expect(allowing.blockReason('10.0.0.1')).toMatch(/^blocked by the private-network guard: 10\.0\.0\.1 .*RFC 1918/);
    expect(allowing.blockReason('example.com')).toBeNull();
  });

  const lookup = (guard: NetworkGuard, hostname: string, options: LookupOptions) =>
    new Promise<{ err: NodeJS.ErrnoException | null; address: string | LookupAddress[]; family?: number }>((resolve) => {
      guard.lookup(hostname, options, (err, address, family) => resolve({ err, address, family }));
    });

  it('fails the lookup of a name that resolves to a blocked address, naming the name, the address and the range', async () => {
    const { err } = await lookup(new NetworkGuard(none), 'localhost', { all: true });
    expect(err).toBeInstanceOf(BlockedAddressError);
    expect((err as BlockedAddressError).address).toMatch(/^(127\.0\.0\.1|::1)$/);
    expect(err!.message).toMatch(/^localhost: blocked by the private-network guard: (127\.0\.0\.1|::1) .*loopback/);
  });

  it('answers an allowed lookup in the shape it was asked for', async () => {
    const guard = new NetworkGuard(['127.0.0.0/8', '::1/128']);
    const all = await lookup(guard, 'localhost', { all: true });
    expect(all.err).toBeNull();
    expect(Array.isArray(all.address) && all.address.length > 0).toBe(true);
    const one = await lookup(guard, 'localhost', {});
    expect(one.err).toBeNull();
    expect(one.address).toMatch(/^(127\.0\.0\.1|::1)$/);
    expect([4, 6]).toContain(one.family);
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
