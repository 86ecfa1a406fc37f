import type { Clock } from '../domain/clock.js';
import type { Endpoint } from '../domain/types.js';
import type { ClaimedDelivery, Store } from '../store/driver.js';
import { attemptDelivery, deliveryKey, EndpointStates, type EndpointState } from './claim-loop-attempt.js';
import { resolveDispatcherOptions, type DispatcherDeps, type DispatcherOptions, type DispatchLogger } from './claim-loop-options.js';
import { OutcomeWriter } from './claim-loop-outcomes.js';
import { Waker } from './claim-loop-wake.js';
import { Sender } from './sender.js';

export { dispatcherOptionsDefault, type DispatcherDeps, type DispatcherOptions, type DispatchLogger } from './claim-loop-options.js';

/**
 * The delivery worker: claims due deliveries from the store, sends them, records the outcomes.
 *
 *   claim (one statement per batch; the store applies the endpoints' limits) → per-endpoint
 *     lanes → sign + send (undici) → decide (success / retry / fail / disable) → outcome buffer
 *     → record (one `deliveryRecordOutcomes` per batch of completions)
 *
 * One concern per file: this one claims and runs lanes; `claim-loop-attempt.ts` makes one
 * attempt, `claim-loop-outcomes.ts` writes outcomes and releases, `claim-loop-wake.ts` decides
 * when to claim again, `claim-loop-options.ts` holds the knobs and their measurements.
 *
 * The store is the queue: a claimed delivery is `sending` under a lease until its outcome is
 * written, so nothing here needs to survive a crash; an expired lease returns the delivery to the
 * queue (the lease reaper, `src/maintenance/lease-reaper.ts`, run at start and then periodically).
 *
 * Limits (DESIGN.md §4): the store's claim enforces each endpoint's `maxConcurrency` and
 * `rateLimit` across every worker process (`Store.deliveryClaimDue`), so a claim never returns
 * more than the endpoint may have in flight, and each delivery it returns has spent a rate token
 * and is sent at once. The lanes keep the per-process view: a lane is listed in
 * `skipEndpointIds` while it is full or holds claimed work, so claims go to other endpoints.
 * Fairness across applications is the store's claim order.
 *
 * A claim may return more for an endpoint than this process can send at once (its
 * `maxConcurrency` was lowered); the rest waits in the lane's queue, still leased. Before a
 * queued delivery is sent, its lease must outlast the request's timeout plus `leaseMarginMs`;
 * otherwise it is released rather than risk a second worker claiming it while it is in flight.
 *
 * Failures of the store (a lost database) are survived: a failed claim is retried with the idle
 * backoff, failed outcome writes stay in memory and are retried with a backoff (and at once when
 * a claim succeeds again), and leases that cannot be released expire. Only a process that exits
 * while the store is unreachable loses its unwritten outcomes; their deliveries are sent again
 * once their leases expire (at least once).
 */

interface Job {
  claimed: ClaimedDelivery;
  state: EndpointState;
  leaseUntilMs: number;
  /** Resolves once the job is sent and its outcome queued, or released. */
  done: Promise<void>;
  settle: () => void;
}

interface Lane {
  endpointId: string;
  maxConcurrency: number;
  inFlight: number;
  queue: Job[];
  /** The last claim took as many as it could of this endpoint: more may be due once it frees a place. */
  moreDue: boolean;
  /** Wakes the loop when a rate-limited endpoint's next token is due. */
  rateTimer: NodeJS.Timeout | null;
}

export class Dispatcher {
  private readonly store: Store;
  private readonly clock: Clock;
  private readonly logger: DispatchLogger;
  private readonly opts: DispatcherOptions;
  private readonly sender: Sender;
  private readonly endpointStates: EndpointStates;
  private readonly writer: OutcomeWriter;
  private readonly waker = new Waker();

  private readonly lanes = new Map<string, Lane>();
  private readonly running = new Set<Promise<void>>();
  /** Jobs in flight or queued in lanes. */
  private active = 0;
  /** A full lane or the full process freed a place: claim again once the outcomes are written. */
  private wakeAfterFlush = false;
  private claimChain: Promise<unknown> = Promise.resolve();

