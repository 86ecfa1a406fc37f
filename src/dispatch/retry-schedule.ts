import type { Config } from '../config.js';
import type { Endpoint } from '../domain/types.js';
import type { Profile } from '../profiles/profile.js';

/**
 * When the next attempt of a failed delivery goes out (DESIGN.md §4). Pure: time and randomness
 * come in as arguments.
 *
 * A schedule lists the delays, in seconds, between attempts: `[5, 300]` means three attempts in
 * all, the second 5 s after the first failed and the third 300 s after the second. Each delay is
 * spread by ±20 % so that a burst of failures (an endpoint that was down for a minute) does not
 * come back as a synchronised burst of retries.
 */
export const retryJitterRatio = 0.2;
/** A `Retry-After` longer than this is cut to it (§4: capped at 24 h). */
export const retryAfterCapSeconds = 86_400;

export interface NextDelayParams {
  schedule: readonly number[];
  /** Attempts made so far, counting the one that just failed (≥ 1). */
  attemptCount: number;
  /** The receiver's `Retry-After` in seconds (see `parseRetryAfter`), for 429 and 503 only. */
  retryAfterSeconds?: number | null;
  /** [0, 1), as Math.random. */
  random?: () => number;
}

/** Milliseconds until the next attempt, or null when the schedule is exhausted. */
export function nextDelayMs({ schedule, attemptCount, retryAfterSeconds = null, random = Math.random }: NextDelayParams): number | null {
  const slot = schedule[attemptCount - 1];
  if (attemptCount < 1 || slot === undefined) return null;
  const jittered = slot * 1000 * (1 - retryJitterRatio + 2 * retryJitterRatio * random());
  // Retry-After raises the wait but never grants an extra attempt: the slot is used either way.
  const floor = retryAfterSeconds === null ? 0 : Math.min(Math.max(retryAfterSeconds, 0), retryAfterCapSeconds) * 1000;
  return Math.round(Math.max(jittered, floor));
}

/**
 * `Retry-After` as seconds from `now`: either delta-seconds or an HTTP date (RFC 9110 §10.2.3).
 * A date in the past gives 0; anything unreadable gives null (the header is then ignored).
 */
export function parseRetryAfter(value: string | null | undefined, now: Date): number | null {
  if (value === null || value === undefined) return null;
  const text = value.trim();
  if (/^\d+$/.test(text)) return Number(text);
  // Date.parse accepts the IMF-fixdate form and the obsolete RFC 850 / asctime forms, and also
  // odd strings such as "1"; the digit case is handled above and a date must name a weekday or
  // month, so require a letter to rule out bare numbers with signs or decimals.
  if (!/[a-z]/i.test(text)) return null;
  const at = Date.parse(text);
  if (Number.isNaN(at)) return null;
  return Math.max(0, Math.ceil((at - now.getTime()) / 1000));
}

/** The schedule in force for an endpoint: its own, else its profile's, else the server's. */
export function effectiveSchedule(endpoint: Pick<Endpoint, 'retrySchedule'>, profile: Pick<Profile, 'retrySchedule'> | undefined, config: Pick<Config, 'retrySchedule'>): readonly number[] {
  return endpoint.retrySchedule ?? profile?.retrySchedule ?? config.retrySchedule;
}
