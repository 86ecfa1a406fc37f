/**
 * A token bucket for an endpoint's `rateLimit` (messages per second). It holds at most one
 * second's worth of tokens (at least one), so an idle endpoint may take a one-second burst and
 * then settles at the rate. Time is a monotonic millisecond reading passed in by the caller
 * (`performance.now()` in the dispatcher), not the injectable wall clock: a rate is about real
 * elapsed time, and a fake clock that never moves would otherwise stall the endpoint forever.
 *
 * This limits one process. With several workers on PostgreSQL each enforces the limit on its
 * own, so the endpoint may see up to workers × rate; a shared limiter is future work.
 */
export class TokenBucket {
  private tokens: number;
  private last: number;
  readonly capacity: number;

  constructor(readonly ratePerSecond: number, nowMs: number) {
    if (!(ratePerSecond > 0)) throw new RangeError('a token bucket needs a positive rate');
    this.capacity = Math.max(1, ratePerSecond);
    this.tokens = this.capacity;
    this.last = nowMs;
  }

  private refill(nowMs: number): void {
    if (nowMs > this.last) {
      this.tokens = Math.min(this.capacity, this.tokens + ((nowMs - this.last) * this.ratePerSecond) / 1000);
      this.last = nowMs;
    }
  }

  /** Whole tokens available now. */
  available(nowMs: number): number {
    this.refill(nowMs);
    return Math.floor(this.tokens);
  }

  /** Takes one token when there is one. */
  tryTake(nowMs: number): boolean {
    this.refill(nowMs);
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }

  /** Milliseconds until a token is available (0 when one is). */
  msUntilToken(nowMs: number): number {
    this.refill(nowMs);
    return this.tokens >= 1 ? 0 : Math.ceil(((1 - this.tokens) * 1000) / this.ratePerSecond);
  }

  /** A full bucket behaves exactly like a new one, so it can be dropped. */
  isFull(nowMs: number): boolean {
    this.refill(nowMs);
    return this.tokens >= this.capacity;
  }
}
