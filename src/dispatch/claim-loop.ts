import type { Config } from '../config.js';
import type { Clock } from '../domain/clock.js';
import { newId } from '../domain/ids.js';
import type { SecretBox } from '../domain/secrets.js';
import { MessageStatus, type Attempt, type Endpoint } from '../domain/types.js';
import { getProfile, type PreparedEndpoint } from '../profiles/index.js';
import type { ClaimedDelivery, DeliveryKey, DeliveryOutcome, Store } from '../store/driver.js';
import { effectiveSchedule, nextDelayMs, parseRetryAfter } from './retry-schedule.js';
import { Sender, connectTimeoutMsDefault, userAgent, type SendResult } from './sender.js';

/**
 * The delivery worker: claims due deliveries from the store, sends them, records the outcomes.
 *
 *   claim (one statement per batch; the store applies the endpoints' limits) → per-endpoint
 *     lanes → sign + send (undici) → decide (success / retry / fail / disable) → outcome buffer
 *     → record (one `deliveryRecordOutcomes` per batch of completions)
 *
 * The store is the queue: a claimed delivery is `sending` under a lease until its outcome is
 * written, so nothing here needs to survive a crash; an expired lease returns the delivery to the
 * queue (`deliveryReapExpiredLeases`, run at start and then every `reapIntervalMs`).
 *
 * Limits (DESIGN.md §4): the store's claim enforces each endpoint's `maxConcurrency` and
 * `rateLimit` across every worker process (`Store.deliveryClaimDue`), so a claim never returns
 * more than the endpoint may have in flight, and each delivery it returns has spent a rate token
 * and is sent at once. The lanes keep the per-process view: a lane is listed in
 * `skipEndpointIds` while it is full or holds claimed work, so claims go to other endpoints;
 * `perEndpointLimit` keeps one endpoint from filling a batch. Fairness across applications is
 * the store's claim order.
 *
 * A claim may return more for an endpoint than this process can send at once (its
 * `maxConcurrency` was lowered); the rest waits in the lane's queue, still leased. Before a
 * queued delivery is sent, its lease must outlast the request's timeout plus `leaseMarginMs`;
 * otherwise it is released rather than risk a second worker claiming it while it is in flight.
 *
 * Wake-up: news of queued deliveries (the store's `onDeliveriesQueued`: an ingest, resend or
 * released lease in any process sharing the store; or `notify()`) makes an idle loop claim at
 * once, and a busy one (whose last claim found work) claim after `activePollMs`. Freed capacity
 * wakes it at once: outcomes written after a full lane or the full process freed a place (the
 * store counts the place free only once the outcome is written), a rate-limited endpoint's next
 * token. Otherwise it polls with a backoff from `idleMinMs` to `idleMaxMs`, the safety net that
 * also catches retries coming due (they send no notice).
 *
 * Failures of the store (a lost database) are survived: a failed claim is retried with the idle
 * backoff, failed outcome writes stay in memory and are retried with a backoff (and at once when
 * a claim succeeds again), and leases that cannot be released expire. Only a process that exits
 * while the store is unreachable loses its unwritten outcomes; their deliveries are sent again
 * once their leases expire (at least once).
 */
export interface DispatcherOptions {
  /** Deliveries per claim. */
  batchSize: number;
  /** How long a claim holds a delivery before another worker may take it. */
  leaseMs: number;
  /**
   * A queued delivery is sent only if its lease outlasts the timeout by this much; each request's
   * timeout is capped at `leaseMs − 2 × leaseMarginMs`. Default: 10 s, or a sixth of a shorter lease.
   */
  leaseMarginMs: number;
  /** At most this many deliveries of one endpoint per claim. */
  perEndpointLimit: number;
  /** Deliveries in flight or queued in lanes, across all endpoints. */
  maxInFlight: number;
  maxConcurrencyDefault: number;
  /** After a claim that found work (but not a full batch): the pause before the next claim. */
  activePollMs: number;
  /** After an empty claim: the poll backoff, from this … */
  idleMinMs: number;
  /** … doubling up to this. */
  idleMaxMs: number;
  /** How long `stop()` waits for in-flight requests before aborting them. */
  stopTimeoutMs: number;
  /** How often expired leases are returned to the queue. Default: 30 s, or a quarter of a shorter lease. */
  reapIntervalMs: number;
  /** Outcomes per `deliveryRecordOutcomes` call. */
  recordBatchSize: number;
  connectTimeoutMs: number;
  /** Jitter source, [0, 1). */
  random: () => number;
}

