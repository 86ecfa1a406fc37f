import type { Config } from '../config.js';
import type { Clock } from '../domain/clock.js';
import type { SecretBox } from '../domain/secrets.js';
import type { Store } from '../store/driver.js';
import { connectTimeoutMsDefault } from './sender.js';
import type { DispatchObserver } from './observer.js';
import type { RelayTransport } from './relay-transport.js';

/** The dispatcher's knobs (`claim-loop.ts`); tests shorten them, `main.ts` sets the lease. */
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
  /**
   * At most this many deliveries of one endpoint per claim (the store also caps it at the
   * endpoint's `maxConcurrency`, so a claim never reads more of one endpoint than it may send).
   */
  perEndpointLimit: number;
  /** Deliveries in flight or queued in lanes, across all endpoints. */
  maxInFlight: number;
  maxConcurrencyDefault: number;
  /** After a claim that found work (but not a full batch): the longest pause before the next claim. */
  activePollMs: number;
  /** After an empty claim: the poll backoff, from this … */
  idleMinMs: number;
  /** … doubling up to this. */
  idleMaxMs: number;
  /** How long `stop()` waits for in-flight requests before aborting them. */
  stopTimeoutMs: number;
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
  // Was 10, below the maxConcurrency a user may set: with maxConcurrency 50 each claim took 10,
  // the lane never counted as full, and the loop waited out its pause between claims of 10:
  // 443 delivered/s against the relay's 10,374 (bench quick pass of 2026-11-23 20:48). The store
  // caps each endpoint at its own maxConcurrency, so 100 costs nothing for default endpoints.
  perEndpointLimit: 100,
  maxInFlight: 2_000,
  maxConcurrencyDefault: 10,
  // 20 ms: a message arriving while every worker is busy waits at most that for a claim, while
  // a stream of ingests costs each busy worker at most 50 claims a second. In the scale-out e2e
  // (2 API and 3 worker processes on PostgreSQL, the 2-core dev VM, 5,000 single-message POSTs
  // at about 350 a second) claiming on every NOTIFY cost 1.18 claims per message (5,907); with
  // this pause 0.54 (2,685), and outcome writes 0.40. Completions end the pause early when news
  // is pending (claim-loop-wake.ts), so a busy single worker does not wait it out.
  activePollMs: 20,
  // Wake-ups make an idle worker's poll a safety net: it catches retries coming due, at most a
  // second late (the first retry is 5 s ± 20 % jitter by default).
  idleMinMs: 50,
  idleMaxMs: 1_000,
  stopTimeoutMs: 10_000,
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
  /** Told of the outcomes once written (`observer.ts`): metrics, operational webhooks. */
  observer?: DispatchObserver;
  /** Where relay (`herald listen`) deliveries go; the process's `relayHub` by default. */
  relay?: RelayTransport;
}

/** The defaults, with the lease-derived ones scaled to a shorter lease, then the caller's. */
export function resolveDispatcherOptions(options: Partial<DispatcherOptions> | undefined): DispatcherOptions {
  const leaseMs = options?.leaseMs ?? dispatcherOptionsDefault.leaseMs;
  return {
    ...dispatcherOptionsDefault,
    leaseMarginMs: Math.min(dispatcherOptionsDefault.leaseMarginMs, Math.floor(leaseMs / 6)),
    ...options,
  };
}
