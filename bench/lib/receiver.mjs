import { createServer } from 'node:http';
import { serve, wallNow } from './rpc.mjs';
import { summarise } from './stats.mjs';

/**
 * The shared fast receiver: plain `node:http`, answers every request 200 with an empty body once
 * the request body is read. Runs in its own process (forked by the orchestrator), so its event
 * loop is shared with neither the system under test nor the load generator.
 *
 * It counts arrivals and notes when the expected count is reached (`reached` event), which is
 * how end-to-end throughput is timed. With `latency` on, it also parses `"t":<ms>` (the sender's
 * wall-clock send time, written into the payload by the load generator) and records
 * arrival − t for every request whose t is at or after `since`; off, the body is not even
 * decoded, so the receiver costs as little as possible per request.
 */
let count = 0;
let expect = Infinity;
let firstAt = 0;
let lastAt = 0;
let reachedAt = 0;
let latency = false;
let since = 0;
let latencies = [];
// Per second of send time since `since`: [messages, worst latency], to tell one stall from a
// backlog that grows.
let timeline = [];
// Arrival times since the last reset, so a run can be split at an instant (e.g. when sending ended).
let arrivals = [];
const tRe = /"t":([0-9.e+]+)/;

function arrived(bodyText) {
  const at = wallNow();
  count++;
  arrivals.push(at);
  if (firstAt === 0) firstAt = at;
  lastAt = at;
  if (latency && bodyText !== null) {
    const m = tRe.exec(bodyText);
    if (m) {
      const t = Number(m[1]);
      if (t >= since) {
        const lag = at - t;
        latencies.push(lag);
        const s = Math.floor((t - since) / 1000);
        const bucket = (timeline[s] ??= [0, 0]);
        bucket[0]++;
        if (lag > bucket[1]) bucket[1] = lag;
      }
    }
  }
  if (count === expect) {
    reachedAt = at;
    process.send({ event: 'reached', at, count });
  }
}

const server = createServer({ keepAliveTimeout: 60_000 }, (req, res) => {
  if (latency) {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      arrived(Buffer.concat(chunks).toString('latin1'));
      res.end();
    });
  } else {
    req.on('data', () => {});
    req.on('end', () => {
      arrived(null);
      res.end();
    });
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
      expect = args.expect ?? Infinity;
      latency = Boolean(args.latency);
      since = args.since ?? 0;
      latencies = [];
      timeline = [];
      arrivals = [];
      return { ok: true };
    },
    /** How many arrived at or before `at` (wall-clock ms). */
    countUntil({ at }) {
      let n = 0;
      for (const a of arrivals) if (a <= at) n++;
      return n;
    },
    stats() {
      const perSecond = Array.from(timeline, (b) => (b ? { n: b[0], maxMs: Math.round(b[1] * 10) / 10 } : { n: 0, maxMs: null }));
      return { count, firstAt, lastAt, reachedAt, latency: latency ? { ...summarise(latencies), perSecond } : null };
    },
  },
  { port, url: `http://127.0.0.1:${port}` },
);
