/**
 * When the claim loop sleeps and what ends the sleep (DESIGN §6: wake-ups, with a poll as the
 * safety net).
 *
 * - *News* (`news()`: deliveries were queued, by this process or, on PostgreSQL, another) ends an
 *   idle sleep (the last claim found nothing) at once. A busy sleep (the last claim found work)
 *   is not ended by news alone: it ends at its timer (`activePollMs`) or at the next completion.
 *   With N workers every NOTIFY would otherwise cost N claims.
 * - *Capacity* (`capacity()`: a place the loop waited for is free: a full lane or the full
 *   process freed one, a rate token is due) ends any sleep.
 * - *Completions* (`completed()`: outcomes were written, so the store counts their places free)
 *   end any sleep while news is pending: a busy worker claims the new work as soon as it has
 *   finished something, instead of waiting out its pause. Before this, with an endpoint allowed
 *   more in flight than one claim took, nothing but the pause ended a busy sleep: ≈ 10
 *   deliveries per pause, 443/s with maxConcurrency 50 (bench quick pass, 2026-11-23 20:48).
 *
 * A signal that comes while the loop is not sleeping (it is claiming) is kept for the next sleep;
 * a claim that starts clears what it will see anyway (`claiming()`).
 */
export class Waker {
  private resolve: (() => void) | null = null;
  private timer: NodeJS.Timeout | null = null;
  private endsOnNews = true;
  private newsPending = false;
  private capacityPending = false;

  news(): void {
    if (this.resolve && this.endsOnNews) this.end();
    else this.newsPending = true;
  }

  capacity(): void {
    if (this.resolve) this.end();
    else this.capacityPending = true;
  }

  completed(): void {
    if (this.newsPending) this.capacity();
  }

  /** A claim starts: it will see everything queued so far. */
  claiming(): void {
    this.newsPending = false;
    this.capacityPending = false;
  }

  sleep(ms: number, endsOnNews: boolean): Promise<void> {
    if (this.capacityPending || (endsOnNews && this.newsPending)) return Promise.resolve();
    this.endsOnNews = endsOnNews;
    return new Promise((resolve) => {
      this.resolve = resolve;
      this.timer = setTimeout(() => this.end(), ms);
    });
  }

  private end(): void {
    const resolve = this.resolve;
    this.resolve = null;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    resolve?.();
  }
}