  private readonly shutdown = new AbortController();
  private started = false;
  private stopping = false;
  private stopPromise: Promise<void> | null = null;
  private loopPromise: Promise<void> | null = null;
  private unsubscribe: (() => void) | null = null;
  /** Consecutive failed claims, so that a lost database logs once, not once per poll. */
  private claimFailures = 0;

  constructor(deps: DispatcherDeps) {
    this.store = deps.store;
    this.clock = deps.clock;
    this.logger = deps.logger;
    this.opts = resolveDispatcherOptions(deps.options);
    this.sender = new Sender({ allowedNetworks: deps.config.allowedNetworks, dnsServers: deps.config.dnsServers, connectTimeoutMs: this.opts.connectTimeoutMs, relay: deps.relay });
    this.endpointStates = new EndpointStates({ secretBox: deps.secretBox, config: deps.config, timeoutCapMs: this.opts.leaseMs - 2 * this.opts.leaseMarginMs });
    this.writer = new OutcomeWriter({
      store: this.store,
      clock: this.clock,
      logger: this.logger,
      batchSize: this.opts.recordBatchSize,
      observer: deps.observer,
      afterFlush: (written) => this.afterFlush(written),
    });
  }

  /** Starts the claim loop (`main.ts` runs the lease reaper first, for leases a crashed run left). */
  async start(): Promise<void> {
    if (this.started || this.stopping) return;
    this.started = true;
    this.unsubscribe = this.store.onDeliveriesQueued(() => this.notify());
    this.loopPromise = this.loop();
  }

  /**
   * Stops claiming, releases queued deliveries, waits up to `stopTimeoutMs` for requests in
   * flight (then aborts them and releases their leases: at-least-once allows the resend), writes
   * the outcomes and closes the connection pool. Safe to call twice, and without `start()`.
   */
  stop(): Promise<void> {
    this.stopPromise ??= this.stopNow();
    return this.stopPromise;
  }

  /** News of queued deliveries (the store's wake-ups call it); see `claim-loop-wake.ts`. */
  notify(): void {
    this.waker.news();
  }

  /**
   * One pass for tests: claims one batch, sends it, waits until every delivery claimed is sent
   * (or released) and the outcomes are written. Returns how many deliveries were claimed.
   */
  async runOnce(): Promise<number> {
    const jobs = await this.claim();
    await Promise.all(jobs.map((j) => j.done));
    await this.writer.flush();
    return jobs.length;
  }

  // --- the loop -------------------------------------------------------------------------------

  private async loop(): Promise<void> {
    let idleMs = this.opts.idleMinMs;
    while (!this.stopping) {
      const claimed = await this.claimSafely();
      if (this.stopping) break;
      // A full batch suggests more is due: claim again at once. After a claim that found work,
      // pause up to `activePollMs` (ended by freed capacity, or by a completion while news
      // waits). After an empty claim, sleep until news, freed capacity, or the backoff runs out
      // (that catches retries coming due).
      if (claimed >= this.opts.batchSize) {
        idleMs = this.opts.idleMinMs;
      } else if (claimed > 0) {
        idleMs = this.opts.idleMinMs;
        await this.waker.sleep(this.opts.activePollMs, false);
      } else {
        await this.waker.sleep(idleMs, true);
        idleMs = Math.min(idleMs * 2, this.opts.idleMaxMs);
      }
    }
  }

  /** Claims; returns how many were claimed (0 when the store failed). */
  private async claimSafely(): Promise<number> {
    try {
      const jobs = await this.claim();
      if (this.claimFailures > 0) {
        this.logger.info({ failures: this.claimFailures }, 'dispatcher: claiming works again');
        this.claimFailures = 0;
        this.writer.retryNow();
      }
      return jobs.length;
    } catch (err) {
      if (this.claimFailures++ === 0) this.logger.error({ err }, 'dispatcher: claiming deliveries failed; retrying with backoff');
      else this.logger.debug({ err, failures: this.claimFailures }, 'dispatcher: claiming deliveries failed again');
      return 0;
    }
  }

  private afterFlush(written: number): void {
    if (this.wakeAfterFlush) {
      this.wakeAfterFlush = false;
      this.waker.capacity();
    } else if (written > 0) {
      this.waker.completed();
    }
  }

  // --- claiming -------------------------------------------------------------------------------

  /** Claims are serialised: runOnce and the loop may overlap, their claims may not. */
  private claim(): Promise<Job[]> {
    const next = this.claimChain.then(() => this.claimNow());
    this.claimChain = next.catch(() => undefined);
    return next;
  }

