import { createServer } from 'node:http';
import { serve, wallNow } from './rpc.mjs';
import { summarise } from './stats.mjs';

/**
 * The shared fast receiver: plain `node:http`, answers every request 200 with an empty body once
 * the request body is read. Runs in its own process (forked by the orchestrator), so its event
 * loop is shared with neither the system under test nor the load generator.
 *
 * The first segment of the path picks a behaviour, so that one receiver serves every scenario:
 *   /dead/…  never answered: the request stays open until the sender gives up (a dead endpoint);
 *   /fail/…  answered 500 at once (a failing endpoint);
 *   /hold/…  answered 200, but while `hold` is on it is kept unanswered until `release` (a
 *            receiver that is down, then comes up);
 *   anything else: answered 200 at once.
 * Only requests answered 200 count as arrivals.
 *
 * It counts arrivals and notes when the expected count is reached (`reached` event), which is
 * how end-to-end throughput is timed. With `latency` on, it also parses `"t":<ms>` (the sender's
 * wall-clock send time, written into the payload by the load generator) and records
 * arrival − t for every request whose t is at or after `since` (and whose path starts with
 * `latencyPrefix`, when given); off, the body is not even decoded, so the receiver costs as
 * little as possible per request. With `track` on, it keeps the distinct `webhook-id`s per path,
 * to tell lost and duplicated deliveries apart.
 */
let count = 0;
let expect = Infinity;
let firstAt = 0;
let lastAt = 0;
let reachedAt = 0;
let latency = false;
let latencyPrefix = '';
let since = 0;
let latencies = [];
let track = false;
let hold = false;
let held = [];
let failed = 0;
const deadOpen = new Set();
// Per path: [arrivals, Set of webhook-ids (with `track`), duplicates].
let byPath = new Map();
// Per second of send time since `since`: [messages, worst latency], to tell one stall from a
// backlog that grows.
let timeline = [];
// Arrival times since the last reset, so a run can be split at an instant (e.g. when sending ended).
let arrivals = [];
const tRe = /"t":([0-9.e+]+)/;

function arrived(req, bodyText) {
  const at = wallNow();
  count++;
  arrivals.push(at);
  if (firstAt === 0) firstAt = at;
  lastAt = at;
  notePath(req);
  if (latency && bodyText !== null && req.url.startsWith(latencyPrefix)) noteLatency(at, bodyText);
  if (count === expect) {
    reachedAt = at;
    process.send({ event: 'reached', at, count });
  }
}

function notePath(req) {
  let p = byPath.get(req.url);
  if (!p) byPath.set(req.url, (p = [0, track ? new Set() : null, 0]));
  p[0]++;
  if (!p[1]) return;
  const id = req.headers['webhook-id'];
  if (p[1].has(id)) p[2]++;
  else p[1].add(id);
}

function noteLatency(at, bodyText) {
  const m = tRe.exec(bodyText);
  if (!m) return;
  const t = Number(m[1]);
  if (t < since) return;
  const lag = at - t;
  latencies.push(lag);
  const s = Math.floor((t - since) / 1000);
  const bucket = (timeline[s] ??= [0, 0]);
  bucket[0]++;
  if (lag > bucket[1]) bucket[1] = lag;
}

function answer(req, res, bodyText) {
  if (req.url.startsWith('/dead/')) {
    deadOpen.add(res);
    res.once('close', () => deadOpen.delete(res));
    return;
  }
  if (req.url.startsWith('/fail/')) {
    failed++;
    res.writeHead(500).end();
    return;
  }
  if (hold && req.url.startsWith('/hold/')) {
    held.push([req, res, bodyText]);
    return;
  }
  arrived(req, bodyText);
  res.end();
}

const server = createServer({ keepAliveTimeout: 60_000 }, (req, res) => {
  if (latency) {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => answer(req, res, Buffer.concat(chunks).toString('latin1')));
  } else {
    req.on('data', () => {});
    req.on('end', () => answer(req, res, null));
  }
});
server.headersTimeout = 0;
server.requestTimeout = 0;

await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
const { port } = server.address();

serve(
  {
    /** Zeroes the counters; `expect` arrivals from now on fire `reached`. */
    reset(args) {
      count = 0;
      firstAt = 0;
      lastAt = 0;
      reachedAt = 0;
      failed = 0;
      expect = args.expect ?? Infinity;
      latency = Boolean(args.latency);
      latencyPrefix = args.latencyPrefix ?? '';
      since = args.since ?? 0;
      track = Boolean(args.track);
      latencies = [];
      timeline = [];
      arrivals = [];
      byPath = new Map();
      return { ok: true };
    },
    /** `on`: /hold/… requests are kept unanswered; off: the kept ones are answered now, in order. */
    hold({ on }) {
      hold = Boolean(on);
      if (!hold) {
        const queued = held;
        held = [];
        for (const [req, res, bodyText] of queued) if (!res.destroyed) answer(req, res, bodyText);
      }
      return { held: held.length };
    },
    /** How many arrived at or before `at` (wall-clock ms). */
    countUntil({ at }) {
      let n = 0;
      for (const a of arrivals) if (a <= at) n++;
      return n;
    },
    /** Arrivals per path: `count`, and with `track`, `distinct` webhook-ids and `duplicates`. */
    paths() {
      const out = {};
      for (const [path, [n, ids, dups]] of byPath) out[path] = { count: n, distinct: ids?.size ?? null, duplicates: ids ? dups : null };
      return out;
    },
    stats() {
      const perSecond = Array.from(timeline, (b) => (b ? { n: b[0], maxMs: Math.round(b[1] * 10) / 10 } : { n: 0, maxMs: null }));
      return {
        count,
        firstAt,
        lastAt,
        reachedAt,
        failed,
        held: held.length,
        deadOpen: deadOpen.size,
        latency: latency ? { ...summarise(latencies), perSecond } : null,
      };
    },
  },
  { port, url: `http://127.0.0.1:${port}` },
);