export const dispatcherOptionsDefault: Readonly<DispatcherOptions> = Object.freeze({
  batchSize: 200,
  leaseMs: 120_000,
  leaseMarginMs: 10_000,
  perEndpointLimit: 10,
  maxInFlight: 2_000,
  maxConcurrencyDefault: 10,
  // 20 ms: a message arriving while every worker is busy waits at most that for a claim, while
  // a stream of ingests costs each busy worker at most 50 claims a second. In the scale-out e2e
  // (2 API and 3 worker processes on PostgreSQL, the 2-core dev VM, 5,000 single-message POSTs
  // at about 350 a second) claiming on every NOTIFY cost 1.18 claims per message (5,907); with
  // this pause 0.54 (2,685), and outcome writes 0.40.
  activePollMs: 20,
  // Wake-ups make an idle worker's poll a safety net: it catches retries coming due, at most a
  // second late (the first retry is 5 s ± 20 % jitter by default).
  idleMinMs: 50,
  idleMaxMs: 1_000,
  stopTimeoutMs: 10_000,
  reapIntervalMs: 30_000,
  recordBatchSize: 500,
  connectTimeoutMs: connectTimeoutMsDefault,
  random: Math.random,
});

/** Structural subset of pino's logger (Fastify's `FastifyBaseLogger` fits). */
export interface DispatchLogger {
  debug(obj: object, msg?: string): void;
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

export interface DispatcherDeps {
  store: Store;
  clock: Clock;
  config: Config;
  secretBox: SecretBox;
  logger: DispatchLogger;
  options?: Partial<DispatcherOptions>;
}

/** Everything derived from one endpoint version, built once and reused for every attempt. */
interface EndpointState {
  version: string;
  prepared: PreparedEndpoint | null;
  /** Why the endpoint cannot be signed for (unknown profile, unreadable secret). */
  problem: string | null;
  /** Custom headers, then Herald's own (which win), lower-cased. */
  baseHeaders: Record<string, string>;
  timeoutMs: number;
  schedule: readonly number[];
}

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
  /** Wakes the loop when a rate-limited endpoint's next token is due. */
  rateTimer: NodeJS.Timeout | null;
}

const timeoutMsDefault = 15_000;
/** Retrying failed outcome writes: after 1 s, doubling up to 8 s while the store stays away. */
const flushRetryMinMs = 1_000;
const flushRetryMaxMs = 8_000;

function deliveryKey(c: ClaimedDelivery): DeliveryKey {
  return { appId: c.delivery.appId, msgId: c.delivery.msgId, endpointId: c.delivery.endpointId };
}

export class Dispatcher {
  private readonly store: Store;
  private readonly clock: Clock;
  private readonly config: Config;
  private readonly secretBox: SecretBox;
  private readonly logger: DispatchLogger;
  private readonly opts: DispatcherOptions;
  private readonly sender: Sender;

  private readonly lanes = new Map<string, Lane>();
  private readonly endpointStates = new Map<string, EndpointState>();
  private readonly running = new Set<Promise<void>>();
  /** Jobs in flight or queued in lanes. */
  private active = 0;

  private outcomes: DeliveryOutcome[] = [];
  private releases: DeliveryKey[] = [];
  private flushScheduled = false;
  private flushRetryTimer: NodeJS.Timeout | null = null;
  private flushRetryMs = flushRetryMinMs;
  /** A full lane or the full process freed a place: claim again once the outcomes are written. */
  private wakeAfterFlush = false;
  private flushChain: Promise<void> = Promise.resolve();
  private claimChain: Promise<unknown> = Promise.resolve();

  private readonly shutdown = new AbortController();
  private started = false;
  private stopping = false;
  private stopPromise: Promise<void> | null = null;
  private loopPromise: Promise<void> | null = null;
  private lastReapMs = -Infinity;
  private unsubscribe: (() => void) | null = null;
  /** Consecutive failed claims, so that a lost database logs once, not once per poll. */
  private claimFailures = 0;