  private async claimNow(): Promise<Job[]> {
    const room = this.opts.maxInFlight - this.active;
    if (room <= 0 || this.stopping) return [];
    this.waker.claiming();
    const now = this.clock.now();
    const perEndpointLimit = this.perEndpointLimit();
    const claimed = await this.store.deliveryClaimDue({
      now,
      limit: Math.min(this.opts.batchSize, room),
      leaseMs: this.opts.leaseMs,
      perEndpointLimit,
      maxConcurrencyDefault: this.opts.maxConcurrencyDefault,
      skipEndpointIds: this.skippedLanes(),
    });
    if (claimed.length === 0) return [];
    if (this.stopping) {
      this.writer.release(claimed.map(deliveryKey));
      return [];
    }
    return this.enqueue(claimed, now.getTime() + this.opts.leaseMs, perEndpointLimit);
  }

  /**
   * The claim reads up to this many due rows per endpoint before applying each endpoint's room,
   * so it stays at the widest lane known (default endpoints: `maxConcurrencyDefault`) rather than
   * `perEndpointLimit` for every endpoint with a backlog. A wider endpoint not yet known gets
   * that many first, then more at its first completion (`Lane.moreDue`).
   */
  private perEndpointLimit(): number {
    let widest = this.opts.maxConcurrencyDefault;
    for (const lane of this.lanes.values()) widest = Math.max(widest, lane.maxConcurrency);
    return Math.min(this.opts.perEndpointLimit, widest);
  }

  /** Endpoints to leave out of the claim (full, or still holding claimed work); drops idle lanes. */
  private skippedLanes(): string[] {
    const skip: string[] = [];
    for (const lane of this.lanes.values()) {
      if (lane.queue.length === 0 && lane.inFlight === 0 && lane.rateTimer === null) {
        this.lanes.delete(lane.endpointId);
      } else if (lane.queue.length > 0 || lane.inFlight >= lane.maxConcurrency) {
        skip.push(lane.endpointId);
      }
    }
    return skip;
  }

  private enqueue(claimed: ClaimedDelivery[], leaseUntilMs: number, perEndpointLimit: number): Job[] {
    const jobs: Job[] = [];
    const touched = new Map<Lane, { endpoint: Endpoint; count: number }>();
    for (const c of claimed) {
      let settle!: () => void;
      const done = new Promise<void>((resolve) => (settle = resolve));
      const job: Job = { claimed: c, state: this.endpointStates.get(c.endpoint), leaseUntilMs, done, settle };
      const lane = this.laneFor(c.endpoint);
      lane.queue.push(job);
      this.active++;
      const seen = touched.get(lane);
      if (seen) seen.count++;
      else touched.set(lane, { endpoint: c.endpoint, count: 1 });
      jobs.push(job);
    }
    for (const [lane, { endpoint, count }] of touched) {
      lane.moreDue = count >= perEndpointLimit && count < lane.maxConcurrency;
      this.pump(lane);
      this.scheduleRateWake(lane, endpoint);
    }
    return jobs;
  }

  private laneFor(endpoint: Endpoint): Lane {
    let lane = this.lanes.get(endpoint.id);
    if (!lane) {
      lane = { endpointId: endpoint.id, maxConcurrency: 0, inFlight: 0, queue: [], moreDue: false, rateTimer: null };
      this.lanes.set(endpoint.id, lane);
    }
    // The endpoint row is fresh from the claim: follow edits to its limits.
    lane.maxConcurrency = Math.max(1, endpoint.maxConcurrency ?? this.opts.maxConcurrencyDefault);
    return lane;
  }

  /**
   * The store hands out a rate-limited endpoint's tokens at claim time. After a claim that got
   * some, wake when the next one is due (`1 / rateLimit` s), so a backlog drains at the rate
   * rather than at the idle backoff; a claim that gets none for it ends the chain. A rateLimit of
   * 0 means no limit, as for the store: Svix documents no meaning for 0, and "never deliver" is
   * what disabling an endpoint is for.
   */
  private scheduleRateWake(lane: Lane, endpoint: Endpoint): void {
    const rate = endpoint.rateLimit;
    if (rate === null || rate <= 0 || lane.rateTimer !== null || this.stopping) return;
    lane.rateTimer = setTimeout(() => {
      lane.rateTimer = null;
      this.waker.capacity();
    }, Math.ceil(1000 / rate) + 1);
    lane.rateTimer.unref();
  }

