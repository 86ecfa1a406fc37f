import { startHerald } from './herald.mjs';
import { wallNow } from './rpc.mjs';

/**
 * The run shapes every scenario is built from, bound to the bench's shared context:
 * `{ repoRoot, heraldRoot, receiver, loadgen, sizes, concurrency }` (receiver and load generator are the
 * children of lib/rpc.mjs). Every wait is bounded by `sizes.waitMs` or less.
 */
export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** In-flight cap of the open-loop (fixed rate) runs. */
export const latencyMaxInFlight = 5_000;

/** /msg/batch loads: messages per batch, clients. */
export const batchSize = 1_000;
export const batchConcurrency = 4;

export function createRuns(ctx) {
  const { receiver, loadgen, sizes, concurrency } = ctx;

  /** Polls the receiver's stats until `done(stats)` or `timeoutMs` passed; returns the stats. */
  async function waitUntil(done, timeoutMs) {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const stats = await receiver.call('stats');
      if (done(stats)) return { ...stats, timedOut: false };
      if (Date.now() > deadline) return { ...stats, timedOut: true };
      await sleep(50);
    }
  }

  /** Until the receiver has `target` arrivals (or `timeoutMs` passed). */
  const waitCount = (target, timeoutMs) => waitUntil((s) => s.count >= target, timeoutMs);

  /** Closed-loop warm-up: `sizes.warmup` messages, all received (see timedRun), before anything is timed. */
  async function warmUp({ origin, path, headers, kind, apps, expectReceived = (lg) => lg.ok }) {
    await receiver.call('reset', { expect: sizes.warmup });
    const warm = await loadgen.call('closed', { origin, path, headers, kind, apps, n: sizes.warmup, concurrency, maxMs: sizes.waitMs });
    await waitCount(expectReceived(warm), sizes.waitMs);
    await sleep(500); // outcome writes of the warm-up settle before the counters are reset
    return { warm };
  }

  /**
   * Closed-loop throughput over `n` (default `sizes.n`) messages. Ingest rate: accepted answers
   * over the load generator's sending time. Delivery rate: messages received over the time from
   * the first send to the receiver's n-th arrival. `expectReceived(lg)` says how many arrivals
   * to wait for (default: every accepted message; less when some go to endpoints that never
   * answer).
   */
  async function timedRun({ origin, path, headers, kind, apps, n = sizes.n, expectReceived = (lg) => lg.ok, beforeStart = async () => {}, afterSend = async () => {} }) {
    await receiver.call('reset', { expect: n });
    await beforeStart();
    const lg = await loadgen.call('closed', { origin, path, headers, kind, apps, n, concurrency, maxMs: sizes.waitMs, offset: sizes.warmup });
    await afterSend();
    const expected = expectReceived(lg);
    const rx = await waitCount(expected, sizes.waitMs);
    const lastAt = rx.count >= n && rx.reachedAt > 0 ? rx.reachedAt : rx.lastAt;
    const sendS = (lg.endAt - lg.startAt) / 1000;
    const deliverS = (lastAt - lg.startAt) / 1000;
    // Delivery while the clients were still sending, and after: a dispatcher that falls behind
    // shows here as a backlog drained at a different rate once ingest stops.
    const receivedWhileSending = await receiver.call('countUntil', { at: lg.endAt });
    const drainS = (lastAt - lg.endAt) / 1000;
    return {
      n,
      accepted: lg.ok,
      okByPath: lg.okByPath,
      statuses: lg.statuses,
      errors: lg.errors,
      received: rx.count,
      timedOut: lg.timedOut || rx.timedOut,
      sendS,
      deliverS,
      ingestPerS: lg.ok / sendS,
      deliveredPerS: Math.min(rx.count, expected) / deliverS,
      receivedWhileSending,
      deliveredPerSWhileSending: receivedWhileSending / sendS,
      deliveredPerSAfterSending: drainS > 0.05 ? (Math.min(rx.count, expected) - receivedWhileSending) / drainS : null,
      ackMs: lg.ack,
    };
  }

  /** Warm-up, then the timed closed-loop run: the ingest and e2e figures of one system. */
  async function throughput(target) {
    await warmUp(target);
    return timedRun(target);
  }

  /**
   * Open loop at `rate` messages/s (default `sizes.rate`): a warm-up at the same rate, then
   * `seconds` (default `sizes.latencyS`) timed. The receiver records arrival − send time for
   * every message sent after the warm-up whose path starts with `latencyPrefix` (all by default).
   */
  async function latencyRun(target, { rate = sizes.rate, seconds = sizes.latencyS, warmS = sizes.latencyWarmS, latencyPrefix = '' } = {}) {
    await receiver.call('reset', {});
    const open = (durationMs, offset) =>
      loadgen.call('open', { ...target, rate, durationMs, connections: concurrency, maxInFlight: latencyMaxInFlight, offset });
    const warm = await open(warmS * 1000, 0);
    await waitCount(warm.ok, sizes.waitMs);
    const since = wallNow();
    await receiver.call('reset', { latency: true, since, latencyPrefix });
    const lg = await open(seconds * 1000, 10_000_000);
    // With a prefix, other paths' arrivals (another app's backlog) do not count.
    const timed = await waitUntil((st) => (latencyPrefix ? st.latency?.n ?? 0 : st.count) >= lg.ok, Math.min(sizes.waitMs, 60_000));
    return {
      offeredPerS: lg.offeredPerS,
      fired: lg.fired,
      skipped: lg.skipped,
      accepted: lg.ok,
      statuses: lg.statuses,
      errors: lg.errors,
      received: timed.latency?.n ?? 0,
      timedOut: timed.timedOut,
      ackMs: lg.ack,
      latencyMs: timed.latency,
    };
  }

  /**
   * Herald with the given applications: `[{ uid, endpoints: [{ path, ...endpointIn }] }]`, each
   * endpoint on the receiver at `path`. Returns the handle of lib/herald.mjs with `endpoints`,
   * `{ [uid]: [endpoint ids] }`.
   */
  async function heraldWithApps(options, apps) {
    const herald = await startHerald({ repoRoot: ctx.repoRoot, heraldRoot: ctx.heraldRoot, ...options });
    herald.endpoints = {};
    try {
      for (const { uid, endpoints } of apps) {
        await herald.api('POST', '/app', { name: uid, uid });
        herald.endpoints[uid] = [];
        for (const { path, ...rest } of endpoints) {
          const ep = await herald.api('POST', `/app/${uid}/endpoint`, { url: `${receiver.info.url}${path}`, ...rest });
          herald.endpoints[uid].push(ep.id);
        }
      }
    } catch (err) {
      await herald.stop();
      throw err;
    }
    return herald;
  }

  /**
   * Herald with one application `bench` and one endpoint on the receiver, or with `apps` > 0,
   * applications `bench0…` with one endpoint each. `maxConcurrency` null leaves Herald's default.
   */
  function heraldWithEndpoint(options = {}, { apps = 0, maxConcurrency = null } = {}) {
    const uids = apps > 0 ? Array.from({ length: apps }, (_, i) => `bench${i}`) : ['bench'];
    const endpoint = { path: '/herald', ...(maxConcurrency === null ? {} : { maxConcurrency }) };
    return heraldWithApps(options, uids.map((uid) => ({ uid, endpoints: [endpoint] })));
  }

  /**
   * `count` messages (rounded up to whole batches) for application `app` through /msg/batch, as
   * fast as Herald takes them; the load generator's answer, with `accepted` messages.
   */
  async function loadBatches(herald, app, count, offset = 0) {
    const lg = await loadgen.call('batch', {
      origin: herald.url,
      path: `/api/v1/app/${app}/msg/batch`,
      headers: { authorization: `Bearer ${herald.token}` },
      batches: Math.ceil(count / batchSize),
      size: batchSize,
      concurrency: batchConcurrency,
      maxMs: sizes.waitMs,
      offset,
    });
    return { ...lg, accepted: lg.ok * batchSize };
  }

  /** The load generator's target for Herald's `POST /msg` (`app` may be `{app}`, see loadgen). */
  const msgTarget = (herald, app = 'bench', extra = {}) => ({
    origin: herald.url,
    path: `/api/v1/app/${app}/msg`,
    headers: { authorization: `Bearer ${herald.token}` },
    kind: 'msg',
    ...extra,
  });

  return { waitUntil, waitCount, warmUp, timedRun, throughput, latencyRun, loadBatches, heraldWithApps, heraldWithEndpoint, msgTarget };
}
