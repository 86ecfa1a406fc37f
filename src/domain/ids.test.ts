import { describe, expect, it } from 'vitest';
import { idBound, idPrefixes, idTime, isId, newId } from './ids.js';

const alphabet = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

/** An independent decoding: the 27 digits as one BigInt. */
function bodyValue(id: string): bigint {
  let n = 0n;
  for (const ch of id.slice(id.indexOf('_') + 1)) n = n * 62n + BigInt(alphabet.indexOf(ch));
  return n;
}

/** The earlier BigInt encoder, as the reference for the format. */
function encodeBody(n: bigint): string {
  let out = '';
  for (let i = 0; i < 27; i++) {
    out = alphabet[Number(n % 62n)]! + out;
    n /= 62n;
  }
  return out;
}

const instants = [0, 1, 61, 1_614_265_330_000, Date.parse('2026-01-01T00:00:00Z'), Date.now(), 2 ** 48 - 1].map((ms) => new Date(ms));

describe('newId', () => {
  it('is the prefix, an underscore and 27 characters of 0-9A-Za-z, for every prefix', () => {
    for (const prefix of idPrefixes) {
      const id = newId(prefix);
      expect(id).toMatch(new RegExp(`^${prefix}_[0-9A-Za-z]{27}$`));
      expect(isId(prefix, id)).toBe(true);
    }
  });

  it('puts the millisecond in the top 48 of the 160 bits', () => {
    for (const at of instants) expect(bodyValue(newId('msg', at)) >> 112n).toBe(BigInt(at.getTime()));
  });

  it('orders ids minted in one millisecond by creation, each one more than the last', () => {
    const at = new Date('2026-03-01T12:00:00.123Z');
    const ids = Array.from({ length: 5_000 }, () => newId('msg', at));
    expect([...ids].sort()).toEqual(ids);
    expect(new Set(ids).size).toBe(ids.length);
    for (let i = 1; i < ids.length; i++) expect(bodyValue(ids[i]!) - bodyValue(ids[i - 1]!)).toBe(1n);
    for (const id of ids) expect(idTime(id)).toEqual(at);
  });

  it('orders ids of later milliseconds after earlier ones, however many came before', () => {
    const t0 = Date.parse('2026-03-01T12:00:00.000Z');
    const ids: string[] = [];
    for (let ms = 0; ms < 50; ms++) for (let k = 0; k < 1 + (ms % 7) * 100; k++) ids.push(newId('ep', new Date(t0 + ms)));
    expect([...ids].sort()).toEqual(ids);
  });

  it('draws a fresh random part for a new millisecond', () => {
    const t0 = Date.parse('2026-03-01T12:00:00.000Z');
    const a = newId('msg', new Date(t0));
    const b = newId('msg', new Date(t0 + 1));
    const random = (id: string) => bodyValue(id) & ((1n << 112n) - 1n);
    expect(random(b)).not.toBe(random(a) + 1n);
  });
});

describe('idBound', () => {
  it('brackets every id of its instant and none of the instants around it', () => {
    for (const at of instants) {
      const start = idBound('msg', at, 'start');
      const end = idBound('msg', at, 'end');
      expect(isId('msg', start) && isId('msg', end)).toBe(true);
      for (let k = 0; k < 20; k++) {
        const id = newId('msg', at);
        expect(id >= start && id <= end).toBe(true);
      }
      if (at.getTime() > 0) expect(newId('msg', new Date(at.getTime() - 1)) < start).toBe(true);
      if (at.getTime() < 2 ** 48 - 1) expect(newId('msg', new Date(at.getTime() + 1)) > end).toBe(true);
    }
  });

  it('is all zeros at the start of the epoch and 2^160 - 1 at the last millisecond', () => {
    expect(idBound('app', new Date(0), 'start')).toBe(`app_${'0'.repeat(27)}`);
    expect(bodyValue(idBound('app', new Date(2 ** 48 - 1), 'end'))).toBe((1n << 160n) - 1n);
  });
});

describe('idTime', () => {
  it('gives back the instant an id or a bound was made for', () => {
    for (const at of instants) {
      expect(idTime(newId('atmpt', at))).toEqual(at);
      expect(idTime(idBound('atmpt', at, 'start'))).toEqual(at);
      expect(idTime(idBound('atmpt', at, 'end'))).toEqual(at);
    }
  });

  it('reads any random part, including the extremes (ids minted by the earlier BigInt encoder)', () => {
    const ms = BigInt(Date.parse('2026-01-01T00:00:00Z'));
    for (const random of [0n, 1n, 12_345_678_901_234_567_890n, (1n << 111n) + 7n, (1n << 112n) - 1n]) {
      expect(idTime(`msg_${encodeBody((ms << 112n) | random)}`)).toEqual(new Date(Number(ms)));
    }
  });
});

describe('isId', () => {
  it('wants the right prefix and exactly 27 characters of the alphabet', () => {
    const id = newId('ep');
    expect(isId('ep', id)).toBe(true);
    expect(isId('app', id)).toBe(false);
    expect(isId('ep', `${id}0`)).toBe(false);
    expect(isId('ep', id.slice(0, -1))).toBe(false);
    expect(isId('ep', `${id.slice(0, -1)}-`)).toBe(false);
  });
});