  /** Starts as many queued jobs as the lane's concurrency allows. */
  private pump(lane: Lane): void {
    while (lane.queue.length > 0 && lane.inFlight < lane.maxConcurrency && !this.stopping) {
      const job = lane.queue.shift()!;
      if (job.leaseUntilMs - this.clock.now().getTime() < job.state.timeoutMs + this.opts.leaseMarginMs) {
        this.release(job);
        continue;
      }
      this.launch(lane, job);
    }
  }

  private launch(lane: Lane, job: Job): void {
    lane.inFlight++;
    const run = this.deliver(lane, job)
      .catch((err: unknown) => {
        // deliver() does not throw by design; if it ever does, the lease brings the delivery back.
        this.logger.error({ err, msgId: job.claimed.delivery.msgId, endpointId: lane.endpointId }, 'dispatcher: delivery crashed');
      })
      .finally(() => this.finished(lane, job, run));
    this.running.add(run);
  }

  private finished(lane: Lane, job: Job, run: Promise<void>): void {
    const wasBlocked = lane.moreDue || lane.inFlight >= lane.maxConcurrency || lane.queue.length > 0;
    lane.inFlight--;
    this.active--;
    job.settle();
    this.running.delete(run);
    this.pump(lane);
    // Claim again at once only when that can return something new: the lane just left the skip
    // list (or its last claim was cut at `perEndpointLimit`), or the global cap has room again;
    // and only once this outcome is written, since until then the store still counts the
    // delivery in flight. Other completions wake the loop only while news waits (Waker).
    const nowOpen = lane.queue.length === 0 && lane.inFlight < lane.maxConcurrency;
    if ((wasBlocked && nowOpen) || this.active === this.opts.maxInFlight - 1) {
      lane.moreDue = false;
      this.wakeAfterFlush = true;
    }
  }

  private release(job: Job): void {
    this.active--;
    this.writer.release([deliveryKey(job.claimed)]);
    job.settle();
  }

  // --- one attempt ----------------------------------------------------------------------------

  private async deliver(lane: Lane, job: Job): Promise<void> {
    const outcome = await attemptDelivery(job.claimed, job.state, {
      sender: this.sender,
      clock: this.clock,
      signal: this.shutdown.signal,
      random: this.opts.random,
    });
    if (outcome === null) {
      this.writer.release([deliveryKey(job.claimed)]);
      return;
    }
    if (outcome.disableEndpoint) {
      const { endpoint } = job.claimed;
      this.logger.info({ endpointId: endpoint.id, appId: endpoint.appId }, 'dispatcher: endpoint answered 410 Gone; disabling it');
      // What is still queued for it stays pending; the disabled endpoint is no longer claimed.
      for (const queued of lane.queue.splice(0)) this.release(queued);
    }
    this.writer.add(outcome);
  }

  // --- stopping -------------------------------------------------------------------------------

  private async stopNow(): Promise<void> {
    this.stopping = true;
    this.unsubscribe?.();
    this.unsubscribe = null;
    this.waker.capacity();
    await this.loopPromise;
    await this.claimChain;
    for (const lane of this.lanes.values()) {
      if (lane.rateTimer) clearTimeout(lane.rateTimer);
      lane.rateTimer = null;
      for (const job of lane.queue.splice(0)) this.release(job);
    }
    await this.settleRunning();
    this.writer.stop();
    await this.writer.flush();
    await this.sender.close();
  }

  /** Waits up to `stopTimeoutMs` for requests in flight, then aborts them (their leases are released). */
  private async settleRunning(): Promise<void> {
    if (this.running.size === 0) return;
    let timer: NodeJS.Timeout | undefined;
    const bound = new Promise<void>((resolve) => (timer = setTimeout(resolve, this.opts.stopTimeoutMs)));
    await Promise.race([Promise.allSettled([...this.running]), bound]);
    clearTimeout(timer);
    if (this.running.size === 0) return;
    this.logger.warn({ count: this.running.size }, 'dispatcher: aborting requests still in flight at stop; their deliveries go back to the queue');
    this.shutdown.abort();
    await Promise.allSettled([...this.running]);
  }
}
