import { describe, expect, it } from 'vitest';
import { TokenBucket } from './rate-limit.js';

describe('TokenBucket', () => {
  it('allows a one-second burst, then the rate', () => {
    const bucket = new TokenBucket(5, 0);
    for (let i = 0; i < 5; i++) expect(bucket.tryTake(0)).toBe(true);
    expect(bucket.tryTake(0)).toBe(false);
    expect(bucket.msUntilToken(0)).toBe(200);
    expect(bucket.tryTake(199)).toBe(false);
    expect(bucket.tryTake(200)).toBe(true);
    expect(bucket.available(1200)).toBe(5);
    expect(bucket.isFull(1200)).toBe(true);
  });

  it('holds at least one token for rates below one per second', () => {
    const bucket = new TokenBucket(0.5, 0);
    expect(bucket.tryTake(0)).toBe(true);
    expect(bucket.msUntilToken(0)).toBe(2000);
    expect(bucket.tryTake(1999)).toBe(false);
    expect(bucket.tryTake(2000)).toBe(true);
  });

  it('rejects a non-positive rate', () => {
    expect(() => new TokenBucket(0, 0)).toThrow(RangeError);
  });
});
