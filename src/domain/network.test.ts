import { describe, expect, it } from 'vitest';
import { blockedAddressReason, literalUrlBlockedReason } from './network.js';

const none: string[] = [];
const loopback = ['127.0.0.0/8', '::1/128'];

describe('blockedAddressReason', () => {
  it.each([
    ['127.0.0.1', 'loopback'],
    ['127.255.1.2', 'loopback'],
    ['10.0.0.1', 'RFC 1918'],
    ['172.16.5.4', 'RFC 1918'],
    ['172.31.255.255', 'RFC 1918'],
    ['192.168.1.1', 'RFC 1918'],
    ['169.254.169.254', 'link-local'],
    ['100.64.0.1', 'carrier-grade NAT'],
    ['100.127.255.254', 'carrier-grade NAT'],
    ['224.0.0.1', 'multicast'],
    ['0.0.0.0', 'unspecified'],
    ['240.0.0.1', 'reserved'],
    ['255.255.255.255', 'broadcast'],
    ['::1', 'loopback'],
    ['::', 'unspecified'],
    ['fe80::1', 'link-local'],
    ['fe80::1%eth0', 'link-local'],
    ['fc00::1', 'unique-local'],
    ['fd12:3456::1', 'unique-local'],
    ['ff02::1', 'multicast'],
    ['::ffff:127.0.0.1', 'loopback'],
    ['::ffff:7f00:1', 'loopback'],
    ['::ffff:a9fe:a9fe', 'link-local'],
    ['::ffff:169.254.169.254', 'link-local'],
    ['::ffff:10.0.0.1', 'RFC 1918'],
    ['0:0:0:0:0:ffff:10.1.2.3', 'RFC 1918'],
    ['64:ff9b::10.0.0.1', 'RFC 1918'],
    ['64:ff9b::a9fe:a9fe', 'link-local'],
    ['64:ff9b::7f00:1', 'loopback'],
    ['64:ff9b::', 'unspecified'],
    ['64:ff9b:1::1', 'local-use NAT64'],
    ['64:ff9b:1:abcd::8.8.8.8', 'local-use NAT64'],
    ['::7f00:1', 'IPv4-compatible'],
    ['::127.0.0.1', 'IPv4-compatible'],
    ['::8.8.8.8', 'IPv4-compatible'],
  ])('blocks %s as %s, saying how to exempt it', (address, label) => {
    const reason = blockedAddressReason(address, none);
    expect(reason).toMatch(/^blocked by the private-network guard: /);
    expect(reason).toContain(label);
    expect(reason).toContain('HERALD_ALLOWED_NETWORKS');
  });

  it.each([
    '8.8.8.8',
    '1.1.1.1',
    '93.184.216.34',
    '172.32.0.1',
    '100.128.0.1',
    '2606:4700:4700::1111',
    '2606:4700::1111',
    '::ffff:8.8.8.8',
    '64:ff9b::808:808',
    '64:ff9b::8.8.8.8',
  ])('allows the public address %s', (address) => {
    expect(blockedAddressReason(address, none)).toBeNull();
  });

  it('names the address, the range and, for an embedded IPv4 address, the embedding', () => {
    expect(blockedAddressReason('127.0.0.1', none)).toBe(
      'blocked by the private-network guard: 127.0.0.1 is in 127.0.0.0/8, loopback; exempt it with HERALD_ALLOWED_NETWORKS',
    );
    expect(blockedAddressReason('::ffff:127.0.0.1', none)).toContain('(IPv4-mapped)');
    expect(blockedAddressReason('::ffff:127.0.0.1', none)).toMatch(/\(IPv4-mapped\) .*loopback/);
    expect(blockedAddressReason('64:ff9b::10.0.0.1', none)).toMatch(/\(NAT64\) .*RFC 1918/);
  });

  it('exempts addresses inside the allowed networks, and only those', () => {
    expect(blockedAddressReason('127.0.0.1', loopback)).toBeNull();
    expect(blockedAddressReason('::1', loopback)).toBeNull();
    expect(blockedAddressReason('10.0.0.1', loopback)).toContain('RFC 1918');
    expect(blockedAddressReason('10.1.2.3', ['10.0.0.0/8'])).toBeNull();
    expect(blockedAddressReason('10.1.2.3', ['10.1.2.3'])).toBeNull();
    expect(blockedAddressReason('10.1.2.4', ['10.1.2.3'])).toContain('RFC 1918');
    expect(blockedAddressReason('192.168.1.1', ['10.0.0.0/8'])).toContain('RFC 1918');
    const allowing = ['127.0.0.0/8', '::1/128', '10.1.0.0/16', '192.168.5.5'];
    for (const ok of ['127.0.0.1', '::1', '::ffff:127.0.0.1', '10.1.200.3', '192.168.5.5']) expect(blockedAddressReason(ok, allowing)).toBeNull();
    for (const bad of ['10.2.0.1', '192.168.5.6', '169.254.169.254', 'fe80::1']) expect(blockedAddressReason(bad, allowing)).not.toBeNull();
  });

  it('exempts an IPv4-mapped or NAT64 address when its IPv4 address is allowed', () => {
    expect(blockedAddressReason('::ffff:127.0.0.1', loopback)).toBeNull();
    expect(blockedAddressReason('::ffff:127.0.0.1', none)).toContain('loopback');
    expect(blockedAddressReason('64:ff9b::a01:203', ['10.0.0.0/8'])).toBeNull();
  });

  it('answers null for a hostname, which is checked once resolved', () => {
    expect(blockedAddressReason('example.com', none)).toBeNull();
    expect(blockedAddressReason('localhost', none)).toBeNull();
  });

  it('throws for an allowed network that is not a CIDR', () => {
    expect(() => blockedAddressReason('10.0.0.1', ['not-a-cidr'])).toThrow('"not-a-cidr" is not a CIDR');
  });
});

