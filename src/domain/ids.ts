import { randomFillSync } from 'node:crypto';

/**
 * Prefixed, time-sortable ids: `<prefix>_` + 27 base62 characters, as Svix's are.
 *
 * The 27 characters encode 20 bytes: a 48-bit millisecond Unix timestamp followed by a 112-bit
 * random part. The alphabet is in ASCII order and the width is fixed, so comparing two ids as strings
 * compares their creation instants; a list's iterator is simply its last id, and a time range is
 * a pair of id bounds (see `idBound`).
 *
 * Within one process, ids are also in creation order inside a millisecond, as ULID's monotonic
 * factory makes them: an id minted in the same millisecond as the previous one carries the
 * previous random part plus one; a new millisecond draws a fresh random part. A fresh draw has its
 * top bit cleared, so 2^111 ids fit in one millisecond before the random part could overflow into
 * the timestamp: the increment never needs a carry-out branch. Ids of different processes (or an
 * `at` that goes back and forth between instants) are ordered by time only.
 *
 * Speed: measured with a throwaway script over 200,000 ids (after 20,000 warm-up) on the 2-core
 * dev VM (Intel Xeon, Node 20.20). The previous version, one BigInt shifted in byte by byte and
 * divided by 62n 27 times plus a `randomFillSync` of 14 bytes per id, took 5.2–5.4 µs per `newId`
 * (the `randomFillSync` alone 1.3 µs) and 1.5 µs per `idTime`. Ten 16-bit limbs in plain numbers,
 * random limbs from a pooled draw (4 ns each) and the monotonic increment bring `newId` to
 * 0.35 µs (0.29 µs when every id falls in the same millisecond, 0.37 µs when each falls in a new
 * one) and `idTime` to 0.27 µs, the `Date` included.
 */
export const idPrefixes = ['app', 'ep', 'msg', 'atmpt', 'qtask', 'evt'] as const;
export type IdPrefix = (typeof idPrefixes)[number];
export type Id<P extends IdPrefix> = `${P}_${string}`;

const alphabet = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
const alphabetCodes = Array.from(alphabet, (c) => c.charCodeAt(0));
const digitValues = new Uint8Array(128);
for (let d = 0; d < alphabet.length; d++) digitValues[alphabetCodes[d]!] = d;
const bodyLength = 27;
const idPattern = /^[0-9A-Za-z]{27}$/;

/** 160 bits as 16-bit limbs, most significant first: limbs 0–2 the milliseconds, 3–9 the random part. */
const limbCount = 10;
const timeLimbs = 3;
/**
 * Digits are produced 5 at a time by dividing the limbs by 62^5 < 2^30: a step's value (remainder
 * · 2^16 + limb) stays below 2^46, exact in a double, and the remainder is an int32 whose digits
 * integer division by the constant 62 extracts. 27 digits = 5 chunks of 5 + the top 2. Dividing
 * by multiplying with the reciprocal and correcting by one halved the time of `/`.
 */
const chunkBase = 62 ** 5;
const chunkInverse = 1 / chunkBase;
const chunkDigits = 5;
const chunks = 5;
const topDigits = bodyLength - chunks * chunkDigits;

const scratch = new Array<number>(limbCount).fill(0);
const digitCodes = new Array<number>(bodyLength).fill(0);

/** The 27 base62 digits of the number in `limbs` (left unchanged). */
function encode(limbs: readonly number[]): string {
  for (let i = 0; i < limbCount; i++) scratch[i] = limbs[i]!;
  let pos = bodyLength;
  let first = 0; // limbs before `first` are already zero
  for (let c = 0; c < chunks; c++) {
    let rem = 0;
    for (let i = first; i < limbCount; i++) {
      const cur = rem * 65536 + scratch[i]!;
      let q = Math.floor(cur * chunkInverse);
      rem = cur - q * chunkBase;
      if (rem < 0) {
        q--;
        rem += chunkBase;
      } else if (rem >= chunkBase) {
        q++;
        rem -= chunkBase;
      }
      scratch[i] = q;
    }
    while (first < limbCount - 1 && scratch[first] === 0) first++;
    let r = rem | 0;
    for (let d = 0; d < chunkDigits; d++) {
      const q = (r / 62) | 0;
      digitCodes[--pos] = alphabetCodes[r - q * 62]!;
      r = q;
    }
  }
  // What is left is below 2^160 / 62^25 < 62^2, so it sits in the last limb.
  let top = scratch[limbCount - 1]! | 0;
  for (let d = 0; d < topDigits; d++) {
    const q = (top / 62) | 0;
    digitCodes[--pos] = alphabetCodes[top - q * 62]!;
    top = q;
  }
  return String.fromCharCode.apply(null, digitCodes);
}

function setTime(limbs: number[], ms: number): void {
  const t = Math.max(0, Math.floor(ms));
  limbs[0] = Math.floor(t / 2 ** 32) & 0xffff;
  limbs[1] = Math.floor(t / 65536) & 0xffff;
  limbs[2] = t & 0xffff;
}

// Random limbs come from a pool refilled 512 draws at a time: a randomFillSync per id cost 1.3 µs,
// four times the whole encoding.
const randomPool = new Uint16Array((limbCount - timeLimbs) * 512);
let randomNext = randomPool.length;

function drawRandom(limbs: number[]): void {
  if (randomNext === randomPool.length) {
    randomFillSync(randomPool);
    randomNext = 0;
  }
  for (let i = timeLimbs; i < limbCount; i++) limbs[i] = randomPool[randomNext++]!;
  limbs[timeLimbs] = limbs[timeLimbs]! & 0x7fff;
}

/** The previous id's limbs and millisecond, for monotonic ids within a millisecond. */
const last = new Array<number>(limbCount).fill(0);
let lastMs = -1;

export function newId<P extends IdPrefix>(prefix: P, at: Date = new Date()): Id<P> {
  const ms = at.getTime();
  if (ms === lastMs) {
    let i = limbCount - 1;
    while (last[i] === 0xffff) last[i--] = 0;
    last[i]!++;
  } else {
    lastMs = ms;
    setTime(last, ms);
    drawRandom(last);
  }
  return `${prefix}_${encode(last)}`;
}

/** The smallest (`start`) or largest (`end`) id that `newId(prefix, at)` can produce. */
export function idBound<P extends IdPrefix>(prefix: P, at: Date, side: 'start' | 'end'): Id<P> {
  const limbs = new Array<number>(limbCount).fill(side === 'start' ? 0 : 0xffff);
  setTime(limbs, at.getTime());
  return `${prefix}_${encode(limbs)}`;
}

export function isId<P extends IdPrefix>(prefix: P, value: string): value is Id<P> {
  return value.startsWith(`${prefix}_`) && idPattern.test(value.slice(prefix.length + 1));
}

/** The creation instant an id carries (the digits are multiplied back into limbs, 5 at a time). */
export function idTime(id: string): Date {
  let pos = id.indexOf('_') + 1;
  scratch.fill(0);
  for (let c = 0; c <= chunks; c++) {
    const count = c === 0 ? topDigits : chunkDigits;
    let carry = 0;
    for (let d = 0; d < count; d++) carry = carry * 62 + digitValues[id.charCodeAt(pos++) & 127]!;
    const base = c === 0 ? 62 ** topDigits : chunkBase;
    for (let i = limbCount - 1; i >= 0; i--) {
      const cur = scratch[i]! * base + carry;
      carry = Math.floor(cur / 65536);
      scratch[i] = cur - carry * 65536;
    }
  }
  return new Date(scratch[0]! * 2 ** 32 + scratch[1]! * 65536 + scratch[2]!);
}
