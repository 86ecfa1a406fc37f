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
    ['255.255.255.255', 'broadcast'],
    ['::1', 'loopback'],
    ['::', 'unspecified'],
    ['fe80::1', 'link-local'],
    ['fc00::1', 'unique-local'],
    ['fd12:3456::1', 'unique-local'],
    ['ff02::1', 'multicast'],
    ['::ffff:127.0.0.1', 'loopback'],
    ['::ffff:7f00:1', 'loopback'],
    ['::ffff:a9fe:a9fe', 'link-local'],
    ['0:0:0:0:0:ffff:10.1.2.3', 'RFC 1918'],
    ['64:ff9b::10.0.0.1', 'RFC 1918'],
    ['64:ff9b::a9fe:a9fe', 'link-local'],
    ['::7f00:1', 'IPv4-compatible'],
  ])('blocks %s as %s', (address, reason) => {
    expect(blockedAddressReason(address, none)).toContain(reason);
  });

  it.each(['8.8.8.8', '93.184.216.34', '172.32.0.1', '100.128.0.1', '2606:4700:4700::1111', '::ffff:8.8.8.8', '64:ff9b::808:808'])(
    'allows the public address %s',
    (address) => {
      expect(blockedAddressReason(address, none)).toBeNull();
    },
  );

  it('names the embedding prefix of an IPv4-mapped address', () => {
    expect(blockedAddressReason('::ffff:127.0.0.1', none)).toMatch(/IPv4-mapped .*loopback/);
    expect(blockedAddressReason('64:ff9b::10.0.0.1', none)).toMatch(/NAT64 .*RFC 1918/);
  });

  it('exempts addresses inside the allowed networks, and only those', () => {
    expect(blockedAddressReason('127.0.0.1', loopback)).toBeNull();
    expect(blockedAddressReason('::1', loopback)).toBeNull();
    expect(blockedAddressReason('10.0.0.1', loopback)).toContain('RFC 1918');
    expect(blockedAddressReason('10.1.2.3', ['10.0.0.0/8'])).toBeNull();
    expect(blockedAddressReason('10.1.2.3', ['10.1.2.3'])).toBeNull();
    expect(blockedAddressReason('10.1.2.4', ['10.1.2.3'])).toContain('RFC 1918');
    expect(blockedAddressReason('192.168.1.1', ['10.0.0.0/8'])).toContain('RFC 1918');
  });

  it('exempts an IPv4-mapped address when its IPv4 address is allowed', () => {
    expect(blockedAddressReason('::ffff:127.0.0.1', loopback)).toBeNull();
    expect(blockedAddressReason('::ffff:127.0.0.1', none)).toContain('loopback');
  });

  it('answers null for a hostname, which is checked once resolved', () => {
    expect(blockedAddressReason('example.com', none)).toBeNull();
    expect(blockedAddressReason('localhost', none)).toBeNull();
  });
});

describe('literalUrlBlockedReason', () => {
  it.each([
    ['http://10.0.0.1/', 'RFC 1918'],
    ['http://169.254.169.254/latest/meta-data/', 'link-local'],
    ['http://2130706433/', 'loopback'],
    ['http://0x7f.1/', 'loopback'],
    ['http://017700000001/', 'loopback'],
    ['http://[::ffff:127.0.0.1]/', 'loopback'],
    ['https://[::1]:8443/hook', 'loopback'],
    ['http://[fe80::1]/', 'link-local'],
    ['http://0.0.0.0:8080/', 'unspecified'],
  ])('blocks %s (%s), whatever notation the address is written in', (url, reason) => {
    expect(literalUrlBlockedReason(new URL(url), none)).toContain(reason);
  });

  it('leaves hostnames and public addresses alone', () => {
    expect(literalUrlBlockedReason(new URL('https://example.com/hook'), none)).toBeNull();
    expect(literalUrlBlockedReason(new URL('http://localhost:3000/'), none)).toBeNull();
    expect(literalUrlBlockedReason(new URL('http://93.184.216.34/'), none)).toBeNull();
    expect(literalUrlBlockedReason(new URL('http://[2606:4700:4700::1111]/'), none)).toBeNull();
  });

  it('lets loopback through when loopback is allowed', () => {
    expect(literalUrlBlockedReason(new URL('http://127.0.0.1:8080/'), loopback)).toBeNull();
    expect(literalUrlBlockedReason(new URL('http://[::1]:8080/'), loopback)).toBeNull();
    expect(literalUrlBlockedReason(new URL('http://2130706433/'), loopback)).toBeNull();
  });
});