describe('literalUrlBlockedReason', () => {
  it.each([
    ['http://127.0.0.1/hook', 'loopback'],
    ['http://10.0.0.1/', 'RFC 1918'],
    ['http://169.254.169.254/latest/meta-data/', 'link-local'],
    ['http://2130706433/', 'loopback'],
    ['http://0x7f.1/', 'loopback'],
    ['http://017700000001/', 'loopback'],
    ['http://0177.0.0.1/', 'loopback'],
    ['http://127.1/', 'loopback'],
    ['http://[::ffff:127.0.0.1]/', 'loopback'],
    ['http://[64:ff9b::a00:1]/', 'RFC 1918'],
    ['https://[::1]:8443/hook', 'loopback'],
    ['http://[fe80::1]/', 'link-local'],
    ['http://0.0.0.0:8080/', 'unspecified'],
    ['http://0/', 'unspecified'],
  ])('blocks %s (%s), whatever notation the address is written in', (url, reason) => {
    expect(literalUrlBlockedReason(new URL(url), none)).toMatch(/^blocked/);
    expect(literalUrlBlockedReason(new URL(url), none)).toContain(reason);
  });

  it('judges the address as the URL parser normalised it', () => {
    expect(literalUrlBlockedReason(new URL('http://2130706433/'), none)).toContain(': 127.0.0.1 is in 127.0.0.0/8');
    expect(literalUrlBlockedReason(new URL('http://0x7f.1/'), none)).toContain(': 127.0.0.1 is in 127.0.0.0/8');
    expect(literalUrlBlockedReason(new URL('http://[::ffff:127.0.0.1]/'), none)).toContain(': ::ffff:7f00:1 (IPv4-mapped) carries 127.0.0.1');
  });

  it('leaves hostnames and public addresses alone', () => {
    expect(literalUrlBlockedReason(new URL('https://example.com/hook'), none)).toBeNull();
    expect(literalUrlBlockedReason(new URL('http://localhost:3000/'), none)).toBeNull();
    expect(literalUrlBlockedReason(new URL('http://93.184.216.34/'), none)).toBeNull();
    expect(literalUrlBlockedReason(new URL('https://8.8.8.8/'), none)).toBeNull();
    expect(literalUrlBlockedReason(new URL('http://[2606:4700:4700::1111]/'), none)).toBeNull();
    expect(literalUrlBlockedReason(new URL('http://[64:ff9b::808:808]/'), none)).toBeNull();
  });

  it('lets through what the allowed networks exempt, and only that', () => {
    expect(literalUrlBlockedReason(new URL('http://127.0.0.1:8080/'), loopback)).toBeNull();
    expect(literalUrlBlockedReason(new URL('http://[::1]:8080/'), loopback)).toBeNull();
    expect(literalUrlBlockedReason(new URL('http://2130706433/'), loopback)).toBeNull();
    expect(literalUrlBlockedReason(new URL('http://127.0.0.1:9000/'), ['127.0.0.0/8'])).toBeNull();
    expect(literalUrlBlockedReason(new URL('http://10.0.0.1/'), ['127.0.0.0/8'])).toContain('RFC 1918');
  });
});
