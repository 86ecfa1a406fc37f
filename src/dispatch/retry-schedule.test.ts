import { describe, expect, it } from 'vitest';
import { effectiveSchedule, nextDelayMs, parseRetryAfter, retryAfterCapSeconds } from './retry-schedule.js';

const schedule = [5, 300, 1800];

describe('nextDelayMs', () => {
  it('uses the slot of the attempt that just failed', () => {
    const mid = () => 0.5;
    expect(nextDelayMs({ schedule, attemptCount: 1, random: mid })).toBe(5_000);
    expect(nextDelayMs({ schedule, attemptCount: 2, random: mid })).toBe(300_000);
    expect(nextDelayMs({ schedule, attemptCount: 3, random: mid })).toBe(1_800_000);
  });

  it('returns null once the schedule is exhausted, and for an empty schedule', () => {
    expect(nextDelayMs({ schedule, attemptCount: 4, random: () => 0.5 })).toBeNull();
    expect(nextDelayMs({ schedule: [], attemptCount: 1 })).toBeNull();
  });

  it('keeps jitter within ±20 %', () => {
    expect(nextDelayMs({ schedule, attemptCount: 2, random: () => 0 })).toBe(240_000);
    expect(nextDelayMs({ schedule, attemptCount: 2, random: () => 0.999999 })).toBeCloseTo(360_000, -1);
    for (let i = 0; i < 1000; i++) {
      const d = nextDelayMs({ schedule, attemptCount: 2 })!;
      expect(d).toBeGreaterThanOrEqual(240_000);
      expect(d).toBeLessThanOrEqual(360_000);
    }
  });

  it('waits at least Retry-After and still uses the slot', () => {
    expect(nextDelayMs({ schedule, attemptCount: 1, retryAfterSeconds: 120, random: () => 0.5 })).toBe(120_000);
    // A shorter Retry-After does not shorten the schedule.
    expect(nextDelayMs({ schedule, attemptCount: 2, retryAfterSeconds: 1, random: () => 0.5 })).toBe(300_000);
    // The slot is consumed: after the last slot, Retry-After does not buy another attempt.
    expect(nextDelayMs({ schedule, attemptCount: 4, retryAfterSeconds: 10 })).toBeNull();
  });

  it('caps Retry-After at 24 h', () => {
    expect(nextDelayMs({ schedule, attemptCount: 1, retryAfterSeconds: 10 * 86_400, random: () => 0.5 })).toBe(retryAfterCapSeconds * 1000);
  });
});

describe('parseRetryAfter', () => {
  const now = new Date('2024-05-01T12:00:00Z');

  it('reads delta-seconds', () => {
    expect(parseRetryAfter('120', now)).toBe(120);
    expect(parseRetryAfter(' 0 ', now)).toBe(0);
  });

  it('reads an HTTP date relative to now', () => {
    expect(parseRetryAfter('Wed, 01 May 2024 12:02:00 GMT', now)).toBe(120);
    expect(parseRetryAfter('Wed, 01 May 2024 11:00:00 GMT', now)).toBe(0);
  });

  it('ignores what it cannot read', () => {
    expect(parseRetryAfter(undefined, now)).toBeNull();
    expect(parseRetryAfter('soon', now)).toBeNull();
    expect(parseRetryAfter('-5', now)).toBeNull();
    expect(parseRetryAfter('1.5', now)).toBeNull();
  });
});

describe('effectiveSchedule', () => {
  const config = { retrySchedule: [1, 2, 3] };
  it('prefers the endpoint, then the profile, then the server default', () => {
    expect(effectiveSchedule({ retrySchedule: [9] }, { retrySchedule: [] }, config)).toEqual([9]);
    expect(effectiveSchedule({ retrySchedule: null }, { retrySchedule: [] }, config)).toEqual([]);
    expect(effectiveSchedule({ retrySchedule: null }, { retrySchedule: null }, config)).toEqual([1, 2, 3]);
    expect(effectiveSchedule({ retrySchedule: null }, undefined, config)).toEqual([1, 2, 3]);
  });
});
