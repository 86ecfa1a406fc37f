import { randomFillSync } from 'node:crypto';

/**
 * Prefixed, time-sortable ids: `<prefix>_` + 27 base62 characters, as Svix's are.
 *
 * The 27 characters encode 20 bytes: a 48-bit millisecond Unix timestamp followed by 14 random
 * bytes. The alphabet is in ASCII order and the width is fixed, so comparing two ids as strings
 * compares their creation instants; a list's iterator is simply its last id, and a time range is
 * a pair of id bounds (see `idBound`).
 */
export const idPrefixes = ['app', 'ep', 'msg', 'atmpt', 'qtask', 'evt'] as const;
export type IdPrefix = (typeof idPrefixes)[number];
export type Id<P extends IdPrefix> = `${P}_${string}`;

const alphabet = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
const bodyLength = 27;
const randomLength = 14;
const idPattern = /^[0-9A-Za-z]{27}$/;

function encode(bytes: Uint8Array): string {
  let n = 0n;
  for (const b of bytes) n = (n << 8n) | BigInt(b);
  const out = new Array<string>(bodyLength);
  for (let i = bodyLength - 1; i >= 0; i--) {
    out[i] = alphabet[Number(n % 62n)]!;
    n /= 62n;
  }
  return out.join('');
}

function bodyFor(ms: number, fill: (tail: Uint8Array) => void): string {
  const bytes = new Uint8Array(6 + randomLength);
  let t = Math.max(0, Math.floor(ms));
  for (let i = 5; i >= 0; i--) {
    bytes[i] = t % 256;
    t = Math.floor(t / 256);
  }
  fill(bytes.subarray(6));
  return encode(bytes);
}

export function newId<P extends IdPrefix>(prefix: P, at: Date = new Date()): Id<P> {
  return `${prefix}_${bodyFor(at.getTime(), (tail) => randomFillSync(tail))}`;
}

/** The smallest (`start`) or largest (`end`) id that `newId(prefix, at)` can produce. */
export function idBound<P extends IdPrefix>(prefix: P, at: Date, side: 'start' | 'end'): Id<P> {
  return `${prefix}_${bodyFor(at.getTime(), (tail) => tail.fill(side === 'start' ? 0 : 0xff))}`;
}

export function isId<P extends IdPrefix>(prefix: P, value: string): value is Id<P> {
  return value.startsWith(`${prefix}_`) && idPattern.test(value.slice(prefix.length + 1));
}

/** The creation instant an id carries. */
export function idTime(id: string): Date {
  const body = id.slice(id.indexOf('_') + 1);
  let n = 0n;
  for (const ch of body) n = n * 62n + BigInt(alphabet.indexOf(ch));
  return new Date(Number(n >> BigInt(randomLength * 8)));
}