  private wakeResolve: (() => void) | null = null;
  private sleepTimer: NodeJS.Timeout | null = null;
  /** Whether the current sleep ends on news of queued deliveries, or only on freed capacity. */
  private sleepEndsOnNews = true;
  private newsPending = false;
  private capacityPending = false;

  constructor(deps: DispatcherDeps) {
    this.store = deps.store;
    this.clock = deps.clock;
    this.config = deps.config;
    this.secretBox = deps.secretBox;
    this.logger = deps.logger;
    const leaseMs = deps.options?.leaseMs ?? dispatcherOptionsDefault.leaseMs;
    this.opts = {
      ...dispatcherOptionsDefault,
      leaseMarginMs: Math.min(dispatcherOptionsDefault.leaseMarginMs, Math.floor(leaseMs / 6)),
      reapIntervalMs: Math.min(dispatcherOptionsDefault.reapIntervalMs, Math.floor(leaseMs / 4)),
      ...deps.options,
    };
    this.sender = new Sender({ allowedNetworks: deps.config.allowedNetworks, connectTimeoutMs: this.opts.connectTimeoutMs });
  }

  /** Returns leases a crashed run left behind, then starts the claim loop. */
  async start(): Promise<void> {
    if (this.started || this.stopping) return;
    this.started = true;
    this.unsubscribe = this.store.onDeliveriesQueued(() => this.notify());
    await this.reap();
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

  /**
   * News of queued deliveries (the store's wake-ups call it): an idle loop claims at once; a busy
   * one (its last claim found work) claims at its next `activePollMs` anyway.
   */
  notify(): void {
    this.wake(false);
  }

  /** `capacity`: a place this process was waiting for is free (outcomes written, a rate token due). */
  private wake(capacity: boolean): void {
    if (this.wakeResolve && (capacity || this.sleepEndsOnNews)) {
      const resolve = this.wakeResolve;
      this.wakeResolve = null;
      if (this.sleepTimer) clearTimeout(this.sleepTimer);
      this.sleepTimer = null;
      resolve();
    } else if (!this.wakeResolve) {
      if (capacity) this.capacityPending = true;
      else this.newsPending = true;
    }
  }

  /**
   * One pass for tests: claims one batch, sends it, waits until every delivery claimed is sent
   * (or released) and the outcomes are written. Returns how many deliveries were claimed.
   */
  async runOnce(): Promise<number> {
    const jobs = await this.claim();
    await Promise.all(jobs.map((j) => j.done));
    await this.flush();
    return jobs.length;
  }

  // --- the loop -------------------------------------------------------------------------------

  private async loop(): Promise<void> {
    let idleMs = this.opts.idleMinMs;
    while (!this.stopping) {
      let claimed = 0;
      let full = false;
      try {
        if (this.clock.now().getTime() - this.lastReapMs >= this.opts.reapIntervalMs) await this.reap();
        const jobs = await this.claim();
        claimed = jobs.length;
        full = claimed >= this.opts.batchSize;
        if (this.claimFailures > 0) {
          this.logger.info({ failures: this.claimFailures }, 'dispatcher: claiming works again');
          this.claimFailures = 0;
          // The store is back: write what waited for it now rather than at the next retry.
          if (this.flushRetryTimer) {
            clearTimeout(this.flushRetryTimer);
            this.flushRetryTimer = null;
            void this.flush();
          }
        }
      } catch (err) {
        if (this.claimFailures++ === 0) this.logger.error({ err }, 'dispatcher: claiming deliveries failed; retrying with backoff');
        else this.logger.debug({ err, failures: this.claimFailures }, 'dispatcher: claiming deliveries failed again');
      }
      if (this.stopping) break;
      // A full batch suggests more is due: claim again at once. After a claim that found work,
      // pause `activePollMs`, ended early only by freed capacity: news of more messages waits
      // for the pause, which batches a stream of ingests into fewer claims (with N workers every
      // NOTIFY would otherwise cost N claims). After an empty claim, sleep until news, freed
      // capacity, or the backoff runs out (that catches retries coming due).
      if (full) {
        idleMs = this.opts.idleMinMs;
      } else if (claimed > 0) {
        idleMs = this.opts.idleMinMs;
        await this.sleep(this.opts.activePollMs, false);
      } else {
        await this.sleep(idleMs, true);
        idleMs = Math.min(idleMs * 2, this.opts.idleMaxMs);
      }
    }
  }

  private sleep(ms: number, endsOnNews: boolean): Promise<void> {
    const pending = this.capacityPending || (endsOnNews && this.newsPending);
    this.capacityPending = false;
    this.newsPending = false;
    if (pending) return Promise.resolve();
    this.sleepEndsOnNews = endsOnNews;
    return new Promise((resolve) => {
      this.wakeResolve = resolve;
      this.sleepTimer = setTimeout(() => {
        this.wakeResolve = null;
        this.sleepTimer = null;
        resolve();
      }, ms);
    });
  }

  private async reap(): Promise<void> {
    const now = this.clock.now();
    this.lastReapMs = now.getTime();
    try {
      const count = await this.store.deliveryReapExpiredLeases({ now });
      if (count > 0) this.logger.info({ count }, 'dispatcher: returned deliveries with expired leases to the queue');
    } catch (err) {
      this.logger.error({ err }, 'dispatcher: reaping expired leases failed');
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
    const now = this.clock.now();
    const skip: string[] = [];
    for (const lane of this.lanes.values()) {
      if (lane.queue.length === 0 && lane.inFlight === 0 && lane.rateTimer === null) {
        this.lanes.delete(lane.endpointId);
      } else if (lane.queue.length > 0 || lane.inFlight >= lane.maxConcurrency) {
        skip.push(lane.endpointId);
      }
    }
    const claimed = await this.store.deliveryClaimDue({
      now,
      limit: Math.min(this.opts.batchSize, room),
      leaseMs: this.opts.leaseMs,
      perEndpointLimit: this.opts.perEndpointLimit,
      maxConcurrencyDefault: this.opts.maxConcurrencyDefault,
      skipEndpointIds: skip,
    });
    if (claimed.length === 0) return [];
    if (this.stopping) {
      this.releases.push(...claimed.map(deliveryKey));
      this.scheduleFlush();
      return [];
    }
    const leaseUntilMs = now.getTime() + this.opts.leaseMs;
    const jobs: Job[] = [];
    const touched = new Map<Lane, Endpoint>();
    for (const c of claimed) {
      let settle!: () => void;
      const done = new Promise<void>((resolve) => (settle = resolve));
      const job: Job = { claimed: c, state: this.endpointState(c.endpoint), leaseUntilMs, done, settle };
      const lane = this.laneFor(c.endpoint);
      lane.queue.push(job);
      this.active++;
      touched.set(lane, c.endpoint);
      jobs.push(job);
    }
    for (const [lane, endpoint] of touched) {
      this.pump(lane);
      this.scheduleRateWake(lane, endpoint);
    }
    return jobs;
  }

  private laneFor(endpoint: Endpoint): Lane {
    let lane = this.lanes.get(endpoint.id);
    if (!lane) {
      lane = { endpointId: endpoint.id, maxConcurrency: 0, inFlight: 0, queue: [], rateTimer: null };
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
      this.wake(true);
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
    const run = this.deliver(job)
      .catch((err: unknown) => {
        // deliver() does not throw by design; if it ever does, the lease brings the delivery back.
        this.logger.error({ err, msgId: job.claimed.delivery.msgId, endpointId: lane.endpointId }, 'dispatcher: delivery crashed');
      })
      .finally(() => {
        const wasBlocked = lane.inFlight >= lane.maxConcurrency || lane.queue.length > 0;
        lane.inFlight--;
        this.active--;
        job.settle();
        this.running.delete(run);
        this.pump(lane);
        // Claim again only when that can return something new: the lane just left the skip list,
        // or the global cap has room again; and only once this outcome is written, since until
        // then the store still counts the delivery in flight. Waking on every completion would
        // cost a claim statement per delivery.
        const nowOpen = lane.queue.length === 0 && lane.inFlight < lane.maxConcurrency;
        if ((wasBlocked && nowOpen) || this.active === this.opts.maxInFlight - 1) this.wakeAfterFlush = true;
      });
    this.running.add(run);
  }

  private release(job: Job): void {
    this.active--;
    this.releases.push(deliveryKey(job.claimed));
    this.scheduleFlush();
    job.settle();
  }

  // --- one attempt ----------------------------------------------------------------------------

  private endpointState(endpoint: Endpoint): EndpointState {
    const version = `${endpoint.updatedAt.getTime()}:${endpoint.version}`;
    const cached = this.endpointStates.get(endpoint.id);
    if (cached?.version === version) return cached;
    const profile = getProfile(endpoint.profile);
    let prepared: PreparedEndpoint | null = null;
    let problem: string | null = null;
    if (!profile) {
      problem = `not sent: this Herald has no profile named "${endpoint.profile}"`;
    } else {
      try {
        prepared = profile.prepare({ endpoint, secrets: this.secretBox.open(endpoint.secrets) });
      } catch (err) {
        problem = `not sent: the endpoint's signing secret cannot be read (${(err as Error).message}); check HERALD_MASTER_KEY`;
      }
    }
    const baseHeaders: Record<string, string> = {};
    for (const [name, value] of Object.entries(endpoint.headers)) baseHeaders[name.toLowerCase()] = value;
    baseHeaders['content-type'] = 'application/json';
    baseHeaders['user-agent'] = userAgent;
    const timeoutMs = Math.max(1, Math.min(endpoint.timeoutMs ?? profile?.timeoutMs ?? timeoutMsDefault, this.opts.leaseMs - 2 * this.opts.leaseMarginMs));
    const state: EndpointState = { version, prepared, problem, baseHeaders, timeoutMs, schedule: effectiveSchedule(endpoint, profile, this.config) };
    // Bounded by the number of endpoints; a process with more than this many active endpoints
    // just rebuilds states (a decrypt and a few allocations each).
    if (this.endpointStates.size >= 10_000) this.endpointStates.clear();
    this.endpointStates.set(endpoint.id, state);
    return state;
  }

  private async deliver(job: Job): Promise<void> {
    const { delivery, message, endpoint, appUid } = job.claimed;
    const { state } = job;
    const attemptAt = this.clock.now();
    let headers: Record<string, string> | null = null;
    let result: SendResult;
    let terminal = false;
    if (message.payload === null) {
      // Expunged before it could be sent: retrying cannot help.
      result = { statusCode: 0, response: 'not sent: the message payload was expunged', responseHeaders: null, durationMs: 0, failure: null };
      terminal = true;
    } else if (state.prepared === null) {
      result = { statusCode: 0, response: state.problem ?? 'not sent', responseHeaders: null, durationMs: 0, failure: null };
    } else {
      const body = state.prepared.body({ message, payload: message.payload, appUid });
      headers = { ...state.baseHeaders, ...state.prepared.signatureHeaders({ msgId: message.id, body, attemptAt }) };
      result = await this.sender.send({ url: endpoint.url, body, headers, timeoutMs: state.timeoutMs, signal: this.shutdown.signal });
      if (result.failure === 'aborted') {
        this.releases.push(deliveryKey(job.claimed));
        this.scheduleFlush();
        return;
      }
    }

    const finishedAt = this.clock.now();
    const attemptCount = delivery.attemptCount + 1;
    const code = result.statusCode;
    const ok = code >= 200 && code < 300;
    let status: MessageStatus = MessageStatus.Fail;
    let nextAttemptAt: Date | null = null;
    const disableEndpoint = code === 410;
    if (ok) {
      status = MessageStatus.Success;
    } else if (!disableEndpoint && !terminal) {
      const retryAfterSeconds = code === 429 || code === 503 ? parseRetryAfter(result.responseHeaders?.['retry-after'], finishedAt) : null;
      const delay = nextDelayMs({ schedule: state.schedule, attemptCount, retryAfterSeconds, random: this.opts.random });
      if (delay !== null) {
        status = MessageStatus.Pending;
        nextAttemptAt = new Date(finishedAt.getTime() + delay);
      }
    }
    if (disableEndpoint) {
      this.logger.info({ endpointId: endpoint.id, appId: endpoint.appId }, 'dispatcher: endpoint answered 410 Gone; disabling it');
      // What is still queued for it stays pending; the disabled endpoint is no longer claimed.
      const lane = this.lanes.get(endpoint.id);
      if (lane) for (const queued of lane.queue.splice(0)) this.release(queued);
    }

    const attempt: Attempt = {
      id: newId('atmpt', attemptAt),
      appId: delivery.appId,
      msgId: delivery.msgId,
      endpointId: delivery.endpointId,
      url: endpoint.url,
      response: result.response,
      responseStatusCode: code,
      responseHeaders: result.responseHeaders,
      requestHeaders: headers,
      responseDurationMs: result.durationMs,
      status: ok ? MessageStatus.Success : MessageStatus.Fail,
      triggerType: delivery.triggerType,
      timestamp: attemptAt,
    };
    this.outcomes.push({ key: deliveryKey(job.claimed), attempt, status, nextAttemptAt, attemptCount, disableEndpoint });
    if (this.outcomes.length >= this.opts.recordBatchSize) void this.flush();
    else this.scheduleFlush();
  }

  // --- writing outcomes -----------------------------------------------------------------------

  /**
   * Completions in the same turn of the event loop share one write; while a write is running the
   * next batch accumulates behind it, so under load each `deliveryRecordOutcomes` carries many
   * outcomes (group commit, as ingest does).
   */
  private scheduleFlush(): void {
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    setImmediate(() => {
      this.flushScheduled = false;
      void this.flush();
    });
  }

  private flush(): Promise<void> {
    this.flushChain = this.flushChain.then(() => this.flushNow());
    return this.flushChain;
  }

  private async flushNow(): Promise<void> {
    while (this.outcomes.length > 0) {
      const batch = this.outcomes.splice(0, this.opts.recordBatchSize);
      try {
        await this.store.deliveryRecordOutcomes({ outcomes: batch });
      } catch (err) {
        this.outcomes.unshift(...batch);
        const level = this.flushRetryMs === flushRetryMinMs ? 'error' : 'debug';
        this.logger[level]({ err, count: this.outcomes.length }, `dispatcher: recording outcomes failed; retrying in ${this.flushRetryMs} ms`);
        this.retryFlushLater();
        return;
      }
      if (this.flushRetryMs !== flushRetryMinMs) this.logger.info({}, 'dispatcher: recording outcomes works again');
      this.flushRetryMs = flushRetryMinMs;
    }
    if (this.releases.length > 0) {
      const keys = this.releases;
      this.releases = [];
      try {
        await this.store.deliveryReleaseLeases({ keys, now: this.clock.now() });
      } catch (err) {
        // The leases expire on their own and the reaper returns the deliveries.
        this.logger.warn({ err, count: keys.length }, 'dispatcher: releasing leases failed; they will expire instead');
      }
    }
    if (this.wakeAfterFlush) {
      this.wakeAfterFlush = false;
      this.wake(true);
    }
  }

  private retryFlushLater(): void {
    if (this.flushRetryTimer || this.stopping) return;
    this.flushRetryTimer = setTimeout(() => {
      this.flushRetryTimer = null;
      void this.flush();
    }, this.flushRetryMs);
    this.flushRetryMs = Math.min(this.flushRetryMs * 2, flushRetryMaxMs);
  }

  // --- stopping -------------------------------------------------------------------------------

  private async stopNow(): Promise<void> {
    this.stopping = true;
    this.unsubscribe?.();
    this.unsubscribe = null;
    this.wake(true);
    await this.loopPromise;
    await this.claimChain;
    for (const lane of this.lanes.values()) {
      if (lane.rateTimer) clearTimeout(lane.rateTimer);
      lane.rateTimer = null;
      for (const job of lane.queue.splice(0)) this.release(job);
    }
    if (this.running.size > 0) {
      let timer: NodeJS.Timeout | undefined;
      const bound = new Promise<void>((resolve) => (timer = setTimeout(resolve, this.opts.stopTimeoutMs)));
      await Promise.race([Promise.allSettled([...this.running]), bound]);
      clearTimeout(timer);
      if (this.running.size > 0) {
        this.logger.warn({ count: this.running.size }, 'dispatcher: aborting requests still in flight at stop; their deliveries go back to the queue');
        this.shutdown.abort();
        await Promise.allSettled([...this.running]);
      }
    }
    if (this.flushRetryTimer) clearTimeout(this.flushRetryTimer);
    this.flushRetryTimer = null;
    await this.flush();
    await this.sender.close();
  }
}
